"""Importing frameworks: ESCO CSV releases, the O*NET list, custom CSV; strict validation."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from tests.vectors import vector

from microcred.skills.taxonomy import Framework, Relation
from microcred.skills.taxonomy_import import (
    TaxonomyImportError,
    import_custom,
    import_esco,
    import_onet_occupations,
    write_bundle,
)
from microcred.skills.taxonomy_loader import clear_cache, load_taxonomy, read_bundle

E = "http://data.europa.eu/esco/"


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _esco_files(**override: str) -> dict[str, str]:
    files = {
        "skills_en.csv": _csv(
            [
                "conceptType",
                "conceptUri",
                "skillType",
                "reuseLevel",
                "preferredLabel",
                "altLabels",
                "description",
            ],
            [
                [
                    "KnowledgeSkillCompetence",
                    E + "skill/s1",
                    "skill/competence",
                    "cross-sector",
                    "manage budgets",
                    "control budgets\nbudget management",
                    "Plan and monitor.",
                ],
                [
                    "KnowledgeSkillCompetence",
                    E + "skill/s2",
                    "knowledge",
                    "sector-specific",
                    "Python (computer programming)",
                    "",
                    "A programming language.",
                ],
            ],
        ),
        "occupations_en.csv": _csv(
            [
                "conceptType",
                "conceptUri",
                "iscoGroup",
                "preferredLabel",
                "altLabels",
                "description",
                "code",
            ],
            [
                [
                    "Occupation",
                    E + "occupation/o1",
                    "2512",
                    "software developer",
                    "programmer",
                    "Writes software.",
                    "2512.4",
                ]
            ],
        ),
        "skillGroups_en.csv": _csv(
            ["conceptType", "conceptUri", "preferredLabel", "code"],
            [["SkillGroup", E + "skill/g1", "management skills", "S4"]],
        ),
        "occupationSkillRelations_en.csv": _csv(
            ["occupationUri", "relationType", "skillType", "skillUri"],
            [
                [E + "occupation/o1", "essential", "knowledge", E + "skill/s2"],
                [E + "occupation/o1", "optional", "skill/competence", E + "skill/s1"],
            ],
        ),
        "broaderRelationsSkillPillar_en.csv": _csv(
            ["conceptType", "conceptUri", "broaderType", "broaderUri"],
            [["KnowledgeSkillCompetence", E + "skill/s1", "SkillGroup", E + "skill/g1"]],
        ),
    }
    files.update(override)
    return files


def _zip(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    path = tmp_path / "esco.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def test_esco_zip_imports_and_round_trips_through_a_bundle(tmp_path: Path) -> None:
    report = import_esco([_zip(tmp_path, dict(_esco_files()))], version="9.9")
    tax = report.taxonomy
    assert tax.framework is Framework.ESCO and tax.version == "9.9" and not report.notes
    assert tax.skill(E + "skill/s1").alt_labels == ("control budgets", "budget management")
    assert [k.relation for k in tax.skills_of(E + "occupation/o1")] == [
        Relation.ESSENTIAL,
        Relation.OPTIONAL,
    ]
    assert tax.broader(E + "skill/s1") == (E + "skill/g1",)
    back = read_bundle(write_bundle(tax, tmp_path / "bundle", source="test", derived="test"))
    assert back.summary() == tax.summary()
    assert back.skill(E + "skill/s1") == tax.skill(E + "skill/s1")
    assert back.occupation(E + "occupation/o1") == tax.occupation(E + "occupation/o1")
    assert back.broader_pairs == tax.broader_pairs
    assert (
        back.attribution == "This product uses the ESCO classification of the European Commission."
    )
    clear_cache()
    assert load_taxonomy(tmp_path / "bundle").summary() == tax.summary()


def test_esco_folder_of_csv_files_imports(tmp_path: Path) -> None:
    folder = tmp_path / "unzipped"
    folder.mkdir()
    for name, text in _esco_files().items():
        (folder / name.replace("_en", "")).write_text(text, encoding="utf-8")
    assert len(import_esco([folder], version="1").taxonomy.skills) == 2


def test_links_to_an_occupation_without_a_row_are_kept_and_reported(tmp_path: Path) -> None:
    rel = _csv(
        ["occupationUri", "relationType", "skillUri"],
        [
            [E + "occupation/o1", "essential", E + "skill/s1"],
            [E + "occupation/ghost", "optional", E + "skill/s2"],
        ],
    )
    report = import_esco(
        [_zip(tmp_path, dict(_esco_files(**{"occupationSkillRelations_en.csv": rel})))],
        version="1",
    )
    assert len(report.taxonomy.links) == 2
    assert report.notes and "ghost" in report.notes[0]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "skills_en.csv",
            "conceptUri,label\nhttp://x.org/a,b\n",
            "lacks the column(s) preferredLabel",
        ),
        ("skills_en.csv", "conceptUri,preferredLabel\n,empty uri\n", "line 2: conceptUri is empty"),
        (
            "skills_en.csv",
            "conceptUri,preferredLabel\nhttp://x.org/a,one\nhttp://x.org/a,two\n",
            "appears twice",
        ),
        ("skills_en.csv", "conceptUri,preferredLabel\nnot-a-uri,x\n", "not an http(s) URI"),
        ("skills_en.csv", "conceptUri,preferredLabel\nhttp://x.org/a,x,extra\n", "3 fields"),
        ("skills_en.csv", "conceptUri,preferredLabel\n", "holds no skills"),
        ("skills_en.csv", "", "is empty"),
        ("skills_en.csv", 'conceptUri,preferredLabel\nhttp://x.org/a,"unclosed\n', "malformed CSV"),
        (
            "occupationSkillRelations_en.csv",
            f"occupationUri,relationType,skillUri\n{E}occupation/o1,maybe,{E}skill/s1\n",
            "relationType 'maybe'",
        ),
        (
            "occupationSkillRelations_en.csv",
            f"occupationUri,relationType,skillUri\n{E}occupation/o1,essential,{E}skill/zz\n",
            "is not in the skills file",
        ),
        (
            "occupationSkillRelations_en.csv",
            f"occupationUri,relationType,skillUri\n{E}occupation/o1,essential,{E}skill/s1\n"
            f"{E}occupation/o1,optional,{E}skill/s1\n",
            "listed twice",
        ),
    ],
)
def test_bad_esco_csv_is_refused_with_a_clear_message(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    zipped = _zip(tmp_path, dict(_esco_files(**{name: content})))
    with pytest.raises(TaxonomyImportError) as info:
        import_esco([zipped], version="1")
    assert message in info.value.explain()
    assert name in info.value.explain() or "skills" in info.value.explain()


def test_non_utf8_and_missing_files_are_refused(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = dict(_esco_files())
    files["skills_en.csv"] = "conceptUri,preferredLabel\nhttp://x.org/a,caf\xe9\n".encode("latin-1")
    with pytest.raises(TaxonomyImportError, match="not UTF-8"):
        import_esco([_zip(tmp_path, files)], version="1")
    files = dict(_esco_files())
    del files["occupations_en.csv"]
    with pytest.raises(TaxonomyImportError, match="lacks occupations"):
        import_esco([_zip(tmp_path, files)], version="1")
    with pytest.raises(TaxonomyImportError, match="does not exist"):
        import_esco([tmp_path / "nope.zip"], version="1")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(TaxonomyImportError, match="neither a folder"):
        import_esco([tmp_path / "notes.txt"], version="1")


def test_damaged_bundle_is_refused(tmp_path: Path) -> None:
    tax = import_esco([_zip(tmp_path, dict(_esco_files()))], version="1").taxonomy
    folder = write_bundle(tax, tmp_path / "b")
    (folder / "concepts.json.gz").write_bytes(b"not gzip")
    from microcred.errors import InvalidInput

    with pytest.raises(InvalidInput, match="damaged"):
        read_bundle(folder)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_custom_framework_with_local_ids_hierarchy_and_roles(tmp_path: Path) -> None:
    skills = _write(
        tmp_path / "skills.csv",
        "id,label,alt_labels,description,broader\n"
        "data,Data skills,,All things data,\n"
        "sql,SQL querying,SQL|relational queries,Write SQL,data\n",
    )
    occupations = _write(tmp_path / "occ.csv", "id,label,code\nanalyst,Data analyst,DA1\n")
    links = _write(
        tmp_path / "links.csv",
        "occupation,skill,relation\nanalyst,sql,essential\nanalyst,data,Optional\n",
    )
    report = import_custom(
        skills,
        name="Acme skills",
        version="2026.1",
        occupations_csv=occupations,
        links_csv=links,
        base_uri="https://acme.example/skills/",
    )
    tax = report.taxonomy
    sql = tax.skill("https://acme.example/skills/sql")
    assert sql.alt_labels == ("SQL", "relational queries")
    assert tax.broader(sql.uri) == ("https://acme.example/skills/data",)
    assert {k.relation for k in tax.skills_of("https://acme.example/skills/analyst")} == {
        Relation.ESSENTIAL,
        Relation.OPTIONAL,
    }
    assert read_bundle(write_bundle(tax, tmp_path / "b")).summary() == tax.summary()


@pytest.mark.parametrize(
    ("skills", "message"),
    [
        ("id,label\nsql,SQL\n", "not an http(s) URI"),  # no base URI
        ("id,name\nhttps://a.example/x,SQL\n", "lacks the column(s) label"),
        ("id,label\nhttps://a.example/x,\n", "label is empty"),
        ("id,label\nhttps://a.example/x,A\nhttps://a.example/x,B\n", "appears twice"),
        ("id,label,broader\nhttps://a.example/x,A,https://a.example/y\n", "is not a skill"),
        (
            "id,label,broader\nhttps://a.example/x,A,https://a.example/y\n"
            "https://a.example/y,B,https://a.example/x\n",
            "cycle",
        ),
    ],
)
def test_bad_custom_csv_is_refused(tmp_path: Path, skills: str, message: str) -> None:
    with pytest.raises(TaxonomyImportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_custom(_write(tmp_path / "skills.csv", skills), name="X", version="1")


def test_custom_links_must_name_known_concepts(tmp_path: Path) -> None:
    skills = _write(tmp_path / "s.csv", "id,label\nhttps://a.example/s,S\n")
    occ = _write(tmp_path / "o.csv", "id,label\nhttps://a.example/o,O\n")
    links = _write(
        tmp_path / "l.csv",
        "occupation,skill,relation\nhttps://a.example/o,https://a.example/t,essential\n",
    )
    with pytest.raises(TaxonomyImportError, match="unknown skill"):
        import_custom(skills, name="X", version="1", occupations_csv=occ, links_csv=links)
    with pytest.raises(TaxonomyImportError, match="need an occupations file"):
        import_custom(skills, name="X", version="1", links_csv=links)


def test_onet_list_imports_and_refuses_other_files(tmp_path: Path) -> None:
    good = _write(
        tmp_path / "occ.txt",
        "O*NET-SOC Code\tTitle\tDescription\n15-1252.00\tSoftware Developers\tResearch, design.\n",
    )
    tax = import_onet_occupations(good, version="29.2").taxonomy
    assert tax.occupation("https://www.onetonline.org/link/summary/15-1252.00").code == "15-1252.00"
    bad = _write(tmp_path / "bad.txt", "O*NET-SOC Code\tTitle\tDescription\n15-1252\tX\tY\n")
    with pytest.raises(TaxonomyImportError, match="line 2"):
        import_onet_occupations(bad, version="1")


def test_reimporting_official_esco_rows_reproduces_the_shipped_bundle() -> None:
    """The official ESCO v1.1.1 rows about 21 occupations (tests/vectors/esco-v1.1.1, cut by its
    trim.py) import to exactly what the shipped bundle holds for those concepts: each skill,
    occupation (the unlisted one as its placeholder), link, skill group and broader edge.
    bench/taxonomy_import.py re-imports the whole release and compares every concept."""
    zips = sorted(vector("esco-v1.1.1").glob("*.zip"))
    assert len(zips) == 2
    report = import_esco(zips, version="1.1.1")
    fresh = report.taxonomy
    shipped = load_taxonomy()
    summary = fresh.summary()
    assert (summary["skills"], summary["occupations"], summary["links"]) == (795, 21, 1572)
    assert (summary["skill_groups"], summary["hierarchy_edges"]) == (313, 1507)
    assert 0 < summary["essential_links"] < summary["links"]
    assert any("no row in the occupations file" in note for note in report.notes)
    for skill in fresh.iter_skills():
        assert skill == shipped.skill(skill.uri)
    for occupation in fresh.iter_occupations():
        assert occupation == shipped.occupation(occupation.uri)
        assert fresh.skills_of(occupation.uri) == shipped.skills_of(occupation.uri)
    for group in fresh.groups:
        assert group == shipped.group(group.uri)
    for uri in [*fresh.skills.uri, *(g.uri for g in fresh.groups)]:
        assert fresh.broader(uri) == shipped.broader(uri), uri
    # the shipped bundle is the whole release (ESCO v1.1.1's published row counts)
    assert shipped.summary() == {
        "framework": "esco",
        "name": "ESCO",
        "version": "1.1.1",
        "skills": 13_896,
        "occupations": 3_008,  # 3,007 listed + the unlisted one's placeholder
        "links": 123_855,
        "essential_links": 64_946,
        "skill_groups": 647,
        "hierarchy_edges": 20_656,
    }
