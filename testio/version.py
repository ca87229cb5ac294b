"""The package version, readable without importing the rest of testio."""

from __future__ import annotations

__version__ = "0.1.0"
