"""Import an organisation's own skills framework from CSV files.

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

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from microcred.skills.taxonomy import Framework, Links, OccupationTable, SkillTable, Taxonomy
from microcred.skills.taxonomy_csv import (
    CsvTable,
    ImportReport,
    TaxonomyImportError,
    cell,
    http_uri,
    parse_csv,
)

_LOCAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~:-]{0,199}$")


def _custom_id(table: CsvTable, i: int, column: str, base_uri: str | None) -> str:
    value = cell(table, i, column)
    if value.startswith(("http://", "https://")):
        return http_uri(table, i, value, column)
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

    def read(path: Path, required: Sequence[str]) -> CsvTable:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TaxonomyImportError(f"{path} cannot be read: {exc.strerror}.") from None
        return parse_csv(path.name, data, required)

    t = read(skills_csv, ["id", "label"])
    skills = SkillTable()
    parents: list[tuple[int, str]] = []
    for i in range(len(t.rows)):
        uri = _custom_id(t, i, "id", base_uri)
        if uri in skills.uri:
            raise TaxonomyImportError(f"{t.name} line {t.lines[i]}: skill id appears twice.")
        skills.uri.append(uri)
        skills.label.append(cell(t, i, "label"))
        skills.alt_labels.append(_pipe_list(cell(t, i, "alt_labels", required=False)))
        skills.description.append(cell(t, i, "description", required=False))
        skills.skill_type.append(cell(t, i, "type", required=False))
        skills.reuse_level.append("")
        if cell(t, i, "broader", required=False):
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
            occupations.label.append(cell(t, i, "label"))
            occupations.alt_labels.append(_pipe_list(cell(t, i, "alt_labels", required=False)))
            occupations.description.append(cell(t, i, "description", required=False))
            occupations.code.append(cell(t, i, "code", required=False))
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
            relation = cell(t, i, "relation").lower()
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
