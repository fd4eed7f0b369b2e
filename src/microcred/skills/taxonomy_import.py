"""Import skills frameworks from CSV: an ESCO release, the O*NET occupation list, or your own.

Every importer validates strictly and refuses bad input with a :class:`TaxonomyImportError` that
names the file, the line and what is wrong; nothing is written until the whole input is valid.
The result is a :class:`~microcred.skills.taxonomy.Taxonomy`; :func:`write_bundle` stores it in
the compact form :mod:`microcred.skills.taxonomy_loader` reads (the shipped ESCO v1.1.1 data was
made this way). Strict CSV reading is in :mod:`microcred.skills.taxonomy_csv`; custom frameworks
(:func:`import_custom`, with their CSV layout) in :mod:`microcred.skills.taxonomy_custom`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from microcred.skills.index_store import write_index
from microcred.skills.taxonomy import (
    Framework,
    Links,
    OccupationTable,
    SkillGroup,
    SkillTable,
    Taxonomy,
)
from microcred.skills.taxonomy_csv import (
    MAX_CSV_BYTES,
    CsvTable,
    ImportReport,
    TaxonomyImportError,
    cell,
    http_uri,
    parse_csv,
)
from microcred.skills.taxonomy_custom import import_custom
from microcred.skills.taxonomy_loader import BUNDLE_FORMAT, CONCEPTS_FILE, LINKS_FILE

__all__ = [
    "ESCO_ATTRIBUTION",
    "MAX_CSV_BYTES",
    "ONET_ATTRIBUTION",
    "ImportReport",
    "TaxonomyImportError",
    "import_custom",
    "import_esco",
    "import_onet_occupations",
    "write_bundle",
]

ESCO_ATTRIBUTION = "This product uses the ESCO classification of the European Commission."
ONET_ATTRIBUTION = (
    "This product includes information from the O*NET {version} Database by the U.S. Department "
    "of Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 "
    "license. O*NET(R) is a trademark of USDOL/ETA."
)


def _lines(value: str) -> list[str]:
    """ESCO's newline-separated label lists, trimmed, de-duplicated, order kept."""
    out: dict[str, None] = {}
    for part in value.splitlines():
        if part.strip():
            out[part.strip()] = None
    return list(out)


# --- finding ESCO files ------------------------------------------------------------------------


class _Sources:
    """CSV files by base name from ESCO zips and/or folders (``skills_en.csv`` → ``skills``)."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self._found: dict[str, tuple[Path, str | None]] = {}
        for path in paths:
            if path.is_dir():
                for f in sorted(path.rglob("*.csv")):
                    self._add(f.name, path, str(f.relative_to(path)))
            elif zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as zf:
                    for member in zf.namelist():
                        if member.lower().endswith(".csv"):
                            self._add(Path(member).name, path, member)
            elif path.suffix.lower() == ".csv" and path.is_file():
                self._add(path.name, path, None)
            else:
                raise TaxonomyImportError(
                    f"{path} is neither a folder, a ZIP archive nor a CSV file."
                    if path.exists()
                    else f"{path} does not exist."
                )
        self._paths: dict[str, tuple[Path, str | None]] = {}

    def _add(self, filename: str, container: Path, member: str | None) -> None:
        key = re.sub(r"(_[a-z]{2,3})?\.csv$", "", filename, flags=re.IGNORECASE).lower()
        self._found.setdefault(key, (container, member))

    def has(self, key: str) -> bool:
        return key.lower() in self._found

    def read(self, key: str, required: Sequence[str]) -> CsvTable:
        try:
            container, member = self._found[key.lower()]
        except KeyError:
            raise TaxonomyImportError(
                f"The ESCO release lacks {key}_<lang>.csv.",
                hint="Pass the classification and relations CSV zips (or their unzipped folders).",
            ) from None
        if member is None:
            data = container.read_bytes()
        elif container.is_dir():
            data = (container / member).read_bytes()
        else:
            with zipfile.ZipFile(container) as zf:
                if zf.getinfo(member).file_size > MAX_CSV_BYTES:
                    raise TaxonomyImportError(f"{member} is larger than {MAX_CSV_BYTES:,} bytes.")
                data = zf.read(member)
        return parse_csv(Path(member or container.name).name, data, required)


# --- ESCO --------------------------------------------------------------------------------------


def import_esco(sources: Sequence[Path], *, version: str, language: str = "en") -> ImportReport:
    """Read an ESCO release from its official CSV download (zips or unzipped folders).

    Needs ``skills``, ``occupations`` and ``occupationSkillRelations``; uses ``skillGroups``,
    ``skillsHierarchy`` and ``broaderRelationsSkillPillar`` for the hierarchy when present.
    """
    src = _Sources(sources)
    notes: list[str] = []
    skills = SkillTable()
    t = src.read("skills", ["conceptUri", "preferredLabel"])
    seen: set[str] = set()
    for i in range(len(t.rows)):
        uri = http_uri(t, i, cell(t, i, "conceptUri"), "conceptUri")
        if uri in seen:
            raise TaxonomyImportError(f"{t.name} line {t.lines[i]}: skill {uri} appears twice.")
        seen.add(uri)
        skills.uri.append(uri)
        skills.label.append(cell(t, i, "preferredLabel"))
        skills.alt_labels.append(_lines(cell(t, i, "altLabels", required=False)))
        skills.hidden_labels.append(_lines(cell(t, i, "hiddenLabels", required=False)))
        skills.description.append(cell(t, i, "description", required=False))
        skills.skill_type.append(cell(t, i, "skillType", required=False))
        skills.reuse_level.append(cell(t, i, "reuseLevel", required=False))
    if not skills.uri:
        raise TaxonomyImportError(f"{t.name} holds no skills.")

    occupations = OccupationTable()
    t = src.read("occupations", ["conceptUri", "preferredLabel"])
    for i in range(len(t.rows)):
        uri = http_uri(t, i, cell(t, i, "conceptUri"), "conceptUri")
        if uri in seen:
            raise TaxonomyImportError(f"{t.name} line {t.lines[i]}: concept {uri} appears twice.")
        seen.add(uri)
        occupations.uri.append(uri)
        occupations.label.append(cell(t, i, "preferredLabel"))
        occupations.alt_labels.append(_lines(cell(t, i, "altLabels", required=False)))
        occupations.hidden_labels.append(_lines(cell(t, i, "hiddenLabels", required=False)))
        occupations.description.append(cell(t, i, "description", required=False))
        occupations.code.append(cell(t, i, "code", required=False))
        occupations.isco_group.append(cell(t, i, "iscoGroup", required=False))

    skill_pos = {u: i for i, u in enumerate(skills.uri)}
    occ_pos = {u: i for i, u in enumerate(occupations.uri)}
    t = src.read("occupationSkillRelations", ["occupationUri", "relationType", "skillUri"])
    link_occ: list[int] = []
    link_skill: list[int] = []
    link_essential: list[bool] = []
    pairs: set[tuple[int, int]] = set()
    stubs: dict[str, int] = {}
    for i in range(len(t.rows)):
        o_uri = http_uri(t, i, cell(t, i, "occupationUri"), "occupationUri")
        s_uri = cell(t, i, "skillUri")
        relation = cell(t, i, "relationType").lower()
        if relation not in ("essential", "optional"):
            raise TaxonomyImportError(
                f"{t.name} line {t.lines[i]}: relationType {relation!r} is neither "
                "'essential' nor 'optional'."
            )
        if s_uri not in skill_pos:
            raise TaxonomyImportError(
                f"{t.name} line {t.lines[i]}: skill {s_uri} is not in the skills file."
            )
        o = occ_pos.get(o_uri)
        if o is None:
            # ESCO v1.1.1 links one occupation that has no row in occupations_en.csv; keep its
            # links under a visible placeholder rather than silently dropping them.
            o = occ_pos[o_uri] = len(occupations.uri)
            stubs[o_uri] = o
            occupations.uri.append(o_uri)
            occupations.label.append(f"(occupation without a {language} label)")
            occupations.alt_labels.append([])
            occupations.hidden_labels.append([])
            occupations.description.append("")
            occupations.code.append("")
            occupations.isco_group.append("")
        key = (o, skill_pos[s_uri])
        if key in pairs:
            raise TaxonomyImportError(
                f"{t.name} line {t.lines[i]}: {o_uri} → {s_uri} is listed twice."
            )
        pairs.add(key)
        link_occ.append(o)
        link_skill.append(key[1])
        link_essential.append(relation == "essential")
    for uri, stub in stubs.items():
        n = sum(1 for o in link_occ if o == stub)
        notes.append(
            f"{uri} has {n} skill links but no row in the occupations file; "
            "kept as a placeholder occupation."
        )
    links = Links.from_pairs(len(occupations.uri), link_occ, link_skill, link_essential)

    groups, broader = _esco_hierarchy(src, skill_pos, notes)
    name = "ESCO"
    taxonomy = Taxonomy(
        Framework.ESCO,
        name,
        version,
        ESCO_ATTRIBUTION,
        skills,
        occupations,
        links,
        groups,
        broader,
        language,
    )
    return ImportReport(taxonomy, notes)


def _esco_hierarchy(
    src: _Sources, skill_pos: dict[str, int], notes: list[str]
) -> tuple[list[SkillGroup], list[tuple[str, str]]]:
    groups: dict[str, SkillGroup] = {}
    if src.has("skillGroups"):
        t = src.read("skillGroups", ["conceptUri", "preferredLabel"])
        for i in range(len(t.rows)):
            uri = http_uri(t, i, cell(t, i, "conceptUri"), "conceptUri")
            groups[uri] = SkillGroup(
                uri,
                cell(t, i, "preferredLabel"),
                cell(t, i, "code", required=False),
                cell(t, i, "description", required=False),
            )
    broader: dict[tuple[str, str], None] = {}
    if src.has("skillsHierarchy"):
        t = src.read("skillsHierarchy", ["Level 0 URI", "Level 0 preferred term"])
        for i in range(len(t.rows)):
            chain: list[str] = []
            for level in range(4):
                uri = t.rows[i].get(f"Level {level} URI", "").strip()
                if not uri:
                    break
                chain.append(uri)
                if uri not in groups and uri not in skill_pos:
                    label = t.rows[i].get(f"Level {level} preferred term", "").strip() or uri
                    code = (t.rows[i].get(f"Level {level} code") or "").strip()
                    groups[uri] = SkillGroup(uri, label, code)
            for child, parent in zip(chain[1:], chain, strict=False):
                broader[(child, parent)] = None
    if src.has("broaderRelationsSkillPillar"):
        t = src.read("broaderRelationsSkillPillar", ["conceptUri", "broaderUri"])
        dropped = 0
        for i in range(len(t.rows)):
            child, parent = cell(t, i, "conceptUri"), cell(t, i, "broaderUri")
            known = (child in skill_pos or child in groups) and (
                parent in skill_pos or parent in groups
            )
            if not known:
                dropped += 1
                continue
            broader[(child, parent)] = None
        if dropped:
            notes.append(f"{dropped} hierarchy edge(s) name a concept defined nowhere; left out.")
    return list(groups.values()), list(broader)


# --- O*NET -------------------------------------------------------------------------------------


def import_onet_occupations(path: Path, *, version: str) -> ImportReport:
    """Read O*NET's ``Occupation Data.txt`` (tab-separated: code, title, description)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TaxonomyImportError(f"{path} cannot be read: {exc.strerror}.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TaxonomyImportError(f"{path.name} is not UTF-8 text (byte {exc.start}).") from None
    occupations = OccupationTable()
    rows = [line.split("\t") for line in text.splitlines() if line.strip()]
    if not rows or [c.strip() for c in rows[0]] != ["O*NET-SOC Code", "Title", "Description"]:
        raise TaxonomyImportError(
            f"{path.name} does not start with the header "
            "'O*NET-SOC Code<TAB>Title<TAB>Description'."
        )
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != 3 or not re.match(r"^\d{2}-\d{4}\.\d{2}$", row[0].strip()):
            raise TaxonomyImportError(
                f"{path.name} line {n}: not 'code<TAB>title<TAB>description'."
            )
        code = row[0].strip()
        occupations.uri.append(f"https://www.onetonline.org/link/summary/{code}")
        occupations.label.append(row[1].strip())
        occupations.alt_labels.append([])
        occupations.description.append(row[2].strip())
        occupations.code.append(code)
        occupations.isco_group.append("")
    links = Links.from_pairs(len(occupations.uri), [], [], [])
    taxonomy = Taxonomy(
        Framework.ONET,
        "O*NET",
        version,
        ONET_ATTRIBUTION.format(version=version),
        SkillTable(),
        occupations,
        links,
    )
    return ImportReport(taxonomy)


# --- writing a bundle ----------------------------------------------------------------------------


def _hidden_column(table: SkillTable | OccupationTable) -> list[str] | None:
    """Hidden labels as newline-joined cells, or ``None`` when the table has none."""
    if not any(table.hidden_labels):
        return None
    return ["\n".join(table.hidden(i)) for i in range(len(table))]


def write_bundle(
    taxonomy: Taxonomy, directory: Path, *, source: str = "", derived: str = ""
) -> Path:
    """Store a taxonomy compactly in ``directory`` (created if needed) for the loader.

    ``source`` says where the data came from; ``derived`` says how this bundle differs from it
    (ESCO asks that modified versions be marked as such).
    """
    directory.mkdir(parents=True, exist_ok=True)
    concept_pos = {u: i for i, u in enumerate(taxonomy.skills.uri)}
    for j, g in enumerate(taxonomy.groups):
        concept_pos[g.uri] = len(taxonomy.skills.uri) + j
    doc = {
        "format": BUNDLE_FORMAT,
        "framework": taxonomy.framework.value,
        "name": taxonomy.name,
        "version": taxonomy.version,
        "language": taxonomy.language,
        "attribution": taxonomy.attribution,
        "source": source,
        "derived": derived,
        "skills": {
            "uri": taxonomy.skills.uri,
            "label": taxonomy.skills.label,
            "alt": ["\n".join(a) for a in taxonomy.skills.alt_labels],
            "hidden": _hidden_column(taxonomy.skills),
            "description": taxonomy.skills.description,
            "type": taxonomy.skills.skill_type,
            "reuse": taxonomy.skills.reuse_level,
        },
        "occupations": {
            "uri": taxonomy.occupations.uri,
            "label": taxonomy.occupations.label,
            "alt": ["\n".join(a) for a in taxonomy.occupations.alt_labels],
            "hidden": _hidden_column(taxonomy.occupations),
            "description": taxonomy.occupations.description,
            "code": taxonomy.occupations.code,
            "isco": taxonomy.occupations.isco_group,
        },
        "groups": {
            "uri": [g.uri for g in taxonomy.groups],
            "label": [g.label for g in taxonomy.groups],
            "code": [g.code for g in taxonomy.groups],
            "description": [g.description for g in taxonomy.groups],
        },
        "broader": [[concept_pos[c], concept_pos[p]] for c, p in taxonomy.broader_pairs],
    }
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    packed = gzip.compress(raw, compresslevel=9, mtime=0)
    (directory / CONCEPTS_FILE).write_bytes(packed)
    with (directory / LINKS_FILE).open("wb") as fh:
        np.savez_compressed(
            fh,
            start=taxonomy.links.start.astype(np.int32),
            skill=taxonomy.links.skill.astype(np.int32),
            essential=taxonomy.links.essential.astype(np.bool_),
        )
    write_index(taxonomy, directory, hashlib.sha256(packed).hexdigest())
    return directory
