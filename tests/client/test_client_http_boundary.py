"""The project rule: every HTTP call to TestIO lives in the `testio/client/` package."""

from __future__ import annotations

import ast
from pathlib import Path

import testio

PACKAGE = Path(testio.__file__).parent
SIMULATOR = PACKAGE / "sandbox"  # the TestIO simulator serves HTTP; it is not the client
CLIENT = PACKAGE / "client"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _httpx_imports(tree: ast.AST, *, type_only: bool = False) -> list[tuple[int, bool]]:
    """(line, under `if TYPE_CHECKING:`) for every import of httpx in `tree`."""
    found: list[tuple[int, bool]] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            names = []
        if any(name == "httpx" or name.startswith("httpx.") for name in names):
            found.append((getattr(node, "lineno", 0), type_only))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                found.extend(_httpx_imports(ast.Module([child], []), type_only=True))
            for child in node.orelse:
                found.extend(_httpx_imports(ast.Module([child], []), type_only=type_only))
        else:
            found.extend(_httpx_imports(node, type_only=type_only))
    return found


def test_only_the_client_imports_httpx() -> None:
    """Outside the simulator, only the client package imports httpx; `app.py` may, for typing only."""
    offenders: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(SIMULATOR) or path.is_relative_to(CLIENT):
            continue
        allowed_for_typing = path == PACKAGE / "app.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, type_only in _httpx_imports(tree):
            if not (allowed_for_typing and type_only):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    assert offenders == [], "httpx is imported outside testio/client/"
    session = ast.parse((CLIENT / "session.py").read_text(encoding="utf-8"))
    assert _httpx_imports(session), "the scan must see the client's own httpx import"
