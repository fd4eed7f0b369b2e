"""Dependencies point inward: each layer imports only the layers it may (docs/architecture.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "microcred"

CORE = {"domain", "crypto", "credentials", "transparency", "skills", "assessment", "errors"}
# what each layer may import, besides itself ("errors" is the core's error root)
ALLOWED: dict[str, set[str]] = {
    "microcred": set(),  # the package root imports nothing
    **dict.fromkeys(CORE, CORE),
    "kek_file": {"errors"},
    "config": {"errors", "kek_file"},
    "ports": CORE,
    "services": CORE | {"ports"},
    "adapters": CORE | {"ports", "config", "kek_file"},
    "bootstrap": CORE | {"ports", "services", "adapters", "config", "kek_file"},
    "web": CORE | {"ports", "services", "bootstrap", "config"},
    "cli": CORE | {"ports", "services", "bootstrap", "config", "kek_file", "web"},
}


def layer_of(module: str) -> str:
    """``microcred.services.review.ai`` → ``services``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "microcred"


def module_name(path: Path) -> str:
    """The dotted module name of a source file."""
    parts = list(path.with_suffix("").relative_to(SRC).parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of each ``microcred`` import in ``path``, at any depth (relative resolved)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return [(line, name) for line, name in found if name.startswith("microcred.")]


def sources() -> list[Path]:
    """Every module of the package, except the sandbox's programs (they run on their own)."""
    return sorted(
        p for p in PACKAGE.rglob("*.py") if "programs" not in p.relative_to(PACKAGE).parts
    )


def violations() -> list[str]:
    """``file:line imports module`` for each import against the rules."""
    found = []
    for path in sources():
        source = layer_of(module_name(path))
        allowed = ALLOWED.get(source)
        assert allowed is not None, f"{path}: layer {source!r} has no rule in ALLOWED"
        for line, target in imported(path):
            dest = layer_of(target)
            if dest != source and dest not in allowed:
                found.append(f"{path.relative_to(SRC)}:{line} ({source}) imports {target} ({dest})")
    return found


def test_every_import_points_inward() -> None:
    assert violations() == []


def test_every_layer_has_a_rule() -> None:
    layers = {layer_of(module_name(p)) for p in sources()} - {"microcred"}
    assert layers <= set(ALLOWED), layers - set(ALLOWED)


@pytest.mark.parametrize(
    ("layer", "target"),
    [
        ("services", "microcred.adapters.db.uow"),
        ("domain", "microcred.services.review"),
        ("adapters", "microcred.services.credentials.issuance"),
        ("web", "microcred.adapters.db.repositories"),
    ],
)
def test_the_check_sees_an_outward_import(
    layer: str, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rule fires on a planted violation (so the test above can fail)."""
    fake_src = tmp_path / "src"
    planted = fake_src / "microcred" / layer / "planted.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(f"def f() -> None:\n    from {target} import x  # noqa\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake_src)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake_src / "microcred")
    assert violations() == [
        f"microcred/{layer}/planted.py:2 ({layer}) imports {target} ({layer_of(target)})"
    ]
