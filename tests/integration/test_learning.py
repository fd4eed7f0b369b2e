"""Learning end to end on SQLite and PostgreSQL: a learner enrols in a pathway and submits to two
micro-credentials; one passes by AI decision (its rubric has measured trust), the other goes to
the human queue and a reviewer passes it; both credentials and then the pathway credential are
issued and verify."""

from __future__ import annotations

import random

import pytest

from microcred.bootstrap import Container
from microcred.domain.identity import Role
from microcred.domain.learning import SubmissionStatus
from microcred.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, PermissionDenied
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.identity.service import principal_of
from microcred.services.learning.evidence import Upload

GOOD = [
    "The timeline shows the outage began at 09:12 when the deploy rolled out; the root cause "
    "was a missing database index; action items: add the index, add a load test, alert on "
    "latency.",
    "Root cause: an expired TLS certificate. Timeline from first alert to "
    "recovery is listed. Action items with owners: automate renewal, add expiry alerts.",
    "We reconstructed the timeline minute by minute, found the root cause in a config push "
    "without review, and wrote action items: two-person review, canary deploys, rollback "
    "drill.",
]
OK = [
    "Something broke after a deploy. We rolled back. We should test more next time.",
    "The service was down for an hour because of a bad config. We fixed it.",
    "There was an incident with the database and it was slow; it got better later.",
]
BAD = [
    "I like pizza and the weather is nice today.",
    "No idea.",
    "lol",
    "The quick brown fox jumps over the lazy dog.",
]
RUBRIC = {
    "title": "Incident write-up",
    "task": "Write a blameless post-incident review.",
    "human_agreement": 0.8,
    "pass_points": 2,
    "criteria": [
        {
            "id": "review",
            "description": "Timeline, root cause, action items",
            "levels": [
                {"name": "missing", "points": 0},
                {"name": "partial", "points": 1},
                {"name": "complete", "points": 2},
            ],
            "references": [GOOD[0]],
        }
    ],
}


def _graded(n: int) -> list[dict]:
    rng = random.Random(7)
    items = []
    for i in range(n):
        level = i % 3
        pool = (BAD, OK, GOOD)[level]
        text = rng.choice(pool)
        if level == 2:
            text += f" Incident {i}: the root cause analysis and timeline are attached."
        items.append({"text": text, "points": {"review": float(level)}})
    return items


@pytest.fixture
def school(container: Container):
    c = container
    org, admin_user = c.identity.create_organisation(
        slug="sre",
        name="SRE School",
        admin_email="admin@sre.test",
        admin_password="a long enough password",
    )
    admin = principal_of(admin_user)
    learner = principal_of(
        c.identity.add_user(
            admin, email="lea@sre.test", name="Lea", role=Role.LEARNER, password="learner password!"
        )
    )
    reviewer = principal_of(
        c.identity.add_user(
            admin,
            email="rob@sre.test",
            name="Rob",
            role=Role.REVIEWER,
            password="reviewer password",
        )
    )
    a1 = c.achievements.create(
        admin,
        AchievementInput(
            name="Incident write-up",
            description="Writes blameless reviews.",
            criteria_narrative="A review the rubric grades complete.",
        ),
    ).id
    a2 = c.achievements.create(
        admin,
        AchievementInput(
            name="Runbook", description="Writes runbooks.", criteria_narrative="A usable runbook."
        ),
    ).id
    whole = c.achievements.create(
        admin,
        AchievementInput(
            name="SRE Foundations",
            description="The foundations pathway.",
            criteria_narrative="Earn both parts.",
            achievement_type="LearningProgram",
        ),
    ).id
    c.rubrics.set_rubric(admin, a1, RUBRIC)
    c.rubrics.set_rubric(admin, a2, RUBRIC | {"title": "Runbook"})
    pathway = c.learning.create_pathway(
        admin,
        name="SRE Foundations",
        description="",
        kind="pathway",
        achievement_id=whole,
        requirement={"all_of": [{"earn": a1}, {"earn": a2}]},
        prerequisites={a2: [a1]},
    )
    return c, admin, learner, reviewer, a1, a2, whole, pathway


def test_pathway_with_ai_and_human_decisions(school) -> None:
    c, admin, learner, reviewer, a1, a2, whole, pathway = school
    c.rubrics.import_graded(admin, a1, _graded(90))
    trust = c.rubrics.trust(admin, a1)
    assert trust["graded_answers"] == 90 and trust["agreement"]["n"] == 90
    assert trust["ai_decides_alone"], trust
    shown = trust["agreement"]  # the rule's figures, as the instructor page shows them
    assert shown["auto_qwk_lower"] <= shown["auto_qwk"]
    assert shown["auto_qwk_lower"] >= shown["auto_human_qwk"] == trust["required_qwk"]
    assert "one grader per answer" in shown["auto_basis"] in trust["routing_reason"]
    assert c.rubrics.trust(admin, a2)["ai_decides_alone"] is False

    c.learning.enrol(learner, pathway_id=pathway.id)
    with pytest.raises(Conflict, match="prerequisite"):
        c.learning.submit(learner, a2, texts=["A runbook."])
    first = c.learning.submit(learner, a1, texts=[GOOD[1] + " Timeline and root cause attached."])
    assert c.learning.submission(learner, first.id).status is SubmissionStatus.SUBMITTED
    c.jobs.drain()
    decided = c.learning.submission(learner, first.id)
    assert decided.status is SubmissionStatus.PASSED, decided.review
    assert decided.decision.decided_by == "ai" and decided.credential_id
    progress = c.learning.progress(learner)[0]
    assert progress.percent == 50 and progress.unlocked == (a2,)

    second = c.learning.submit(
        learner,
        a2,
        texts=[
            "Steps: check the dashboard, restart the worker, page the on-call if errors persist."
        ],
    )
    c.jobs.drain()
    assert c.learning.submission(learner, second.id).status is SubmissionStatus.IN_HUMAN_REVIEW
    queue = c.review.queue(reviewer)
    assert [s.id for s in queue] == [second.id]
    item = c.review.item(reviewer, second.id)
    assert item.rubric["criteria"][0]["id"] == "review" and item.suggestion is not None
    with pytest.raises(PermissionDenied):
        c.review.decide(learner, second.id, points={"review": 2.0})
    with pytest.raises(InvalidInput):
        c.review.decide(reviewer, second.id, points={"review": 1.5})
    done = c.review.decide(reviewer, second.id, points={"review": 2.0}, feedback="Clear steps.")
    assert done.status is SubmissionStatus.PASSED and done.decision.decided_by == "human"
    with pytest.raises(Conflict):
        c.review.decide(reviewer, second.id, accept_ai=True)

    credentials = c.credentials.list(admin)
    by_achievement = {x.achievement_id: x for x in credentials}
    assert set(by_achievement) == {a1, a2, whole}
    for credential in credentials:
        assert c.verification.verify(credential.document).verified
    evidence = by_achievement[a1].document["evidence"][0]["description"]
    assert "by the AI" in evidence and "Measured agreement" in evidence
    assert "by a human reviewer" in by_achievement[a2].document["evidence"][0]["description"]
    parts = {e["id"] for e in by_achievement[whole].document["evidence"]}
    assert parts == {by_achievement[a1].credential_url, by_achievement[a2].credential_url}
    assert c.learning.progress(learner)[0].completed


def test_resubmission_keeps_versions_and_bad_uploads_store_nothing(school) -> None:
    c, admin, learner, reviewer, a1, a2, whole, pathway = school
    c.learning.enrol(learner, achievement_id=a1)
    v1 = c.learning.submit(learner, a1, texts=["lol"])
    v2 = c.learning.submit(learner, a1, texts=[GOOD[0]])
    mine = c.learning.my_submissions(learner)
    assert [(s.version, s.status) for s in mine] == [
        (1, SubmissionStatus.SUPERSEDED),
        (2, SubmissionStatus.SUBMITTED),
    ]
    assert v1.id != v2.id
    import io
    import zipfile

    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../../etc/passwd", "root::0:0")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.txt", b"0" * 50_000_000)
    for upload, kind, error in [
        (Upload("x.exe", b"MZ\x90\x00" + bytes(100)), "file", InvalidInput),
        (Upload("evil.zip", evil.getvalue()), "code", InvalidInput),
        (Upload("bomb.zip", bomb.getvalue()), "code", PayloadTooLarge),
        (Upload("huge.txt", b"a" * 10_000_001), "file", PayloadTooLarge),
        (Upload("empty.txt", b""), "file", InvalidInput),
    ]:
        with pytest.raises(error):
            c.learning.submit(learner, a1, **{"files" if kind == "file" else "code": [upload]})
    assert len(c.learning.my_submissions(learner)) == 2
    ok = c.learning.submit(
        learner,
        a1,
        files=[Upload("notes.md", b"# Notes\nroot cause...")],
        links=["https://example.org/postmortem"],
    )
    part = next(p for p in ok.parts if p.blob)
    assert c.learning.evidence_file(learner, ok.id, part.blob)[1].startswith(b"# Notes")
    with pytest.raises(NotFound):
        c.learning.submission(reviewer, "nope")


def test_other_organisations_see_nothing(school, container: Container) -> None:
    c, admin, learner, reviewer, a1, a2, whole, pathway = school
    c.learning.enrol(learner, achievement_id=a1)
    sub = c.learning.submit(learner, a1, texts=["lol"])
    _, other_admin = c.identity.create_organisation(
        slug="other",
        name="Other",
        admin_email="admin@other.test",
        admin_password="a long enough password",
    )
    other = principal_of(other_admin)
    with pytest.raises(NotFound):
        c.learning.submission(other, sub.id)
    with pytest.raises(NotFound):
        c.review.item(other, sub.id)
    with pytest.raises(NotFound):
        c.rubrics.trust(other, a1)
    with pytest.raises(NotFound):
        c.learning.enrol(other, pathway_id=pathway.id)
    assert c.review.queue(other) == [] and c.learning.pathways(other) == []


def test_code_is_reviewed_by_the_instructors_tests_in_the_sandbox(school) -> None:
    import io
    import zipfile

    c, admin, learner, reviewer, a1, a2, whole, pathway = school
    code_badge = c.achievements.create(
        admin,
        AchievementInput(
            name="FizzBuzz", description="Writes a FizzBuzz.", criteria_narrative="Tests pass."
        ),
    ).id
    tests = (
        b"from solution import fizz\n\ndef test_three():\n    assert fizz(3) == 'Fizz'\n\n"
        b"def test_other():\n    assert fizz(4) == '4'\n"
    )
    c.code.set(
        admin,
        code_badge,
        Upload("test_solution.py", tests),
        [{"criterion_id": "works", "patterns": ["test_*"], "max_points": 2}],
        audit_share=0.0,  # no sampled audits here: test_code_audits covers them
    )
    c.learning.enrol(learner, achievement_id=code_badge)

    def archive(body: bytes) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("solution.py", body)
        return buf.getvalue()

    wrong = c.learning.submit(
        learner, code_badge, code=[Upload("s.zip", archive(b"def fizz(n):\n    return str(n)\n"))]
    )
    c.jobs.drain()
    first = c.learning.submission(learner, wrong.id)
    assert first.status is SubmissionStatus.NOT_YET, first.review
    assert "test_three" in (first.feedback or "")
    right = c.learning.submit(
        learner,
        code_badge,
        code=[
            Upload("s.zip", archive(b"def fizz(n):\n    return 'Fizz' if n % 3 == 0 else str(n)\n"))
        ],
    )
    c.jobs.drain()
    second = c.learning.submission(learner, right.id)
    assert second.status is SubmissionStatus.PASSED, second.review
    issued = c.credentials.get(admin, second.credential_id)
    assert "instructor's tests" in issued.document["evidence"][0]["description"]
    assert c.verification.verify(issued.document).verified


def test_an_llm_grades_new_rubrics_but_never_decides_alone(school) -> None:
    """The LLM endpoint is a local stand-in (no model server runs here): see test_llm_reviewer."""
    import json as _json

    from tests.integration.test_llm_reviewer import FakeChat

    from microcred.adapters.ai.llm import LLMReviewer, LLMSettings

    c, admin, learner, reviewer, a1, a2, whole, pathway = school
    import threading
    from http.server import ThreadingHTTPServer

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeChat)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        FakeChat.replies.clear()
        FakeChat.replies.append(
            (
                200,
                _json.dumps(
                    {
                        "criteria": [
                            {"id": "review", "points": 2, "feedback": "Timeline and causes named."}
                        ],
                        "confidence": 0.97,
                    }
                ),
            )
        )
        llm = LLMReviewer(LLMSettings(f"http://127.0.0.1:{httpd.server_address[1]}/v1", "judge"))
        c.rubrics._zero_shot = llm  # as bootstrap does when MICROCRED_LLM_* are set
        c.learning.enrol(learner, achievement_id=a1)
        sub = c.learning.submit(learner, a1, texts=[GOOD[2]])
        c.jobs.drain()
        queued = c.learning.submission(learner, sub.id)
        assert queued.status is SubmissionStatus.IN_HUMAN_REVIEW  # confident, but unmeasured
        assert queued.review.review.reviewer == "llm/judge" and queued.review.review.points == 2
        done = c.review.decide(reviewer, sub.id, accept_ai=True)
        assert done.decision.decided_by == "ai_accepted_by_human"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_constraint_failing_mid_transaction_is_a_conflict_not_a_crash(school) -> None:
    from datetime import UTC, datetime

    from microcred.domain.learning import Enrolment

    c, admin, learner, reviewer, a1, a2, whole, pathway = school
    with pytest.raises(Conflict), c.uow() as uow:
        uow.tenant(admin.organisation_id).enrolments.add(
            Enrolment("e1", admin.organisation_id, "no-such-user", None, a1, datetime.now(UTC))
        )
