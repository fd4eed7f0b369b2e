"""Public test vectors, schemas and data sets kept inside the repository (see MANIFEST.md).

Tests name a file by its path under this folder: ``vector("vc-di-eddsa", "keyPair.json")``.
"""

from __future__ import annotations

from pathlib import Path

#: this folder: every vector lives under it, never outside the repository
VECTORS = Path(__file__).resolve().parent


def vector(*parts: str) -> Path:
    """The path of a vendored vector; a clear error (not a skip) if it is missing."""
    path = VECTORS.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"test vector {path} is missing (see tests/vectors/MANIFEST.md)")
    return path


def upstream_sha256(folder: str) -> dict[str, str]:
    """File name → SHA-256 of the upstream file that microcred bundles from ``folder``
    (``contexts`` or ``schemas``), as recorded when it was fetched (bundled-upstream.sha256)."""
    lines = vector("bundled-upstream.sha256").read_text(encoding="utf-8").splitlines()
    pairs = (line.split("  ", 1) for line in lines if line.strip())
    return {
        path.removeprefix(f"{folder}/"): digest
        for digest, path in pairs
        if path.startswith(f"{folder}/")
    }
