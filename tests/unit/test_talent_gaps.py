"""Gap analysis: person, team and organisation against roles; heatmaps against plain counting."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.errors import InvalidInput
from microcred.skills.catalogue import Catalogue, CatalogueItem, Earned, SkillGrant
from microcred.skills.gaps import (
    GapStatus,
    Population,
    RoleDemand,
    group_gap,
    organisation_gaps,
    person_gap,
    roles_heatmap,
    team_gap,
    teams_heatmap,
)
from microcred.skills.index import Person, PersonKind, TalentIndex
from microcred.skills.roles import Requirement, RoleProfile
from microcred.skills.skills_profile import DeclaredSkill, SkillEvidence

NOW = datetime(2026, 6, 1, tzinfo=UTC)
PAST = NOW - timedelta(days=90)
DEV = RoleProfile("dev", "Developer", (Requirement("py", 3), Requirement("sql", 2)))
DBA = RoleProfile("dba", "DBA", (Requirement("sql", 4),))
CATALOGUE = Catalogue(
    [
        CatalogueItem("sql2", "SQL basics", (SkillGrant("sql", 2),), 5),
        CatalogueItem("sql4", "SQL tuning", (SkillGrant("sql", 4),), 20, Earned("sql2")),
        CatalogueItem("py3", "Python", (SkillGrant("py", 3),), 12),
    ]
)


def ev(person: str, skill: str, level: int, *, expired: bool = False) -> SkillEvidence:
    until = NOW - timedelta(days=1) if expired else None
    return SkillEvidence(person, skill, level, f"{person}-{skill}", PAST, until, "active")


def _org() -> TalentIndex:
    rows = [
        ev("a", "py", 3),
        ev("a", "sql", 2),
        ev("b", "py", 2),
        ev("b", "sql", 4, expired=True),
        ev("c", "sql", 4),
        ev("x", "sql", 5),
    ]
    people = [
        Person("a", team="t1", role_id="dev"),
        Person("b", team="t1", role_id="dev"),
        Person("c", team="t2", role_id="dba"),
        Person("d", team="t2"),
        Person("x", PersonKind.APPLICANT),
    ]
    declared = {"b": [DeclaredSkill("sql", 4)]}
    return TalentIndex.build(rows, as_of=NOW, people=people, declared=declared)


def test_person_gap_statuses_and_closing_options() -> None:
    index = _org()
    gap = person_gap(
        DEV,
        index.person_skills("b"),
        person_id="b",
        declared=index.declared_levels("b"),
        catalogue=CATALOGUE,
    )
    py, sql = gap.skills
    assert (py.status, py.current_level, py.credential_id) == (GapStatus.BELOW, 2, "b-py")
    assert (sql.status, sql.current_level, sql.declared_level) == (GapStatus.MISSING, 0, 4)
    assert [o.item_id for o in sql.options] == ["sql2", "sql4"]
    assert sql.options[1].requires == "'SQL basics'"
    assert (gap.met, gap.below, gap.missing) == (0, 1, 1)
    assert gap.readiness == pytest.approx((2 / 3) / 2)
    assert person_gap(DEV, index.person_skills("a")).gaps == ()


def test_team_and_group_gaps() -> None:
    index = _org()
    t1 = team_gap(index, DEV, "t1")
    assert t1.size == 2
    assert [(r.skill_id, r.holders, r.below) for r in t1.requirements] == [
        ("py", 1, 1),
        ("sql", 1, 0),
    ]
    assert t1.uncovered == ()
    assert (t1.best_person, t1.best_readiness) == ("a", 1.0)
    t2 = team_gap(index, DBA, "t2")
    assert (t2.size, t2.uncovered, t2.best_person) == (2, (), "c")
    nobody = team_gap(index, DBA, "no-such-team")
    assert (nobody.size, nobody.best_person, nobody.mean_readiness) == (0, None, 0.0)
    assert nobody.uncovered == ("sql",)
    with pytest.raises(InvalidInput):
        group_gap(index, DEV, ["ghost"])


def test_roles_heatmap_incumbents_and_organisation() -> None:
    index = _org()
    inc = roles_heatmap(index, [DEV, DBA])
    assert inc.rows == ("dev", "dba") and inc.columns == ("py", "sql")
    cells = {(c.row, c.skill_id): (c.holders, c.population) for c in inc.cells}
    assert cells == {("dev", "py"): (1, 2), ("dev", "sql"): (1, 2), ("dba", "sql"): (1, 1)}
    matrix = inc.matrix()
    assert matrix[0].tolist() == [0.5, 0.5]
    assert math.isnan(matrix[1, 0])
    org = roles_heatmap(index, [DEV, DBA], population=Population.ORGANISATION)
    cells = {(c.row, c.skill_id): (c.holders, c.population) for c in org.cells}
    # 4 employees; the applicant and the expired credential do not count
    assert cells == {("dev", "py"): (1, 4), ("dev", "sql"): (2, 4), ("dba", "sql"): (1, 4)}
    empty_role = roles_heatmap(index, [RoleProfile("new", "New", (Requirement("py", 1),))])
    assert [(c.holders, c.population, c.share) for c in empty_role.cells] == [(0, 0, 0.0)]


def test_teams_heatmap() -> None:
    heat = teams_heatmap(_org(), {"py": 2, "sql": 4})
    assert heat.rows == ("t1", "t2")
    cells = {(c.row, c.skill_id): (c.holders, c.population) for c in heat.cells}
    assert cells == {
        ("t1", "py"): (2, 2),
        ("t1", "sql"): (0, 2),
        ("t2", "py"): (0, 2),
        ("t2", "sql"): (1, 2),
    }


def test_organisation_shortfalls_use_nested_levels() -> None:
    index = _org()
    gaps = organisation_gaps(index, [RoleDemand(DEV, 3), RoleDemand(DBA, 2)], catalogue=CATALOGUE)
    by_skill = {g.skill_id: g for g in gaps}
    # sql: 2 needed at ≥4 (1 supply: c), 5 needed at ≥2 (2 supply: a, c) → worst is 3 at level 2
    assert (by_skill["sql"].level, by_skill["sql"].demand, by_skill["sql"].supply) == (2, 5, 2)
    assert by_skill["sql"].shortfall == 3 and by_skill["sql"].roles == ("dba", "dev")
    assert by_skill["py"].shortfall == 2
    assert [g.skill_id for g in gaps] == ["sql", "py"]
    assert by_skill["py"].options[0].item_id == "py3"
    assert organisation_gaps(index, [RoleDemand(DEV, 0)]) == ()
    assert organisation_gaps(TalentIndex.build([], as_of=NOW), []) == ()
    with pytest.raises(InvalidInput):
        RoleDemand(DEV, -1)


_orgs = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(["py", "sql", "git"]), st.integers(1, 5)),
        st.sampled_from(["t1", "t2", None]),
        st.sampled_from(["dev", "dba", None]),
    ),
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(_orgs)
def test_heatmaps_match_plain_counting(
    people: list[tuple[dict[str, int], str | None, str | None]],
) -> None:
    rows = [
        ev(f"p{i}", s, lv) for i, (skills, _, _) in enumerate(people) for s, lv in skills.items()
    ]
    roster = [Person(f"p{i}", team=t, role_id=r) for i, (_, t, r) in enumerate(people)]
    index = TalentIndex.build(rows, as_of=NOW, people=roster)
    for cell in roles_heatmap(index, [DEV, DBA]).cells:
        members = [s for s, _, r in people if r == cell.row]
        assert cell.population == len(members)
        assert cell.holders == sum(s.get(cell.skill_id, 0) >= cell.required_level for s in members)
    for cell in teams_heatmap(index, {"py": 3, "git": 1}).cells:
        members = [s for s, t, _ in people if t == cell.row]
        assert cell.holders == sum(s.get(cell.skill_id, 0) >= cell.required_level for s in members)
    for short in organisation_gaps(index, [RoleDemand(DEV, 2), RoleDemand(DBA, 1)]):
        supply = sum(s.get(short.skill_id, 0) >= short.level for s, _, _ in people)
        assert short.supply == supply and short.shortfall == short.demand - supply > 0


def test_empty_organisation_behaves() -> None:
    empty = TalentIndex.build([], as_of=NOW)
    for population in Population:
        cells = roles_heatmap(empty, [DEV], population=population).cells
        assert [(c.holders, c.population, c.share) for c in cells] == [(0, 0, 0.0), (0, 0, 0.0)]
    assert teams_heatmap(empty, {"py": 2}).cells == ()
    nobody = group_gap(empty, DEV, [])
    assert (nobody.size, nobody.uncovered, nobody.best_person) == (0, ("py", "sql"), None)
    short = organisation_gaps(empty, [RoleDemand(DBA, 3)])
    assert [(s.skill_id, s.demand, s.supply, s.shortfall) for s in short] == [("sql", 3, 0, 3)]
