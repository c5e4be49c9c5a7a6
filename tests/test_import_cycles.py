"""No import circles among the project's modules, nor among the packages of `itc`.

The graph is built from the source with `ast`: the imports a module runs when it is
first imported (its top level, including `with` and `try` blocks), not the lazy ones
inside functions nor those under `if TYPE_CHECKING:`, which never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROOTS = ("itc", "workflows", "activities")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {module_name(path): path for root in ROOTS for path in sorted((REPO / root).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _run_at_import(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _run_at_import(node.body)
            yield from _run_at_import(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield from _run_at_import(node.body)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _run_at_import(block)


def imported_modules(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _run_at_import(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            candidates = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for candidate in candidates:
            # `import a.b.c` runs a, a.b and a.b.c: the deepest project module stands for the chain.
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
    return targets


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            if cycle := visit(target):
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        if cycle := visit(node):
            return cycle
    return None


def module_graph() -> dict[str, set[str]]:
    known = project_modules()
    return {name: imported_modules(name, path, known) for name, path in known.items()}


def itc_package_of(module: str) -> str | None:
    """`itc.runtime.worker` -> `itc.runtime`; modules outside a subpackage of itc have none."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "itc" and len(parts) > 2 else None


def test_the_graph_sees_the_project():
    graph = module_graph()
    assert {"itc.rules.config", "workflows.trial", "activities.trial_reports"} <= graph.keys()
    assert "itc.rules.config" in graph["itc.rules.stopping"]


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_modules():
    cycle = find_cycle(module_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_import_cycle_among_itc_packages():
    packages: dict[str, set[str]] = {}
    for module, targets in module_graph().items():
        if (source := itc_package_of(module)) is None:
            continue
        packages.setdefault(source, set())
        packages[source] |= {t for target in targets if (t := itc_package_of(target)) not in (None, source)}
    cycle = find_cycle(packages)
    assert cycle is None, "import cycle between packages: " + " -> ".join(cycle or [])
