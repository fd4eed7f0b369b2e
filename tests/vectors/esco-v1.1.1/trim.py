"""Cut the ESCO v1.1.1 CSV download down to a few occupations, for the tests (see MANIFEST.md).

The official release is two zips of 7.6 MB; the tests need a slice that keeps every row about
the chosen concepts exactly as published:

    python tests/vectors/esco-v1.1.1/trim.py CLASSIFICATION_EN_ZIP RELATIONS_ZIP

The slice: the occupations in OCCUPATIONS, plus the one occupation ESCO v1.1.1 links skills to
but does not list (it tests the importer's placeholder); every skill they are linked to; every
skill and skill group above those in the hierarchy (so each kept concept keeps all its broader
concepts); the rows of skills, occupations, skillGroups, skillsHierarchy, occupationSkillRelations
and broaderRelationsSkillPillar that speak only of kept concepts, byte for byte and in their
published order. The two zips are written beside this script under their official names.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
E = "http://data.europa.eu/esco/"
#: software developer (tests/unit/test_talent_search.py), the other occupations of ISCO-08 unit
#: groups 2512-2514, and a few far from software, so the slice spans several skill pillars
OCCUPATIONS = (E + "occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1",)  # software developer
PICK_CODES = ("2512.", "2513.", "2514.")
PICK_EXTRA_LABELS = ("baker", "nurse responsible for general care", "bus driver")
EN_NAME = "ESCO_dataset_-_v1.1.1_-_classification_-_en_-_csv.zip"
RELATIONS_NAME = "ESCO_dataset_-_v1.1.1_-_classification_-__-_csv.zip"


def _member(zf: zipfile.ZipFile, stem: str) -> str:
    names = [n for n in zf.namelist() if Path(n).name.lower().startswith(stem.lower())]
    if len(names) != 1:
        raise SystemExit(f"expected one {stem}*.csv in {zf.filename}, found {names}")
    return names[0]


def _rows(zf: zipfile.ZipFile, member: str) -> tuple[list[str], list[dict[str, str]]]:
    text = zf.read(member).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames or []), list(reader)


def _filtered(zf: zipfile.ZipFile, member: str, keep: Callable[[dict[str, str]], bool]) -> bytes:
    """The member's header and the records ``keep`` accepts, each record's bytes as published."""
    raw = zf.read(member)
    text = raw.decode("utf-8-sig")
    # the physical lines csv reads (a quoted field may span several): record i is the lines
    # between line_num before and after reading it
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(iter(lines))
    header = next(reader)
    out = lines[: reader.line_num]
    start = reader.line_num
    for record in reader:
        if keep(dict(zip(header, record, strict=False))):
            out.extend(lines[start : reader.line_num])
        start = reader.line_num
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    return bom + "".join(out).encode("utf-8")


def main(en_zip: Path, relations_zip: Path) -> None:
    with zipfile.ZipFile(en_zip) as en, zipfile.ZipFile(relations_zip) as rel:
        _, occupations = _rows(en, _member(en, "occupations_"))
        _, skills = _rows(en, _member(en, "skills_"))
        _, groups = _rows(en, _member(en, "skillGroups_"))
        _, links = _rows(rel, _member(rel, "occupationSkillRelations"))
        _, pillar = _rows(rel, _member(rel, "broaderRelationsSkillPillar"))
        _, hierarchy = _rows(en, _member(en, "skillsHierarchy_"))

        listed = {r["conceptUri"] for r in occupations}
        chosen = set(OCCUPATIONS) & listed
        chosen |= {
            r["conceptUri"]
            for r in occupations
            if r.get("code", "").startswith(PICK_CODES) or r["preferredLabel"] in PICK_EXTRA_LABELS
        }
        unlisted = sorted({r["occupationUri"] for r in links} - listed)
        chosen |= set(unlisted)

        skill_uris = {r["conceptUri"] for r in skills}
        group_uris = {r["conceptUri"] for r in groups}
        kept = {r["skillUri"] for r in links if r["occupationUri"] in chosen}
        parents: dict[str, set[str]] = {}
        for r in pillar:
            parents.setdefault(r["conceptUri"], set()).add(r["broaderUri"])
        for r in hierarchy:
            chain = [r.get(f"Level {i} URI", "").strip() for i in range(4)]
            chain = [u for u in chain if u]
            for child, parent in zip(chain[1:], chain, strict=False):
                parents.setdefault(child, set()).add(parent)
        frontier = set(kept)
        while frontier:
            nxt = set()
            for uri in frontier:
                for parent in parents.get(uri, ()):
                    if parent not in kept:
                        kept.add(parent)
                        nxt.add(parent)
            frontier = nxt

        def in_chain(r: dict[str, str]) -> bool:
            chain = [r.get(f"Level {i} URI", "").strip() for i in range(4)]
            return all(u in kept for u in chain if u)

        files_en = {
            _member(en, "occupations_"): lambda r: r["conceptUri"] in chosen,
            _member(en, "skills_"): lambda r: r["conceptUri"] in kept,
            _member(en, "skillGroups_"): lambda r: r["conceptUri"] in kept,
            _member(en, "skillsHierarchy_"): in_chain,
        }
        files_rel = {
            _member(rel, "occupationSkillRelations"): lambda r: r["occupationUri"] in chosen,
            _member(rel, "broaderRelationsSkillPillar"): lambda r: (
                r["conceptUri"] in kept and r["broaderUri"] in kept
            ),
        }
        for source, files, name in ((en, files_en, EN_NAME), (rel, files_rel, RELATIONS_NAME)):
            with zipfile.ZipFile(HERE / name, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
                for member, keep in files.items():
                    info = zipfile.ZipInfo(member, source.getinfo(member).date_time)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(info, _filtered(source, member, keep))
        print(
            f"{len(chosen)} occupations ({len(unlisted)} unlisted), "
            f"{len(kept & skill_uris)} skills, {len(kept & group_uris)} skill groups"
        )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
