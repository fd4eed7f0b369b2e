"""The programs that run inside the sandbox: standard library only, inert on import, all shipped."""

from __future__ import annotations

import ast
import importlib
import sys
from importlib import resources

import pytest

from microcred.adapters.sandbox import programs
from microcred.adapters.sandbox.python_tests import HARNESS_FILES

PROGRAMS = sorted(
    p.name
    for p in resources.files(programs).iterdir()
    if p.name.endswith(".py") and p.name != "__init__.py"
)


def imports(name: str) -> tuple[set[str], set[str]]:
    """Top-level modules a program imports, and the sibling programs it imports."""
    tree = ast.parse(programs.source(name))
    outside: set[str] = set()
    siblings: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                (siblings if f"{top}.py" in PROGRAMS else outside).add(top)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # ``from . import mc_wire``: the same sibling, seen in the package
                siblings.update(a.name for a in node.names if node.module is None)
                if node.module:
                    siblings.add(node.module)
            elif node.module:
                outside.add(node.module.split(".")[0])
    return outside, siblings


@pytest.mark.parametrize("name", PROGRAMS)
def test_programs_use_only_the_standard_library(name: str) -> None:
    outside, _ = imports(name)
    # pytest is imported by name at run time, only when the sandbox's interpreter has it
    assert outside - {"__future__"} <= set(sys.stdlib_module_names), name


@pytest.mark.parametrize("name", PROGRAMS)
def test_programs_do_nothing_on_import(name: str) -> None:
    module = importlib.import_module(f"{programs.__name__}.{name.removesuffix('.py')}")
    assert callable(getattr(module, "main", None)) or name.startswith("mc_")


def test_the_harness_directory_holds_everything_the_harness_imports() -> None:
    needed = {"run.py", "mc_agent.py"}
    seen: set[str] = set()
    while needed - seen:
        name = (needed - seen).pop()
        seen.add(name)
        needed.update(f"{s}.py" for s in imports(name)[1])
    assert needed <= set(HARNESS_FILES)
    assert all(programs.source(name) for name in HARNESS_FILES)
