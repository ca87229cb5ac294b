"""The package's layers: every import runs down them, the sandbox stands apart, and no imports go round in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import testio

PACKAGE = Path(testio.__file__).parent

# Top to bottom; a module may import its own area and any area below it, never one above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("testio.__main__",),
    ("testio.cli",),
    ("testio.server",),
    ("testio",),  # the package face: the public names of `import testio`
    ("testio.app",),
    ("testio.services",),
    ("testio.repositories", "testio.rendering"),
    ("testio.client", "testio.cache"),
    ("testio.domain", "testio.config"),
    ("testio.metrics", "testio.lifecycle", "testio.dates", "testio.serialize"),
    ("testio.errors", "testio.version"),
)
SANDBOX = "testio.sandbox"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """The testio modules `path` imports anywhere in its code (lazy imports count too)."""
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + is_package]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # `from testio import metrics` imports the module testio.metrics.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    return {name for name in found if name in modules and name != module}


def _area(module: str) -> str:
    """The entry of LAYERS (or the sandbox) that holds `module`."""
    if module == SANDBOX or module.startswith(SANDBOX + "."):
        return SANDBOX
    best = ""
    for layer in LAYERS:
        for area in layer:
            inside = module == area or (area != "testio" and module.startswith(area + "."))
            if inside and len(area) > len(best):
                best = area
    return best


def _rank(area: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if area in layer)


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_belongs_to_a_layer() -> None:
    """A new module or package must be given a place in LAYERS before it lands."""
    assert [m for m in _graph() if _area(m) == ""] == []


def test_no_module_imports_a_layer_above_its_own() -> None:
    """Imports run down the layers: a service never imports the server, the client never a service."""
    upward: list[str] = []
    for module, targets in _graph().items():
        area = _area(module)
        if area == SANDBOX:
            continue
        for target in sorted(targets):
            other = _area(target)
            if other in (SANDBOX, area):
                continue
            if _rank(other) <= _rank(area):
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_the_sandbox_imports_nothing_else_of_testio_and_only_the_cli_imports_it() -> None:
    """The simulator is a stand-in for TestIO: the product reaches it over HTTP, never by import."""
    graph = _graph()
    out_of_sandbox = [
        f"{m} -> {t}"
        for m, targets in graph.items()
        if _area(m) == SANDBOX
        for t in sorted(targets)
        if _area(t) != SANDBOX
    ]
    into_sandbox = [
        f"{m} -> {t}"
        for m, targets in graph.items()
        if _area(m) not in (SANDBOX, "testio.cli")
        for t in sorted(targets)
        if _area(t) == SANDBOX
    ]
    assert (out_of_sandbox, into_sandbox) == ([], [])


def test_no_modules_import_each_other_in_a_circle() -> None:
    """Module-level and lazy imports alike form no cycle, so every module has a floor of its own."""
    graph = _graph()
    state: dict[str, int] = {}
    circles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, set())):
            if target == module or _is_face_of(module, target):
                continue
            if state.get(target) == 1:
                circles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == []


def _is_face_of(package: str, module: str) -> bool:
    """A package's `__init__` re-exporting its own modules is not a circle with them."""
    return module.startswith(package + ".")


def test_the_scan_sees_real_imports() -> None:
    """The graph is not empty by accident: known imports are found."""
    graph = _graph()
    assert "testio.client.api" in graph["testio.services.sync"]
    assert "testio.metrics" in graph["testio.services.reports"]
    assert "testio.server.stdio" in graph["testio.cli.main"]
