"""Services: each owns one database session for one unit of work (see `base.BaseService`)."""

from __future__ import annotations

from testio.services.base import BaseService

__all__ = ["BaseService"]
