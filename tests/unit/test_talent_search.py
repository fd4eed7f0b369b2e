"""Role profiles and talent search: scores, explanations, ties, filters, pages, empty orgs."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.vectors import vector

from microcred.errors import InvalidInput
from microcred.skills.gaps import GapStatus
from microcred.skills.index import Person, PersonKind, TalentIndex
from microcred.skills.roles import Requirement, RoleProfile, role_from_occupation
from microcred.skills.search import SearchFilters, rank_all, rank_people
from microcred.skills.skills_profile import DeclaredSkill, SkillEvidence

NOW = datetime(2026, 6, 1, tzinfo=UTC)
PAST = NOW - timedelta(days=90)
ROLE = RoleProfile(
    "dev",
    "Developer",
    (
        Requirement("py", 3, 2.0),
        Requirement("sql", 3, 1.0),
        Requirement("git", 2, 0.5, essential=False),
    ),
)


def ev(person: str, skill: str, level: int, status: str = "active") -> SkillEvidence:
    return SkillEvidence(person, skill, level, f"{person}-{skill}", PAST, None, status)


def test_role_from_occupation_links() -> None:
    role = role_from_occupation(
        "r",
        "Analyst",
        "http://data.europa.eu/esco/occupation/x",
        [("s2", "optional"), ("s1", "essential"), ("s2", "essential"), ("s3", "optional")],
        include_optional=True,
    )
    assert [(r.skill_id, r.level, r.weight, r.essential) for r in role.requirements] == [
        ("s1", 3, 1.0, True),
        ("s2", 3, 1.0, True),  # linked both ways: essential
        ("s3", 2, 0.5, False),
    ]
    assert [r.skill_id for r in role.without("s3").requirements] == ["s1", "s2"]
    assert role.with_requirement(Requirement("s1", 5)).requirements[0].level == 5
    with pytest.raises(InvalidInput):
        role_from_occupation("r", "x", "u", [("s", "maybe")])
    with pytest.raises(InvalidInput):
        role_from_occupation("r", "x", "u", [("s", "optional")], include_optional=False)


def test_role_validation_and_readiness() -> None:
    with pytest.raises(InvalidInput):
        RoleProfile("r", "R", (Requirement("a", 2), Requirement("a", 3)))
    with pytest.raises(InvalidInput):
        Requirement("a", 2, weight=0)
    assert ROLE.readiness({"py": 3, "sql": 3, "git": 2}) == 1.0
    assert ROLE.readiness({}) == 0.0
    assert ROLE.readiness({"py": 6}) == pytest.approx(2 / 3.5)  # above level earns no extra
    with pytest.raises(InvalidInput, match="no required skills"):
        RoleProfile("r", "Empty").readiness({})


def test_role_from_a_real_esco_occupation() -> None:
    """ESCO's 'software developer' seeds a role with its essential and optional skills."""
    path = vector("esco-v1.1.1", "ESCO_dataset_-_v1.1.1_-_classification_-__-_csv.zip")
    occupation = "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1"
    with zipfile.ZipFile(path) as z, z.open("occupationSkillRelations.csv") as f:
        links = [
            (row["skillUri"], row["relationType"])
            for row in csv.DictReader(io.TextIOWrapper(f, "utf-8"))
            if row["occupationUri"] == occupation
        ]
    assert links, "the occupation should have skills in ESCO v1.1.1"
    role = role_from_occupation("swdev", "Software developer", occupation, links)
    essential = sum(r.essential for r in role.requirements)
    assert essential == sum(kind == "essential" for _, kind in links)
    assert role.source == occupation


def _org() -> TalentIndex:
    rows = [
        ev("ann", "py", 3),
        ev("ann", "sql", 3),
        ev("ann", "git", 2),  # everything: 1.0
        ev("bob", "py", 3),
        ev("bob", "sql", 2),  # partial
        ev("cat", "py", 3),
        ev("cat", "sql", 2),  # same as bob: tie, broken by id
        ev("dan", "sql", 5, status="revoked"),
        ev("eve", "git", 4),
        ev("app", "py", 3),
        ev("app", "sql", 3),
    ]
    people = [
        Person("ann", team="a"),
        Person("bob", team="a"),
        Person("cat", team="b"),
        Person("dan", team="b"),
        Person("eve", team="b"),
        Person("app", PersonKind.APPLICANT),
    ]
    declared = {"bob": [DeclaredSkill("sql", 5), DeclaredSkill("git", 5)]}
    return TalentIndex.build(rows, as_of=NOW, people=people, declared=declared)


def test_ranking_is_explained_and_ties_break_by_id() -> None:
    page = rank_people(_org(), ROLE)
    assert [c.person_id for c in page.results] == ["ann", "app", "bob", "cat", "eve"]
    assert page.total == 5  # dan's only credential is revoked: not ranked at all
    ann, _, bob, *_ = page.results
    assert ann.readiness == 1.0 and ann.met == 3 and ann.missing == ()
    py = next(m for m in ann.matches if m.skill_id == "py")
    assert (py.status, py.level, py.credential_id) == (GapStatus.MET, 3, "ann-py")
    sql = next(m for m in bob.matches if m.skill_id == "sql")
    assert (sql.status, sql.level, sql.declared_level) == (GapStatus.BELOW, 2, 5)
    assert bob.below == ("sql",) and bob.missing == ("git",)
    assert [c.rank for c in page.results] == [1, 2, 3, 4, 5]


def test_filters() -> None:
    index = _org()
    employees = rank_people(
        index, ROLE, filters=SearchFilters(kinds=frozenset({PersonKind.EMPLOYEE}))
    )
    assert "app" not in [c.person_id for c in employees.results]
    team_b = rank_people(index, ROLE, filters=SearchFilters(teams=frozenset({"b"})))
    assert [c.person_id for c in team_b.results] == ["cat", "eve"]
    must = rank_people(index, ROLE, filters=SearchFilters(must_meet=frozenset({"sql"})))
    assert [c.person_id for c in must.results] == ["ann", "app"]
    ess = rank_people(
        index, ROLE, filters=SearchFilters(essentials_met=True, exclude=frozenset({"ann"}))
    )
    assert [c.person_id for c in ess.results] == ["app"]
    top = rank_people(index, ROLE, filters=SearchFilters(min_readiness=3 / 3.5))
    assert [c.person_id for c in top.results] == ["ann", "app"]
    with pytest.raises(InvalidInput):
        rank_people(index, ROLE, filters=SearchFilters(must_meet=frozenset({"cobol"})))


def test_pages_and_bad_pages() -> None:
    index = _org()
    full = [c.person_id for c in rank_people(index, ROLE, limit=100).results]
    paged = [
        c.person_id
        for offset in range(0, 6, 2)
        for c in rank_people(index, ROLE, offset=offset, limit=2).results
    ]
    assert paged == full == rank_all(index, ROLE)
    assert rank_people(index, ROLE, offset=50).results == ()
    with pytest.raises(InvalidInput):
        rank_people(index, ROLE, limit=0)
    with pytest.raises(InvalidInput):
        rank_people(index, ROLE, offset=-1)


def test_empty_organisation_and_unknown_skills() -> None:
    empty = TalentIndex.build([], as_of=NOW)
    page = rank_people(empty, ROLE)
    assert (page.total, page.results) == (0, ())
    nobody = rank_people(_org(), RoleProfile("x", "X", (Requirement("cobol", 2),)))
    assert nobody.total == 0
    with pytest.raises(InvalidInput):
        rank_people(empty, RoleProfile("x", "Empty"))


_people = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(["py", "sql", "git"]), st.integers(1, 5)),
        st.dictionaries(st.sampled_from(["py", "sql", "git"]), st.integers(1, 5)),
    ),
    min_size=1,
    max_size=8,
)


def _build(people: list[tuple[dict[str, int], dict[str, int]]]) -> TalentIndex:
    rows = [
        ev(f"p{i}", s, lv) for i, (verified, _) in enumerate(people) for s, lv in verified.items()
    ]
    declared = {
        f"p{i}": [DeclaredSkill(s, lv) for s, lv in decl.items()]
        for i, (_, decl) in enumerate(people)
    }
    return TalentIndex.build(
        rows, as_of=NOW, people=[Person(f"p{i}") for i in range(len(people))], declared=declared
    )


@settings(max_examples=120, deadline=None)
@given(_people, st.sampled_from(["py", "sql", "git"]), st.integers(1, 5))
def test_unverified_skills_never_rank_anyone_higher(
    people: list[tuple[dict[str, int], dict[str, int]]], skill: str, level: int
) -> None:
    """Declarations change nothing; a verified skill beats the same skill only declared."""
    before = rank_all(_build(people), ROLE)
    undeclared = [(v, {}) for v, _ in people]
    assert rank_all(_build(undeclared), ROLE) == before
    # two people equal but for one skill: verified for one, declared for the other
    twins = [*people, ({}, {}), ({}, {})]
    twins[-2] = ({**people[0][0], skill: level}, {})
    twins[-1] = ({k: v for k, v in people[0][0].items() if k != skill}, {skill: level})
    ranked = rank_all(_build(twins), ROLE)
    verified_twin, declared_twin = f"p{len(twins) - 2}", f"p{len(twins) - 1}"
    if declared_twin in ranked:
        assert ranked.index(verified_twin) < ranked.index(declared_twin)


@settings(max_examples=120, deadline=None)
@given(_people)
def test_scores_match_a_plain_python_computation(
    people: list[tuple[dict[str, int], dict[str, int]]],
) -> None:
    index = _build(people)
    page = rank_people(index, ROLE, limit=100)
    expected = sorted(
        (
            (
                -round(ROLE.readiness(v), 9),
                -sum(v.get(r.skill_id, 0) >= r.level for r in ROLE.requirements),
                f"p{i}",
            )
            for i, (v, _) in enumerate(people)
            if ROLE.readiness(v) > 0
        ),
    )
    got = [(-round(c.readiness, 9), -c.met, c.person_id) for c in page.results]
    assert [g[2] for g in got] == [e[2] for e in expected]
    for c in page.results:
        verified = people[int(c.person_id[1:])][0]
        assert c.readiness == ROLE.readiness(verified)
