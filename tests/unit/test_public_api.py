"""The public/internal line: each package's ``__init__`` names what other packages may use.

A name imported across packages must be in the exporting package's ``__all__``; every ``__all__``
is recorded in ``public_api.txt`` so that a public name cannot appear or vanish unnoticed. After a
deliberate change, rewrite the record with ``MICROCRED_UPDATE_PUBLIC_API=1 pytest <this file>``.
"""

from __future__ import annotations

import ast
import importlib
import os
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
RECORD = Path(__file__).with_name("public_api.txt")
TOP_LEVEL_MODULES = ("config", "errors", "kek_file")


def _skipped(path: Path) -> bool:
    parts = path.relative_to(SRC).parts
    return "programs" in parts or "migrations" in parts


def units() -> dict[str, Path]:
    """Every package (by its ``__init__``) and top-level module, by dotted name."""
    found = {
        ".".join(p.parent.relative_to(SRC).parts): p
        for p in (SRC / "microcred").rglob("__init__.py")
        if not _skipped(p)
    }
    found.pop("microcred")
    found |= {f"microcred.{m}": SRC / "microcred" / f"{m}.py" for m in TOP_LEVEL_MODULES}
    return found


def declared(path: Path) -> list[str] | None:
    """The literal ``__all__`` of a module, or None."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "__all__":
            assert node.value is not None, f"{path}: __all__ without a value"
            value = ast.literal_eval(node.value)
            assert isinstance(value, list), f"{path}: __all__ must be a list"
            return [str(v) for v in value]
    return None


def unit_of(module: str, known: dict[str, Path]) -> str:
    """The package (or top-level module) a module belongs to."""
    while module not in known and "." in module:
        module = module.rpartition(".")[0]
    return module


def is_module(dotted: str) -> bool:
    base = SRC / dotted.replace(".", "/")
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def cross_package_imports(known: dict[str, Path]) -> list[tuple[str, str, str]]:
    """(importing file, exporting unit, name) for each name imported from another package."""
    found = []
    for path in sorted((SRC / "microcred").rglob("*.py")):
        if _skipped(path):
            continue
        parts = list(path.with_suffix("").relative_to(SRC).parts)
        if parts[-1] == "__init__":
            parts.pop()
        me = unit_of(".".join(parts), known)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if not node.module.startswith("microcred."):
                continue
            owner = unit_of(node.module, known)
            if owner == me or me.startswith(owner + "."):
                continue  # a package may use its own modules and its ancestors' internals
            for alias in node.names:
                if not is_module(f"{node.module}.{alias.name}"):
                    found.append((str(path.relative_to(SRC)), owner, alias.name))
    return found


def test_every_package_declares_its_exports() -> None:
    missing = [name for name, path in units().items() if declared(path) is None]
    assert missing == [], f"add an __all__ to: {missing}"


def test_every_exported_name_exists() -> None:
    absent = []
    for name, path in units().items():
        module = importlib.import_module(name)
        absent += [f"{name}.{n}" for n in declared(path) or [] if not hasattr(module, n)]
    assert absent == []


def test_other_packages_use_only_exported_names() -> None:
    known = units()
    exports = {name: set(declared(path) or []) for name, path in known.items()}
    private = [
        f"{where} uses {owner}.{name}, which {owner} does not export"
        for where, owner, name in cross_package_imports(known)
        if name not in exports[owner]
    ]
    assert private == []


def record() -> str:
    lines = [
        f"{name}: {export}"
        for name, path in sorted(units().items())
        for export in sorted(declared(path) or [])
    ]
    return "\n".join(lines) + "\n"


def test_the_public_names_are_the_recorded_ones() -> None:
    now = record()
    if os.environ.get("MICROCRED_UPDATE_PUBLIC_API") == "1":
        RECORD.write_text(now, encoding="utf-8")
    before = RECORD.read_text(encoding="utf-8").splitlines()
    added = sorted(set(now.splitlines()) - set(before))
    removed = sorted(set(before) - set(now.splitlines()))
    assert (added, removed) == ([], []), (
        "the public API changed; if that is meant, rewrite tests/unit/public_api.txt "
        "with MICROCRED_UPDATE_PUBLIC_API=1"
    )
