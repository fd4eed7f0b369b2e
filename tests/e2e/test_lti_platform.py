"""LTI 1.3 end to end: the real microcred server on loopback, launched by PyPI's
``lti1p3platform`` 0.1.8 (an independent platform implementation, served on loopback by
``tests/integration/lti_platform.py``), which fetches the tool's JWKS from the server's URL.
A resource link launch signs the learner in and lands on the micro-credential; a forged and a
replayed launch are refused with an error page; deep linking places an activity the platform
validates; and the score of the decided submission reaches the platform from the server's own
job worker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from procs import Api, start_server
from tests.integration.lti_platform import CLIENT_ID, DEPLOYMENT, Platform, launch_form, serve

pytestmark = pytest.mark.e2e
HTML = {"Accept": "text/html"}


@dataclass
class World:
    api: Api
    base: str
    admin: dict[str, str]
    achievement: str
    lms: Platform


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp: Path = tmp_path_factory.mktemp("lti")
    server, base, _ = start_server(
        tmp, MICROCRED_ALLOW_INSECURE_HTTP="true", MICROCRED_FETCH_ALLOW_NETWORKS="127.0.0.1/32"
    )
    platforms = serve()
    lms = next(platforms)
    try:
        api = Api(base)
        admin = api.register("acme", "Acme Training")
        r = api.http.post(
            "/api/v1/achievements",
            json={"name": "Forklift safety", "description": "Drives.", "criteria": "Pass."},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        achievement = r.json()["id"]
        r = api.http.post(
            "/api/v1/lti/platforms",
            json={
                "name": "Course LMS",
                "issuer": lms.issuer,
                "client_id": CLIENT_ID,
                "deployment_ids": [DEPLOYMENT],
                "auth_login_url": f"{lms.url}/auth",
                "auth_token_url": f"{lms.url}/token",
                "jwks_url": f"{lms.url}/jwks",
                "just_in_time": True,
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        tool = r.json()["tool"]
        lms.connect(tool["login_url"], tool["launch_url"], tool["jwks_url"])  # fetched by URL
        yield World(api, base, admin, achievement, lms)
    finally:
        next(platforms, None)
        server.stop()


def _launch(browser: httpx.Client, lms: Platform, hint: str = "resource") -> httpx.Response:
    r = browser.get(lms.login_initiation(hint), follow_redirects=False)
    assert r.status_code == 302, r.text
    page = httpx.get(r.headers["location"], timeout=10)
    assert page.status_code == 200, page.text
    action, fields = launch_form(page.text)
    answer = browser.post(action, data=fields, headers=HTML)
    # the same launch again (its binding cookie was cleared; the state was used): refused
    again = browser.post(action, data=fields, headers=HTML)
    assert again.status_code == 401 and "The LTI launch did not work" in again.text
    return answer


def test_a_launch_signs_in_and_a_forged_one_is_refused(world: World) -> None:
    lms = world.lms
    lms.plan.custom = {"achievement_id": world.achievement}
    lms.plan.mode = "forged"
    with httpx.Client(timeout=30) as stranger:
        refused = _launch(stranger, lms)
    assert refused.status_code == 401 and "signature does not hold" in refused.text
    lms.plan.mode = "ok"
    with httpx.Client(timeout=30) as browser:
        done = _launch(browser, lms)
        assert done.status_code == 200, done.text
        assert f"/learn/{world.achievement}" in done.text
        page = browser.get(f"{world.base}/learn/{world.achievement}", headers=HTML)
        assert page.status_code == 200 and "Forklift safety" in page.text


def test_deep_linking_and_grade_passback_through_the_server(world: World) -> None:
    lms = world.lms
    lms.plan.deep_linking = True
    with httpx.Client(timeout=30) as teacher:
        picker = _launch(teacher, lms, "deep")
        assert picker.status_code == 200 and "Forklift safety" in picker.text
        action, fields = launch_form(picker.text)
        back = teacher.post(
            f"{world.base}{action}" if action.startswith("/") else action,
            data={**fields, "achievement_id": world.achievement},
        )
        assert back.status_code == 200, back.text
    return_url, answer = launch_form(back.text)
    placed = httpx.post(return_url, data=answer, timeout=10)
    assert placed.status_code == 200, placed.text
    (item,) = placed.json()["content_items"]
    assert item["custom"] == {"achievement_id": world.achievement}

    # a learner launches the placed activity, submits, a reviewer decides: the score arrives
    lms.plan.deep_linking = False
    lms.plan.custom = item["custom"]
    lms.plan.user_id, lms.plan.email = "lms-user-2", "sam@example.org"
    with httpx.Client(timeout=30) as learner:
        assert _launch(learner, lms).status_code == 200
        session = learner.cookies.get("mc_session")
    assert session
    r = world.api.http.post(
        "/api/v1/submissions",
        json={"achievement_id": world.achievement, "texts": ["I drove it safely."]},
        headers={"Authorization": f"Bearer {session}"},
    )
    assert r.status_code == 201, r.text
    submission = r.json()["id"]
    deadline = time.monotonic() + 30
    while True:  # the server's worker runs the review job first (no rubric: a person decides)
        r = world.api.http.post(
            f"/api/v1/review-queue/{submission}/decision",
            json={"passed": True, "feedback": "Safe."},
            headers=world.admin,
        )
        if r.status_code != 409 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert r.status_code == 200, r.text
    while not lms.scores and time.monotonic() < deadline:
        time.sleep(0.2)
    (score,) = lms.scores
    assert score["userId"] == "lms-user-2" and score["scoreGiven"] == 1.0
    assert score["gradingProgress"] == "FullyGraded"
