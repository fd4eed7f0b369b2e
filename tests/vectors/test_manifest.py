"""Every vendored vector is listed with its source and licence, and is unchanged since."""

from __future__ import annotations

import hashlib

from tests.vectors import VECTORS, vector

#: files under tests/vectors that are not vectors
_OWN = {"MANIFEST.md", "SHA256SUMS"}


def _vectors() -> set[str]:
    return {
        p.relative_to(VECTORS).as_posix()
        for p in VECTORS.rglob("*")
        if p.is_file()
        and p.suffix not in {".py", ".pyc"}
        and p.name not in _OWN
        and "LICENSES" not in p.parts
    }


def _sums() -> dict[str, str]:
    lines = vector("SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {path: digest for digest, path in (line.split("  ", 1) for line in lines)}


def test_every_vector_is_in_sha256sums_and_unchanged() -> None:
    sums = _sums()
    assert set(sums) == _vectors()
    for path, digest in sums.items():
        assert hashlib.sha256(vector(path).read_bytes()).hexdigest() == digest, path


def test_every_vector_is_named_in_the_manifest() -> None:
    manifest = vector("MANIFEST.md").read_text(encoding="utf-8")
    missing = sorted(path for path in _vectors() if f"`{path}`" not in manifest)
    assert not missing, f"not in tests/vectors/MANIFEST.md: {missing}"
