"""Human audits of the code reviewer, on SQLite and PostgreSQL, with the real sandbox: sampled
clean runs go to a person, people's verdicts measure the tests, disagreement stops the tests
deciding alone, resubmitting cannot dodge an audit, and the API refuses bad settings."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.integration.test_api import _register
from tests.integration.web_forms import login_csrf

from microcred.bootstrap import Container
from microcred.domain.identity import Principal, Role
from microcred.domain.learning import SubmissionStatus
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.identity.service import principal_of
from microcred.services.learning.evidence import Upload
from microcred.web.api.app import create_app

TESTS = (
    b"from solution import fizz\n\ndef test_three():\n    assert fizz(3) == 'Fizz'\n\n"
    b"def test_other():\n    assert fizz(4) == '4'\n"
)
RIGHT = b"def fizz(n):\n    return 'Fizz' if n % 3 == 0 else str(n)\n"
WRONG = b"def fizz(n):\n    return str(n)\n"
CRITERIA = [{"criterion_id": "works", "patterns": ["test_*"], "max_points": 2}]


def _zip(body: bytes) -> Upload:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("solution.py", body)
    return Upload("s.zip", buf.getvalue())


class Course:
    def __init__(self, c: Container) -> None:
        self.c = c
        _, admin = c.identity.create_organisation(
            slug="dev",
            name="Dev School",
            admin_email="admin@dev.test",
            admin_password="a long enough password",
        )
        self.admin = principal_of(admin)

        def user(name: str, role: Role) -> Principal:
            return principal_of(
                c.identity.add_user(
                    self.admin,
                    email=f"{name}@dev.test",
                    name=name,
                    role=role,
                    password="a long enough password",
                )
            )

        self.learners = [user("lea", Role.LEARNER), user("leo", Role.LEARNER)]
        self.reviewer = user("rob", Role.REVIEWER)
        self.badge = c.achievements.create(
            self.admin,
            AchievementInput(
                name="FizzBuzz", description="Writes FizzBuzz.", criteria_narrative="Tests pass."
            ),
        ).id
        for learner in self.learners:
            c.learning.enrol(learner, achievement_id=self.badge)

    def tests(self, share: float, tests: bytes = TESTS) -> None:
        self.c.code.set(
            self.admin,
            self.badge,
            Upload("test_solution.py", tests),
            CRITERIA,
            audit_share=share,
        )

    def submit(self, who: int, body: bytes):  # type: ignore[no-untyped-def]
        sub = self.c.learning.submit(self.learners[who], self.badge, code=[_zip(body)])
        self.c.jobs.drain()
        return self.c.learning.submission(self.learners[who], sub.id)

    def agreement(self) -> dict:  # type: ignore[type-arg]
        return self.c.code.get(self.admin, self.badge)["agreement"]


@pytest.fixture
def course(container: Container) -> Course:
    return Course(container)


def test_sampled_clean_runs_go_to_a_person_whose_verdict_measures_the_tests(course) -> None:
    c = course.c
    course.tests(share=1.0)
    sampled = course.submit(0, RIGHT)
    assert sampled.status is SubmissionStatus.IN_HUMAN_REVIEW
    assert sampled.review.audit is True and sampled.review.verdict.passed is True
    assert "audit" in sampled.review.route and sampled.review.verdict.measured_agreement is None
    # the person finds the work wanting although the tests pass: a false pass
    failed = c.review.decide(course.reviewer, sampled.id, passed=False, feedback="Hard-coded.")
    assert failed.status is SubmissionStatus.NOT_YET
    first = course.agreement()
    assert (first["audits"], first["false_passes"], first["exact"]) == (1, 1, 0.0)
    assert first["suspended"] is False  # one audit is not enough to judge the tests

    wrong = course.submit(1, WRONG)  # the tests fail it, and so does the person
    assert wrong.review.audit is True and wrong.review.verdict.passed is False
    c.review.decide(course.reviewer, wrong.id, passed=False)
    assert (course.agreement()["audits"], course.agreement()["both_fail"]) == (2, 1)

    course.tests(share=0.0)  # the same tests: the audits stand
    decided = course.submit(1, RIGHT)
    assert decided.status is SubmissionStatus.PASSED, decided.review
    assert decided.decision.decided_by == "ai"
    assert decided.decision.verdict.measured_agreement.audits == 2
    assert decided.decision.verdict.measured_agreement.false_passes == 1
    credential = c.credentials.get(course.admin, decided.credential_id)
    assert c.verification.verify(credential.document).verified


def test_withdrawing_a_sampled_submission_does_not_dodge_the_audit(course) -> None:
    c = course.c
    course.tests(share=1.0)
    first = course.submit(0, RIGHT)
    assert first.review.audit is True
    course.tests(share=0.0)
    again = course.submit(0, RIGHT)  # withdraws the first, which no person has decided
    assert c.learning.submission(course.learners[0], first.id).status is (
        SubmissionStatus.SUPERSEDED
    )
    assert again.status is SubmissionStatus.IN_HUMAN_REVIEW and again.review.audit is True
    c.review.decide(course.reviewer, again.id, passed=True)
    assert course.agreement()["both_pass"] == 1
    other = course.submit(1, RIGHT)  # nobody else is affected
    assert other.status is SubmissionStatus.PASSED


def test_disagreeing_audits_stop_the_tests_until_the_instructor_replaces_them(course) -> None:
    c = course.c
    course.tests(share=0.0)
    with c.uow() as uow:  # nine audits agreed, one found a false pass: 90 % < 95 %
        rubrics = uow.tenant(course.admin.organisation_id).rubrics
        blob = rubrics.code_assignment(course.badge).tests_blob
        for _ in range(9):
            rubrics.record_code_audit(course.badge, blob, True, True)
        rubrics.record_code_audit(course.badge, blob, True, False)
        uow.commit()
    view = c.code.get(course.admin, course.badge)
    assert view["agreement"]["suspended"] is True and view["tests_decide_alone"] is False
    held = course.submit(0, RIGHT)
    assert held.status is SubmissionStatus.IN_HUMAN_REVIEW and held.review.audit is False
    assert "1 of 10 audits" in held.review.route
    c.review.decide(course.reviewer, held.id, passed=True)  # counted, though not sampled
    assert course.agreement()["audits"] == 11 and course.agreement()["suspended"] is True

    course.tests(share=0.0, tests=TESTS + b"\ndef test_nine():\n    assert fizz(9) == 'Fizz'\n")
    assert course.agreement()["audits"] == 0
    assert c.code.get(course.admin, course.badge)["tests_decide_alone"] is True
    assert course.submit(1, RIGHT).status is SubmissionStatus.PASSED


def test_a_verdict_given_after_the_tests_changed_is_not_counted(course) -> None:
    course.tests(share=1.0)
    sampled = course.submit(0, RIGHT)
    course.tests(share=1.0, tests=TESTS + b"\n")
    course.c.review.decide(course.reviewer, sampled.id, passed=True)
    assert course.agreement()["audits"] == 0


def test_verdicts_on_unclean_runs_are_not_audits(course) -> None:
    course.tests(share=1.0)
    broken = course.submit(0, b"def fizz(n)\n    return n\n")  # a syntax error: not clean
    assert broken.status is SubmissionStatus.IN_HUMAN_REVIEW and broken.review.audit is False
    course.c.review.decide(course.reviewer, broken.id, passed=False)
    assert course.agreement()["audits"] == 0


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


def test_the_api_sets_and_shows_audits_and_refuses_bad_settings(client: TestClient) -> None:
    auth, other = _register(client, "acme"), _register(client, "umbrella")
    r = client.post(
        "/api/v1/achievements",
        json={"name": "FizzBuzz", "description": "Writes FizzBuzz.", "criteria": "Tests pass."},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    url = f"/api/v1/achievements/{r.json()['id']}/code-assignment"
    assert client.get(url, headers=auth).status_code == 404  # none yet

    def put(share: str | None) -> object:
        data = {"criteria": json.dumps(CRITERIA)} | (
            {} if share is None else {"audit_share": share}
        )
        return client.put(
            url, headers=auth, data=data, files={"tests": ("test_solution.py", TESTS)}
        )

    for bad in ("abc", "1.5", "-0.1", "nan", "inf"):
        refused = put(bad)
        assert refused.status_code == 422, (bad, refused.text)  # type: ignore[attr-defined]
        assert "audit_share" in refused.text  # type: ignore[attr-defined]
    assert client.get(url, headers=auth).status_code == 404  # nothing stored half-way
    made = put(None)
    assert made.status_code == 200, made.text  # type: ignore[attr-defined]
    body = made.json()  # type: ignore[attr-defined]
    assert body["audit_share"] == 0.05 and body["agreement"]["audits"] == 0
    assert body["tests_decide_alone"] is True
    assert put("0.25").json()["audit_share"] == 0.25  # type: ignore[attr-defined]
    shown = client.get(url, headers=auth).json()
    assert shown["audit_share"] == 0.25 and "disagreement_upper_95" in shown["agreement"]
    assert client.get(url, headers=other).status_code == 404  # another organisation's


def test_instructors_see_the_audits_on_their_page(course, container: Container) -> None:
    course.tests(share=1.0)
    sampled = course.submit(0, RIGHT)
    course.c.review.decide(course.reviewer, sampled.id, passed=True)
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as web:
        r = web.post(
            "/login",
            data={
                "organisation": "dev",
                "email": "admin@dev.test",
                "password": "a long enough password",
                "csrf": login_csrf(web),
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        page = web.get("/instructor")
    assert page.status_code == 200, page.text
    table = page.text.split('id="code-audits"', 1)[1].split("</table>", 1)[0]
    row = table.split(f'data-achievement="{course.badge}"', 1)[1].split("</tr>", 1)[0]
    cells = [c.split("</td>", 1)[0] for c in row.split("<td")[1:]]
    cells = [c.split(">", 1)[1].strip() for c in cells]
    # one audit, agreed: 0 of 1 rules out only disagreement rates above 1 - 0.05 = 95 %
    assert cells == ["FizzBuzz", "100%", "1", "100%", "0", "0", "95%", "yes"]


def test_the_audit_columns_are_exactly_the_migrated_schema(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from microcred.adapters.db import migrate
    from microcred.adapters.db.tables import Base

    migrate.upgrade(database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diffs if "code_assignments" in repr(d)] == []
    finally:
        engine.dispose()


def test_an_auditor_reads_the_code_and_the_tests_verdict_escaped(course, container) -> None:
    course.tests(share=1.0)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("solution.py", RIGHT + b"# </pre><script>alert(1)</script>\n")
        z.writestr("data.bin", bytes(range(256)))
        z.writestr("notes.txt", "x" * 50_000)
    sub = course.c.learning.submit(
        course.learners[0], course.badge, code=[Upload("s.zip", buf.getvalue())]
    )
    course.c.jobs.drain()
    item = course.c.review.item(course.reviewer, sub.id)
    assert item.tests_verdict.verdict.passed is True and item.tests_verdict.verdict.points == 2
    files = {f.path: f for f in item.source}
    assert files["data.bin"].note == "binary, 256 bytes" and not files["data.bin"].text
    assert files["notes.txt"].note == "first 40,000 of 50,000 characters"
    assert "<script>" in files["solution.py"].text
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as web:
        web.post(
            "/login",
            data={
                "organisation": "dev",
                "email": "rob@dev.test",
                "password": "a long enough password",
                "csrf": login_csrf(web),
            },
        )
        page = web.get(f"/review/{sub.id}")
        token = web.post(
            "/api/v1/auth/token",
            json={
                "organisation": "dev",
                "email": "rob@dev.test",
                "password": "a long enough password",
            },
        ).json()["token"]
        api = web.get(
            f"/api/v1/review-queue/{sub.id}", headers={"Authorization": f"Bearer {token}"}
        ).json()
    assert api["tests_verdict"]["passed"] is True
    assert {f["path"] for f in api["source"]} == {"solution.py", "data.bin", "notes.txt"}
    assert page.status_code == 200
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text
    verdict = page.text.split('id="tests-verdict"', 1)[1].split("</section>", 1)[0]
    assert "Passed" in verdict and "2.0 of 2.0 points" in verdict and "an audit" in verdict
    why = page.text.split('id="why">', 1)[1].split("</p>", 1)[0]
    assert "Sampled for a human audit" in why  # why a person sees it
