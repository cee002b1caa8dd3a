"""The layout of the ``mlp`` package: one idea per module, no import cycle, the CLI on top.

These tests read the source files (``ast``), they do not import them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "mlp"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, *, top_level_only: bool) -> set[str]:
    """The ``mlp`` modules that ``path`` imports (``from mlp.x import y`` counts ``mlp.x``
    and, when ``mlp.x.y`` is a module, ``mlp.x.y``)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If):  # e.g. ``if TYPE_CHECKING:`` imports: not at run time
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("mlp")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mlp"):
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    known = {module_name(p) for p in MODULES}
    return found & known


def test_no_library_module_imports_the_command_line() -> None:
    library = [p for p in MODULES if "cli" not in p.relative_to(PACKAGE).parts]
    library = [p for p in library if p.name != "__main__.py"]
    offenders = {
        module_name(p): sorted(m for m in imported_modules(p, top_level_only=False) if "cli" in m)
        for p in library
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_the_import_graph_has_no_cycle() -> None:
    """Module-level imports, ignoring a submodule's implicit import of its own package."""
    graph = {
        module_name(p): {
            m
            for m in imported_modules(p, top_level_only=True)
            if not module_name(p).startswith(m + ".")
        }
        for p in MODULES
    }
    # a package's __init__ re-exporting its submodules is not a cycle with them
    for name in graph:
        graph[name] = {m for m in graph[name] if m != name and not m.startswith(name + ".")}
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for child in graph.get(node, ()):
            if state.get(child) == "open":
                pytest.fail("import cycle: " + " -> ".join([*path, node, child]))
            if child not in state:
                visit(child, [*path, node])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_is_short_and_says_its_idea(path: Path) -> None:
    lines = path.read_text().count("\n")
    assert lines <= MAX_LINES, f"{lines} lines: split it (one idea per module)"
    if path.name != "__main__.py":
        docstring = ast.get_docstring(ast.parse(path.read_text()))
        assert docstring and len(docstring.split()) >= 5, "no docstring saying what it holds"


def test_the_package_exports_what_a_user_reaches_for_first() -> None:
    import mlp

    assert {"MLP", "LoopMLP", "train", "Splits"} <= set(mlp.__all__)
    assert mlp.MLP.__module__ == "mlp.network" and mlp.train.__module__ == "mlp.train"
