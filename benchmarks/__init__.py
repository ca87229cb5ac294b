"""Benchmarks against the sandbox on loopback: `python benchmarks/run.py` (or `nox -s bench`)."""
