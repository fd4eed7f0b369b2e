"""The catalogue built from achievements and pathways, and the plans made on it: on random
organisations, every step of every plan (and alternative) has its prerequisites and pathway
rule met by what the person holds and the steps before it, and the plan closes every gap it does
not report unreachable."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from microcred.domain.achievement import Alignment
from microcred.domain.pathway import AllOf, Earn, NOf, Pathway, PathwayKind
from microcred.ports.skills import AchievementFacts
from microcred.services.skills.evidence import UNSTATED_LEVEL, achievement_skills, document_skills
from microcred.services.skills.index import DEFAULT_EFFORT_HOURS, catalogue_from
from microcred.skills.catalogue import holds
from microcred.skills.paths import career_path
from microcred.skills.roles import Requirement, RoleProfile

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SKILLS = [f"https://skills.example.org/s{i}" for i in range(5)]


def _achievement(i: int, rng: random.Random) -> AchievementFacts:
    skills = rng.sample(SKILLS, rng.randint(1, 3))
    return AchievementFacts(
        f"a{i:02d}",
        f"Item {i}",
        rng.choice([None, *range(1, 21)]),
        T0,
        tuple(Alignment(s, s, level=rng.randint(1, 5)) for s in skills),
    )


def _pathway(j: int, ids: list[str], rng: random.Random) -> Pathway:
    target, *members = rng.sample(ids, rng.randint(3, min(5, len(ids))))
    parts = tuple(Earn(m) for m in members)
    rule = AllOf(parts) if rng.random() < 0.6 else NOf(rng.randint(1, len(parts)), parts)
    prereqs: dict[str, list[str]] = {}
    for k, m in enumerate(members[1:], 1):
        if rng.random() < 0.5:
            prereqs[m] = rng.sample(members[:k], rng.randint(1, k))
    return Pathway(f"p{j}", "org", f"P{j}", "", PathwayKind.PATHWAY, target, rule, prereqs)


@pytest.mark.parametrize("seed", range(60))
def test_plans_never_take_a_step_before_its_prerequisites(seed: int) -> None:
    rng = random.Random(seed)
    achievements = [_achievement(i, rng) for i in range(rng.randint(4, 12))]
    ids = [a.id for a in achievements]
    pathways = [_pathway(j, ids, rng) for j in range(rng.randint(0, 2))]
    catalogue, stated, warnings = catalogue_from(achievements, pathways)
    assert len(catalogue) == len(achievements)
    for a in achievements:
        if a.id not in stated:
            assert catalogue[a.id].effort_hours == DEFAULT_EFFORT_HOURS
    role = RoleProfile(
        "r",
        "Role",
        tuple(
            Requirement(s, rng.randint(1, 5))
            for s in rng.sample(SKILLS, rng.randint(1, len(SKILLS)))
        ),
    )
    held = {s: rng.randint(0, 3) for s in rng.sample(SKILLS, 2)}
    earned = frozenset(rng.sample(ids, rng.randint(0, 2)))
    path = career_path(catalogue, role, held, earned=earned, alternatives=2)
    prerequisites = {}
    if not warnings:
        for p in pathways:
            for item, needs in p.prerequisites.items():
                prerequisites.setdefault(item, set()).update(needs)
    for plan in (path.plan, *path.alternatives):
        done, levels = set(earned), dict(held)
        for step in plan.steps:
            item = catalogue[step.item_id]
            assert holds(item.requires, done, levels), (seed, step.item_id)
            assert prerequisites.get(step.item_id, set()) <= done, (seed, step.item_id)
            done.add(step.item_id)
            for g in item.grants:
                levels[g.skill_id] = max(levels.get(g.skill_id, 0), g.level)
        for q in role.requirements:
            if q.skill_id not in path.unreachable:
                assert levels.get(q.skill_id, 0) >= q.level, (seed, q.skill_id)


def test_a_pathway_naming_a_missing_item_is_left_out_with_a_warning() -> None:
    a = AchievementFacts("a", "A", 3, T0, (Alignment("S", SKILLS[0], level=2),))
    b = AchievementFacts("b", "B", 3, T0, (Alignment("S", SKILLS[1], level=2),))
    ghost = Pathway("p", "org", "Ghost", "", PathwayKind.PATHWAY, "b", AllOf((Earn("gone"),)))
    catalogue, _, warnings = catalogue_from([a, b], [ghost])
    assert catalogue["b"].requires is None and catalogue["b"].effort_hours == 3
    assert warnings and "Ghost" in warnings[0]


def test_skills_come_from_alignments_with_their_levels() -> None:
    alignments = [
        Alignment("Python", SKILLS[0], level=3),
        Alignment("Python again", SKILLS[0], level=4),
        Alignment("Unlevelled", SKILLS[1]),
        Alignment("A credential", SKILLS[2], target_type="ceterms:Credential", level=5),
    ]
    skills = {s.skill_uri: (s.level, s.level_stated) for s in achievement_skills(alignments)}
    assert skills == {SKILLS[0]: (4, True), SKILLS[1]: (UNSTATED_LEVEL, False)}
    document = {
        "credentialSubject": {
            "achievement": {
                "alignment": [
                    {"targetUrl": SKILLS[0], "targetDescription": "Required proficiency level: 3."},
                    {
                        "targetUrl": SKILLS[1],
                        "targetDescription": "Required proficiency level: 99.",
                    },
                    {"targetUrl": "javascript:alert(1)"},
                    "not an object",
                ]
            }
        }
    }
    found = {s.skill_uri: (s.level, s.level_stated) for s in document_skills(document)}
    assert found == {SKILLS[0]: (3, True), SKILLS[1]: (UNSTATED_LEVEL, False)}
    assert document_skills({"credentialSubject": []}) == ()
