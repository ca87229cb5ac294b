"""Developer tasks: `nox -s lint typecheck tests` is what CI runs."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "typecheck", "tests"]

PYTHON = "3.11"


def _install(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Pyright strict over the package, the tests, the examples and this file."""
    _install(session)
    session.run("pyright", "--pythonpath", session.virtualenv.location + "/bin/python")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite (fast: excludes the slow reliability runs)."""
    _install(session)
    session.run("pytest", "-m", "not slow", *session.posargs)


@nox.session(python=PYTHON)
def reliability(session: nox.Session) -> None:
    """Long fault, crash and soak runs."""
    _install(session)
    session.run("pytest", "-m", "slow", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks against the sandbox on loopback; prints figures next to their targets."""
    _install(session)
    session.run("python", "benchmarks/run.py", *session.posargs)
