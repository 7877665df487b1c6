"""The layout keeps its promise: every import, function-level ones included, points down the stages' order, and
no module or package imports itself round a circle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "src" / "bairi"
# The order the data flows in; a module may import its own stage or an earlier one.
STAGES = ("core", "guard", "intake", "read", "notice", "check", "state", "merge", "hazards", "deadlines", "write", "present",
          "cli_zh", "cli_options", "cli", "__main__")


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every bairi module `path` imports, wherever the import stands, except under `if TYPE_CHECKING:`."""
    return _imports_in(path.read_text(encoding="utf-8"), _module(path), path.name == "__init__.py")


def _imports_in(text: str, module: str, is_package: bool) -> list[tuple[str, int]]:
    package = module if is_package else module.rsplit(".", 1)[0]
    found: list[tuple[str, int]] = []

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if "TYPE_CHECKING" in ast.unparse(node.test):
                for statement in node.orelse:
                    self.visit(statement)
                return
            self.generic_visit(node)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "bairi" or target.startswith("bairi."):
                # `from bairi.merge import seal` imports the module bairi.merge.seal
                names = [f"{target}.{a.name}" for a in node.names]
                known = [n for n in names if _exists(n)]
                found.extend((n, node.lineno) for n in (known or [target]))

        def visit_Import(self, node: ast.Import) -> None:
            found.extend((a.name, node.lineno) for a in node.names if a.name.startswith("bairi"))

    Visitor().visit(ast.parse(text))
    return found


def _exists(module: str) -> bool:
    relative = Path(*module.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative / "__init__.py").is_file()


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        graph[_module(path)] = {target for target, _ in _imports(path) if target != _module(path)}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            part = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                part.append(top)
                if top == node:
                    break
            if len(part) > 1:
                circles.append(sorted(part))

    for node in list(graph):
        if node not in index:
            visit(node)
    return circles


def test_every_stage_is_known():
    stages = {_stage(_module(p)) for p in PACKAGE.rglob("*.py")} - {"bairi"}
    assert stages <= set(STAGES), stages - set(STAGES)


def test_no_import_points_up_the_stages():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _module(path)
        for target, line in _imports(path):
            if _stage(target) in STAGES and STAGES.index(_stage(target)) > STAGES.index(_stage(source)):
                upward.append(f"{source}:{line} -> {target}")
    assert upward == []


def test_no_module_circle():
    assert _circles(_graph()) == []


def test_no_package_circle():
    packages: dict[str, set[str]] = {}
    for source, targets in _graph().items():
        packages.setdefault(_stage(source), set()).update(_stage(t) for t in targets if _stage(t) != _stage(source))
    assert _circles(packages) == []


def test_the_walk_sees_function_level_and_relative_imports():
    """The checker itself: an upward import hidden in a function is found, one under TYPE_CHECKING is not."""
    text = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bairi.cli import app\n"
            "def f():\n    from bairi.present.render import render\n    from ..write import book\n")
    assert _imports_in(text, "bairi.core.probe", False) == [("bairi.present.render", 5), ("bairi.write.book", 6)]
