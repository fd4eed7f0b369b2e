"""Import skills frameworks from CSV: an ESCO release, the O*NET occupation list, or your own.

Every importer validates strictly and refuses bad input with a :class:`TaxonomyImportError` that
names the file, the line and what is wrong; nothing is written until the whole input is valid.
The result is a :class:`~microcred.skills.taxonomy.Taxonomy`; :func:`write_bundle` stores it in
the compact form :mod:`microcred.skills.taxonomy_loader` reads (the shipped ESCO v1.1.1 data was
made this way).

Custom framework layout (UTF-8 CSV with a header row; column order free, extra columns ignored):

``skills.csv`` (required)
    ``id`` (an absolute http(s) URI, or a local id combined with ``base_uri``), ``label``;
    optional ``alt_labels`` (separated by ``|``), ``description``, ``type``, ``broader``
    (the ``id`` of a parent skill, for a hierarchy).
``occupations.csv`` (optional)
    ``id``, ``label``; optional ``alt_labels``, ``description``, ``code``.
``occupation_skills.csv`` (optional, needs occupations)
    ``occupation``, ``skill`` (ids as above), ``relation`` (``essential`` or ``optional``).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from microcred.errors import InvalidInput
from microcred.skills.index_store import write_index
from microcred.skills.taxonomy import (
    Framework,
    Links,
    OccupationTable,
    SkillGroup,
    SkillTable,
    Taxonomy,
)
from microcred.skills.taxonomy_loader import BUNDLE_FORMAT, CONCEPTS_FILE, LINKS_FILE

ESCO_ATTRIBUTION = "This product uses the ESCO classification of the European Commission."
ONET_ATTRIBUTION = (
    "This product includes information from the O*NET {version} Database by the U.S. Department "
    "of Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 "
    "license. O*NET(R) is a trademark of USDOL/ETA."
)
#: Largest CSV accepted (bytes, uncompressed), a guard against runaway input.
MAX_CSV_BYTES = 200_000_000
_CSV_FIELD_LIMIT = 1_000_000
_LOCAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~:-]{0,199}$")


class TaxonomyImportError(InvalidInput):
    """A framework file is missing, malformed or inconsistent."""

    code = "taxonomy_import_error"


@dataclass(slots=True)
class ImportReport:
    """What an import found worth telling, beside the taxonomy itself."""

    taxonomy: Taxonomy
    notes: list[str] = field(default_factory=list)


# --- reading CSV strictly ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    rows: list[dict[str, str]]
    #: 1-based line number in the file where each row starts
    lines: list[int]


def _parse_csv(name: str, data: bytes, required: Sequence[str]) -> _Table:
    if len(data) > MAX_CSV_BYTES:
        raise TaxonomyImportError(f"{name} is larger than {MAX_CSV_BYTES:,} bytes.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TaxonomyImportError(
            f"{name} is not UTF-8 text (byte {exc.start}).", hint="Save the file as UTF-8 CSV."
        ) from None
    if "\x00" in text:
        raise TaxonomyImportError(f"{name} contains NUL bytes; it is not a CSV file.")
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise TaxonomyImportError(f"{name} is empty; it needs a header row.") from None
    except csv.Error as exc:
        raise TaxonomyImportError(f"{name} line 1: malformed CSV ({exc}).") from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise TaxonomyImportError(
            f"{name} lacks the column(s) {', '.join(missing)}.",
            hint=f"Its header row has: {', '.join(header) or '(nothing)'}.",
        )
    if len(set(header)) != len(header):
        raise TaxonomyImportError(f"{name} repeats a column name in its header row.")
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    line = reader.line_num + 1
    try:
        for values in reader:
            if not values or all(not v.strip() for v in values):
                line = reader.line_num + 1
                continue
            if len(values) > len(header):
                raise TaxonomyImportError(
                    f"{name} line {line}: {len(values)} fields where the header has {len(header)}.",
                    hint="Quote fields that contain commas.",
                )
            padded = values + [""] * (len(header) - len(values))  # short rows: empty tail
            rows.append(dict(zip(header, padded, strict=True)))
            lines.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise TaxonomyImportError(
            f"{name} line {reader.line_num}: malformed CSV ({exc})."
        ) from None
    return _Table(name, rows, lines)


def _cell(table: _Table, i: int, column: str, *, required: bool = True) -> str:
    value = table.rows[i].get(column, "").strip()
    if required and not value:
        raise TaxonomyImportError(f"{table.name} line {table.lines[i]}: {column} is empty.")
    return value


def _http_uri(table: _Table, i: int, value: str, column: str) -> str:
    if not re.match(r"^https?://[^\s/]+/\S*$", value):
        raise TaxonomyImportError(
            f"{table.name} line {table.lines[i]}: {column} {value[:80]!r} is not an http(s) URI."
        )
    return value


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

    def read(self, key: str, required: Sequence[str]) -> _Table:
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
        return _parse_csv(Path(member or container.name).name, data, required)


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
        uri = _http_uri(t, i, _cell(t, i, "conceptUri"), "conceptUri")
        if uri in seen:
            raise TaxonomyImportError(f"{t.name} line {t.lines[i]}: skill {uri} appears twice.")
        seen.add(uri)
        skills.uri.append(uri)
        skills.label.append(_cell(t, i, "preferredLabel"))
        skills.alt_labels.append(_lines(_cell(t, i, "altLabels", required=False)))
        skills.description.append(_cell(t, i, "description", required=False))
        skills.skill_type.append(_cell(t, i, "skillType", required=False))
        skills.reuse_level.append(_cell(t, i, "reuseLevel", required=False))
    if not skills.uri:
        raise TaxonomyImportError(f"{t.name} holds no skills.")

    occupations = OccupationTable()
    t = src.read("occupations", ["conceptUri", "preferredLabel"])
    for i in range(len(t.rows)):
        uri = _http_uri(t, i, _cell(t, i, "conceptUri"), "conceptUri")
        if uri in seen:
            raise TaxonomyImportError(f"{t.name} line {t.lines[i]}: concept {uri} appears twice.")
        seen.add(uri)
        occupations.uri.append(uri)
        occupations.label.append(_cell(t, i, "preferredLabel"))
        occupations.alt_labels.append(_lines(_cell(t, i, "altLabels", required=False)))
        occupations.description.append(_cell(t, i, "description", required=False))
        occupations.code.append(_cell(t, i, "code", required=False))
        occupations.isco_group.append(_cell(t, i, "iscoGroup", required=False))

    skill_pos = {u: i for i, u in enumerate(skills.uri)}
    occ_pos = {u: i for i, u in enumerate(occupations.uri)}
    t = src.read("occupationSkillRelations", ["occupationUri", "relationType", "skillUri"])
    link_occ: list[int] = []
    link_skill: list[int] = []
    link_essential: list[bool] = []
    pairs: set[tuple[int, int]] = set()
    stubs: dict[str, int] = {}
    for i in range(len(t.rows)):
        o_uri = _http_uri(t, i, _cell(t, i, "occupationUri"), "occupationUri")
        s_uri = _cell(t, i, "skillUri")
        relation = _cell(t, i, "relationType").lower()
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
            uri = _http_uri(t, i, _cell(t, i, "conceptUri"), "conceptUri")
            groups[uri] = SkillGroup(
                uri,
                _cell(t, i, "preferredLabel"),
                _cell(t, i, "code", required=False),
                _cell(t, i, "description", required=False),
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
            child, parent = _cell(t, i, "conceptUri"), _cell(t, i, "broaderUri")
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


# --- custom frameworks -------------------------------------------------------------------------


def _custom_id(table: _Table, i: int, column: str, base_uri: str | None) -> str:
    value = _cell(table, i, column)
    if value.startswith(("http://", "https://")):
        return _http_uri(table, i, value, column)
    if base_uri is None:
        raise TaxonomyImportError(
            f"{table.name} line {table.lines[i]}: {column} {value[:80]!r} is not an http(s) URI.",
            hint="Give full URIs, or a base URI (--base-uri) to make them from local ids.",
        )
    if not _LOCAL_ID.match(value):
        raise TaxonomyImportError(
            f"{table.name} line {table.lines[i]}: {column} {value[:80]!r} is not a valid local id "
            "(letters, digits, . _ ~ : -)."
        )
    return base_uri + value


def _pipe_list(value: str) -> list[str]:
    return list(dict.fromkeys(p.strip() for p in value.split("|") if p.strip()))


def import_custom(
    skills_csv: Path,
    *,
    name: str,
    version: str,
    occupations_csv: Path | None = None,
    links_csv: Path | None = None,
    base_uri: str | None = None,
    attribution: str = "",
) -> ImportReport:
    """Read an organisation's own framework (layout in this module's docstring)."""
    if not name.strip() or not version.strip():
        raise TaxonomyImportError("A custom framework needs a name and a version.")
    if base_uri is not None and not re.match(r"^https?://[^\s/]+/\S*$", base_uri):
        raise TaxonomyImportError(f"The base URI {base_uri!r} is not an http(s) URI.")
    if links_csv is not None and occupations_csv is None:
        raise TaxonomyImportError("Occupation→skill links need an occupations file too.")

    def read(path: Path, required: Sequence[str]) -> _Table:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TaxonomyImportError(f"{path} cannot be read: {exc.strerror}.") from None
        return _parse_csv(path.name, data, required)

    t = read(skills_csv, ["id", "label"])
    skills = SkillTable()
    parents: list[tuple[int, str]] = []
    for i in range(len(t.rows)):
        uri = _custom_id(t, i, "id", base_uri)
        if uri in skills.uri:
            raise TaxonomyImportError(f"{t.name} line {t.lines[i]}: skill id appears twice.")
        skills.uri.append(uri)
        skills.label.append(_cell(t, i, "label"))
        skills.alt_labels.append(_pipe_list(_cell(t, i, "alt_labels", required=False)))
        skills.description.append(_cell(t, i, "description", required=False))
        skills.skill_type.append(_cell(t, i, "type", required=False))
        skills.reuse_level.append("")
        if _cell(t, i, "broader", required=False):
            parents.append((i, _custom_id(t, i, "broader", base_uri)))
    if not skills.uri:
        raise TaxonomyImportError(f"{t.name} holds no skills.")
    skill_pos = {u: i for i, u in enumerate(skills.uri)}
    broader: list[tuple[str, str]] = []
    for i, parent in parents:
        if parent not in skill_pos:
            raise TaxonomyImportError(
                f"{t.name} line {t.lines[i]}: broader {parent} is not a skill in this file."
            )
        broader.append((skills.uri[i], parent))
    _refuse_cycles(broader, t.name)

    occupations = OccupationTable()
    if occupations_csv is not None:
        t = read(occupations_csv, ["id", "label"])
        for i in range(len(t.rows)):
            uri = _custom_id(t, i, "id", base_uri)
            if uri in skill_pos or uri in occupations.uri:
                raise TaxonomyImportError(f"{t.name} line {t.lines[i]}: id {uri} is already used.")
            occupations.uri.append(uri)
            occupations.label.append(_cell(t, i, "label"))
            occupations.alt_labels.append(_pipe_list(_cell(t, i, "alt_labels", required=False)))
            occupations.description.append(_cell(t, i, "description", required=False))
            occupations.code.append(_cell(t, i, "code", required=False))
            occupations.isco_group.append("")
    occ_pos = {u: i for i, u in enumerate(occupations.uri)}
    link_occ: list[int] = []
    link_skill: list[int] = []
    link_essential: list[bool] = []
    if links_csv is not None:
        t = read(links_csv, ["occupation", "skill", "relation"])
        seen: set[tuple[int, int]] = set()
        for i in range(len(t.rows)):
            o_uri = _custom_id(t, i, "occupation", base_uri)
            s_uri = _custom_id(t, i, "skill", base_uri)
            relation = _cell(t, i, "relation").lower()
            if o_uri not in occ_pos:
                raise TaxonomyImportError(
                    f"{t.name} line {t.lines[i]}: unknown occupation {o_uri}."
                )
            if s_uri not in skill_pos:
                raise TaxonomyImportError(f"{t.name} line {t.lines[i]}: unknown skill {s_uri}.")
            if relation not in ("essential", "optional"):
                raise TaxonomyImportError(
                    f"{t.name} line {t.lines[i]}: relation must be 'essential' or 'optional'."
                )
            key = (occ_pos[o_uri], skill_pos[s_uri])
            if key in seen:
                raise TaxonomyImportError(f"{t.name} line {t.lines[i]}: this link is listed twice.")
            seen.add(key)
            link_occ.append(key[0])
            link_skill.append(key[1])
            link_essential.append(relation == "essential")
    links = Links.from_pairs(len(occupations.uri), link_occ, link_skill, link_essential)
    taxonomy = Taxonomy(
        Framework.CUSTOM,
        name.strip(),
        version.strip(),
        attribution,
        skills,
        occupations,
        links,
        [],
        broader,
    )
    return ImportReport(taxonomy)


def _refuse_cycles(edges: list[tuple[str, str]], where: str) -> None:
    parents: dict[str, list[str]] = {}
    for child, parent in edges:
        parents.setdefault(child, []).append(parent)
    state: dict[str, int] = {}

    def visit(node: str) -> None:
        stack: list[tuple[str, Iterator[str]]] = [(node, iter(parents.get(node, ())))]
        state[node] = 1
        while stack:
            current, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[current] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                raise TaxonomyImportError(f"{where}: the broader relations form a cycle at {nxt}.")
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(parents.get(nxt, ()))))

    for node in parents:
        if node not in state:
            visit(node)


# --- writing a bundle ----------------------------------------------------------------------------


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
            "description": taxonomy.skills.description,
            "type": taxonomy.skills.skill_type,
            "reuse": taxonomy.skills.reuse_level,
        },
        "occupations": {
            "uri": taxonomy.occupations.uri,
            "label": taxonomy.occupations.label,
            "alt": ["\n".join(a) for a in taxonomy.occupations.alt_labels],
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
