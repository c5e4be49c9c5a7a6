"""The journey core imports nothing from Temporal: it runs, and is tested, without a server."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import itc.journey

CORE_DIR = Path(itc.journey.__file__).parent
CORE_MODULES = sorted(p for p in CORE_DIR.glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_every_core_module_imports_without_temporal():
    names = [f"itc.journey.{m.name}" for m in pkgutil.iter_modules([str(CORE_DIR)])]
    assert len(names) >= 15
    for name in names:
        importlib.import_module(name)
    for path in CORE_MODULES:
        temporal = {m for m in imported_modules(path) if m == "temporalio" or m.startswith("temporalio.")}
        assert not temporal, f"{path.name} imports {sorted(temporal)}"


def test_the_core_imports_only_itself_models_rules_and_the_standard_library():
    allowed_roots = {"itc", "__future__", "calendar", "collections", "dataclasses", "datetime", "typing"}
    for path in CORE_MODULES:
        for module in imported_modules(path):
            root = module.split(".")[0]
            assert root in allowed_roots, f"{path.name} imports {module}"
            if root == "itc":
                assert module.split(".")[1] in {"journey", "models", "rules"}, f"{path.name} imports {module}"


def test_nothing_the_core_imports_pulls_temporal_in():
    """Transitively too: a fresh interpreter that loads every core module has no temporalio module."""
    probe = (
        "import importlib, pkgutil, sys, itc.journey\n"
        "for m in pkgutil.iter_modules(itc.journey.__path__):\n"
        "    importlib.import_module('itc.journey.' + m.name)\n"
        "print(sorted(k for k in sys.modules if k.split('.')[0] == 'temporalio'))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
