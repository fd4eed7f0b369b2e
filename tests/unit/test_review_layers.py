"""The review types sit in the innermost layer: ``domain`` imports only the standard library,
itself and ``microcred.errors`` (``assessment`` builds on the domain's review types, never the
other way round), and the review services and API import no adapters."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "microcred"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m == "microcred" or m.startswith("microcred.")}


@pytest.mark.parametrize("path", sorted((SRC / "domain").glob("*.py")), ids=lambda p: p.name)
def test_domain_imports_only_itself_and_errors(path: Path) -> None:
    inner = ("microcred.domain", "microcred.errors")
    outward = {m for m in _imports(path) if not m.startswith(inner)}
    assert not outward, f"{path.name} imports {sorted(outward)}"


@pytest.mark.parametrize(
    "path",
    sorted([*(SRC / "services" / "review").glob("*.py"), *(SRC / "web/api/review").glob("*.py")]),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_review_services_and_api_import_no_adapters(path: Path) -> None:
    adapters = {m for m in _imports(path) if m.startswith("microcred.adapters")}
    assert not adapters, f"{path} imports {sorted(adapters)}"


def test_the_review_types_are_not_copied_into_assessment() -> None:
    defined: set[str] = set()
    for path in (SRC / "assessment").glob("*.py"):
        tree = ast.parse(path.read_text())
        defined |= {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    # (code_review.CriterionScore is the tests' per-criterion score, not the rubric one)
    assert not defined & {"DecidedBy", "Agreement", "Review", "RubricDecision", "Decision"}
