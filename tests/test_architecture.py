"""The layout holds: stage packages import one way, no import circles, no private names across modules.

The stages, lowest first (docs/architecture.md): a module may import its own
package and the packages before it, never one after it. Imports inside
functions and under TYPE_CHECKING count too: a circle is a circle.
"""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

LAYERS = ("core", "source", "site", "render", "build", "preview", "editing")
TOP = {"cli", "clitext", "__main__", "__init__"}   # generator/cli.py and friends may import anything


def modules() -> dict[str, Path]:
    root = REPO / "generator"
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(["generator", *parts])] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import of a generator module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("generator"):
            assert node.level == 0, f"{path}:{node.lineno}: relative import"
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in known:
                    found.append((sub, [], node.lineno))
                else:
                    found.append((node.module, [alias.name], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("generator")]
    return found


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in TOP or parts[1] == "_theme_default":
        return len(LAYERS)
    assert parts[1] in LAYERS, f"{module} is in no stage package"
    return LAYERS.index(parts[1])


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {target for target, _, _ in imports(path, known) if target in known and target != name}
            for name, path in known.items()}


def test_every_module_sits_in_a_stage_package() -> None:
    loose = [m for m, path in modules().items()
             if len(m.split(".")) == 2 and m.split(".")[1] not in TOP and path.name != "__init__.py"]
    assert loose == []


def test_imports_run_one_way_down_the_stages() -> None:
    known = modules()
    upward = []
    for name, path in known.items():
        for target, _, line in imports(path, known):
            if target in known and layer_of(target) > layer_of(name):
                upward.append(f"{path.relative_to(REPO)}:{line}: {name} imports {target}")
    assert upward == []


def test_no_private_name_is_imported_from_another_module() -> None:
    known = modules()
    private = [f"{path.relative_to(REPO)}:{line}: {name}"
               for module, path in known.items() for target, names, line in imports(path, known)
               for name in names if name.startswith("_") and not name.startswith("__")]
    assert private == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    assert _cycles(graph()) == []


def test_no_module_is_over_400_lines() -> None:
    """Small modules with one job each (docs/architecture.md gives each one's lines)."""
    long = {name: n for name, path in modules().items() if (n := len(path.read_text("utf-8").splitlines())) > 400}
    assert long == {}


def test_the_architecture_page_gives_each_module_its_lines() -> None:
    page = (REPO / "docs" / "architecture.md").read_text("utf-8")
    for name, path in modules().items():
        parts = name.split(".")
        if len(parts) == 3 and parts[-1] != "__init__" and path.name != "__init__.py":
            lines = len(path.read_text("utf-8").splitlines())
            assert f"| {path.name} | {lines} |" in page or f"{path.name} ({lines}," in page, \
                f"docs/architecture.md: {parts[1]}/{path.name} has {lines} lines"


def test_the_checks_can_fail() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_of("generator.core.errors") < layer_of("generator.build.pipeline") < layer_of("generator.cli")
