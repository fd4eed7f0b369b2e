"""Skills of people: which evidence counts, effective levels, and the index built from rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.errors import InvalidInput
from microcred.skills.index import Person, PersonKind, TalentIndex
from microcred.skills.skills_profile import (
    DeclaredSkill,
    SkillEvidence,
    SkillsProfile,
    Standing,
    effective_levels,
    profiles_from_rows,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def ev(
    person: str = "p",
    skill: str = "s",
    level: int = 3,
    cred: str = "c",
    start: datetime | None = NOW - 30 * DAY,
    until: datetime | None = None,
    status: str = "active",
    achievement: str | None = None,
) -> SkillEvidence:
    return SkillEvidence(person, skill, level, cred, start, until, status, achievement)


def test_standing_names_each_reason() -> None:
    assert ev().standing(NOW) is Standing.COUNTS
    assert ev(status="revoked").standing(NOW) is Standing.REVOKED
    assert ev(status="suspended").standing(NOW) is Standing.SUSPENDED
    assert ev(status="unverified").standing(NOW) is Standing.UNVERIFIED
    assert ev(status="anything else").standing(NOW) is Standing.UNVERIFIED
    assert ev(until=NOW).standing(NOW) is Standing.EXPIRED  # valid_until is exclusive
    assert ev(until=NOW + DAY).standing(NOW) is Standing.COUNTS
    assert ev(start=NOW + DAY).standing(NOW) is Standing.NOT_YET_VALID
    assert ev(start=None).standing(NOW) is Standing.COUNTS


def test_naive_datetimes_are_utc() -> None:
    naive_until = (NOW + DAY).replace(tzinfo=None)
    assert ev(until=naive_until).standing(NOW) is Standing.COUNTS
    assert ev(until=naive_until).standing(NOW + 2 * DAY) is Standing.EXPIRED


def test_effective_level_is_best_counting_row_and_names_its_credential() -> None:
    rows = [
        ev(level=2, cred="low"),
        ev(level=5, cred="revoked", status="revoked"),
        ev(level=4, cred="expired", until=NOW - DAY),
        ev(level=3, cred="b-short", until=NOW + DAY),
        ev(level=3, cred="a-long", until=NOW + 9 * DAY),
        ev(level=3, cred="z-forever"),
    ]
    best = effective_levels(rows, NOW)["s"]
    assert (best.level, best.credential_id) == (3, "z-forever")
    assert effective_levels(rows[:5], NOW)["s"].credential_id == "a-long"
    assert effective_levels(list(reversed(rows)), NOW) == effective_levels(rows, NOW)


def test_declared_skills_are_kept_apart_and_unverified() -> None:
    profile = SkillsProfile("p", (ev(skill="a", level=2),), (DeclaredSkill("b", 5),))
    assert set(profile.effective(NOW)) == {"a"}
    assert profile.declared_levels() == {"b": 5}
    assert all(not d.verified for d in profile.declared)


def test_profile_refuses_someone_elses_evidence_and_bad_levels() -> None:
    with pytest.raises(InvalidInput):
        SkillsProfile("p", (ev(person="q"),))
    with pytest.raises(InvalidInput):
        SkillsProfile("p", (ev(level=0),))
    with pytest.raises(InvalidInput):
        DeclaredSkill("s", 11)


def test_earned_achievements_only_from_counting_credentials() -> None:
    profile = SkillsProfile(
        "p",
        (
            ev(achievement="ok"),
            ev(achievement="gone", status="revoked"),
            ev(achievement="old", until=NOW - DAY),
        ),
    )
    assert profile.earned_achievements(NOW) == {"ok"}


def test_profiles_from_plain_tuples() -> None:
    rows = [("p", "s", 2, "c1", NOW - DAY, None, "active"), ev(person="q")]
    profiles = profiles_from_rows(rows, {"r": [DeclaredSkill("s", 1)]})
    assert sorted(profiles) == ["p", "q", "r"]
    assert profiles["p"].effective(NOW)["s"].level == 2
    assert profiles["r"].verified == ()


def test_index_counts_only_valid_evidence_and_reports_what_it_left_out() -> None:
    rows = [
        ev("a", "x", 3, "c1"),
        ev("a", "y", 3, "c2", status="revoked"),
        ev("b", "x", 4, "c3", until=NOW - DAY),
        ev("b", "x", 2, "c4", until=NOW + 5 * DAY),
        ev("c", "x", 5, "c5", status="suspended"),
        ev("c", "z", 1, "c6", start=NOW + 3 * DAY),
        ev("c", "w", 4, "c7", status="unverified"),  # an applicant's unchecked credential
    ]
    index = TalentIndex.build(rows, as_of=NOW)
    assert index.person_levels("a") == {"x": 3}
    assert index.person_levels("b") == {"x": 2}
    assert index.person_levels("c") == {}
    assert index.excluded == {
        Standing.REVOKED: 1,
        Standing.EXPIRED: 1,
        Standing.SUSPENDED: 1,
        Standing.NOT_YET_VALID: 1,
        Standing.UNVERIFIED: 1,
    }
    assert index.next_change == NOW + 3 * DAY  # c's credential starts counting then
    assert index.holders("x", 2) == 2
    assert index.holders("x", 3) == 1
    assert index.holders("nothing", 1) == 0


def test_index_refuses_unlisted_people_and_bad_levels() -> None:
    with pytest.raises(InvalidInput, match="not listed"):
        TalentIndex.build([ev("stranger")], as_of=NOW, people=[Person("a")])
    with pytest.raises(InvalidInput, match="listed twice"):
        TalentIndex.build([], as_of=NOW, people=[Person("a"), Person("a")])
    with pytest.raises(InvalidInput):
        TalentIndex.build([ev(level=12)], as_of=NOW)


def test_empty_index() -> None:
    index = TalentIndex.build([], as_of=NOW)
    assert index.size == 0
    assert index.entries == 0
    assert index.next_change is None


def test_applicants_are_not_organisation_supply() -> None:
    people = [Person("a"), Person("b", PersonKind.APPLICANT)]
    index = TalentIndex.build([ev("a"), ev("b")], as_of=NOW, people=people)
    assert index.holders("s", 1) == 1
    assert index.column("s")[0].tolist() == [0, 1]


_moments = st.one_of(
    st.none(), st.integers(-5, 5).map(lambda d: NOW + timedelta(days=d, hours=d % 3))
)
_rows = st.lists(
    st.builds(
        SkillEvidence,
        person_id=st.sampled_from(["p1", "p2", "p3"]),
        skill_id=st.sampled_from(["a", "b", "c"]),
        level=st.integers(1, 5),
        credential_id=st.sampled_from(["c1", "c2", "c3", "c4", "c5"]),
        valid_from=_moments,
        valid_until=_moments,
        status=st.sampled_from(["active", "active", "revoked", "suspended", "unverified"]),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(_rows)
def test_index_agrees_with_profiles_and_never_counts_invalid_rows(
    raw: list[SkillEvidence],
) -> None:
    rows = [r._replace(credential_id=f"c{i}") for i, r in enumerate(raw)]  # one row, one credential
    index = TalentIndex.build(rows, as_of=NOW)
    profiles = profiles_from_rows(rows)
    by_credential = {r.credential_id: r for r in rows}
    for pid, profile in profiles.items():
        effective = profile.effective(NOW)
        assert index.person_skills(pid) == effective
        for skill, best in effective.items():
            shown = by_credential[best.credential_id]
            assert shown.standing(NOW) is Standing.COUNTS
            assert (shown.person_id, shown.skill_id, shown.level) == (pid, skill, best.level)
            assert best.level == max(
                r.level
                for r in rows
                if (r.person_id, r.skill_id) == (pid, skill) and r.standing(NOW) is Standing.COUNTS
            )
    # dropping every expired, revoked, suspended or future row changes nothing
    valid = [r for r in rows if r.standing(NOW) is Standing.COUNTS]
    again = TalentIndex.build(valid, as_of=NOW, people=[Person(p) for p in profiles])
    for pid in profiles:
        assert again.person_skills(pid) == index.person_skills(pid)


def test_index_reads_naive_datetimes_as_utc() -> None:
    """SQLite hands back naive datetimes; they mean UTC."""
    aware = [ev("a", until=NOW + DAY), ev("b", until=NOW - DAY)]
    naive = [
        r._replace(
            valid_from=r.valid_from.replace(tzinfo=None),
            valid_until=r.valid_until.replace(tzinfo=None),
        )  # type: ignore[union-attr]
        for r in aware
    ]
    for rows in (aware, naive):
        index = TalentIndex.build(rows, as_of=NOW)
        assert index.person_levels("a") == {"s": 3}
        assert index.person_levels("b") == {}
        assert index.next_change == NOW + DAY
