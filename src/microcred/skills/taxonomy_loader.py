"""Load skills frameworks: the ones shipped in the package, or a bundle you imported.

Bundles are folders with ``concepts.json.gz`` (labels, descriptions, hierarchy) and
``links.npz`` (occupation→skill links). Loading is lazy and cached: the first call reads and
decompresses the files (about 0.3 s and 40 MB for ESCO v1.1.1), later calls return the same
object.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from microcred.errors import InvalidInput, NotFound
from microcred.skills.taxonomy import (
    Framework,
    Links,
    OccupationTable,
    SkillGroup,
    SkillTable,
    Taxonomy,
)

BUNDLE_FORMAT = "microcred-taxonomy/1"
CONCEPTS_FILE = "concepts.json.gz"
LINKS_FILE = "links.npz"
#: Bundles shipped in ``skills/taxonomy_data``, by framework name.
SHIPPED = {"esco": "esco-v1.1.1", "onet": "onet-29.2"}
_lock = threading.Lock()


def shipped_path(framework: str = "esco") -> Path:
    """The folder of a shipped bundle (``esco`` or ``onet``)."""
    try:
        folder = SHIPPED[framework]
    except KeyError:
        raise NotFound(
            f"No shipped taxonomy called {framework!r}.",
            hint=f"Shipped: {', '.join(SHIPPED)}.",
        ) from None
    return Path(str(resources.files("microcred.skills") / "taxonomy_data" / folder))


def shipped_manifest() -> str:
    """The shipped data's MANIFEST (sources, versions, licences, attribution)."""
    return (resources.files("microcred.skills") / "taxonomy_data" / "MANIFEST.txt").read_text(
        encoding="utf-8"
    )


def load_taxonomy(path: Path | str | None = None, *, framework: str = "esco") -> Taxonomy:
    """A taxonomy from a bundle folder, or the shipped one for ``framework`` when ``path`` is None.

    Cached per folder: repeated calls are free and return the same (read-only) object.
    """
    folder = Path(path) if path is not None else shipped_path(framework)
    with _lock:
        return _load_cached(folder.resolve())


def clear_cache() -> None:
    """Forget loaded taxonomies (tests, or after importing into the same folder)."""
    with _lock:
        _load_cached.cache_clear()


@lru_cache(maxsize=8)
def _load_cached(folder: Path) -> Taxonomy:
    return read_bundle(folder)


def _columns(doc: dict[str, Any], key: str, names: tuple[str, ...]) -> dict[str, list[Any]]:
    part = doc.get(key)
    if not isinstance(part, dict):
        raise InvalidInput(f"The taxonomy bundle lacks its {key!r} section.")
    cols = {n: part.get(n) for n in names}
    lengths = {len(v) for v in cols.values() if isinstance(v, list)}
    if any(not isinstance(v, list) for v in cols.values()) or len(lengths) > 1:
        raise InvalidInput(f"The taxonomy bundle's {key!r} columns are missing or uneven.")
    return {n: v for n, v in cols.items() if isinstance(v, list)}


def _split(values: list[str]) -> list[list[str]]:
    return [v.split("\n") if v else [] for v in values]


def _hidden(doc: dict[str, Any], key: str, n: int) -> list[list[str]]:
    """The optional hidden-label column (bundles written before it have none)."""
    column = doc[key].get("hidden") if isinstance(doc.get(key), dict) else None
    if column is None:
        return []
    if (
        not isinstance(column, list)
        or len(column) != n
        or not all(isinstance(v, str) for v in column)
    ):
        raise InvalidInput(f"The taxonomy bundle's {key} hidden labels are damaged.")
    return _split(column)


def read_bundle(folder: Path) -> Taxonomy:
    """Read one bundle folder without caching; a damaged bundle raises :class:`InvalidInput`."""
    try:
        packed = (folder / CONCEPTS_FILE).read_bytes()
        raw = gzip.decompress(packed)
        doc = json.loads(raw)
        with np.load(folder / LINKS_FILE) as npz:
            start, skill, essential = npz["start"], npz["skill"], npz["essential"]
    except FileNotFoundError as exc:
        raise NotFound(
            f"No taxonomy bundle in {folder} ({Path(exc.filename or '').name} is missing)."
        ) from None
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise InvalidInput(f"The taxonomy bundle in {folder} is damaged: {exc}.") from None
    if not isinstance(doc, dict) or doc.get("format") != BUNDLE_FORMAT:
        raise InvalidInput(f"{folder} is not a {BUNDLE_FORMAT} taxonomy bundle.")
    s = _columns(doc, "skills", ("uri", "label", "alt", "description", "type", "reuse"))
    o = _columns(doc, "occupations", ("uri", "label", "alt", "description", "code", "isco"))
    g = _columns(doc, "groups", ("uri", "label", "code", "description"))
    skills = SkillTable(
        s["uri"], s["label"], _split(s["alt"]), s["description"], s["type"], s["reuse"],
        _hidden(doc, "skills", len(s["uri"])),
    )  # fmt: skip
    occupations = OccupationTable(
        o["uri"], o["label"], _split(o["alt"]), o["description"], o["code"], o["isco"],
        _hidden(doc, "occupations", len(o["uri"])),
    )  # fmt: skip
    groups = [
        SkillGroup(u, lab, c, d)
        for u, lab, c, d in zip(g["uri"], g["label"], g["code"], g["description"], strict=True)
    ]
    concept_uris = skills.uri + g["uri"]
    try:
        broader = [(concept_uris[c], concept_uris[p]) for c, p in doc.get("broader", [])]
        framework = Framework(doc["framework"])
    except (IndexError, TypeError, ValueError, KeyError) as exc:
        raise InvalidInput(f"The taxonomy bundle in {folder} is damaged: {exc}.") from None
    links = Links(
        start.astype(np.int32, copy=False),
        skill.astype(np.int32, copy=False),
        essential.astype(np.bool_, copy=False),
    )
    return Taxonomy(
        framework,
        str(doc.get("name", "")),
        str(doc.get("version", "")),
        str(doc.get("attribution", "")),
        skills,
        occupations,
        links,
        groups,
        broader,
        str(doc.get("language", "en")),
        folder,
        hashlib.sha256(packed).hexdigest(),
    )
