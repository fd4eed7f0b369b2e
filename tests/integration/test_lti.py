"""microcred as an LTI 1.3 tool, launched by a real platform on loopback (``lti1p3platform``;
see lti_platform.py), on SQLite and PostgreSQL: a resource link launch signs the learner in and
lands on the micro-credential; deep linking places an activity the platform validates; a decided
submission's score reaches the platform's line item through the job queue. Forged, mis-audienced,
expired and replayed launches, an unregistered deployment, a missing state, another browser and
a launch into another organisation are each refused with a clear error page, nothing half-done."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.conftest import FrozenClock
from tests.integration.lti_platform import (
    CLIENT_ID,
    DEPLOYMENT,
    Platform,
    decoded,
    launch_form,
    query_of,
    serve,
)
from tests.integration.sso_world import HTML, organisation, sso_settings

from microcred.bootstrap import Container, build
from microcred.domain.identity import Principal
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.identity.service import principal_of
from microcred.services.lti import PlatformSettings
from microcred.web.api.app import create_app

BASE = "https://issuer.test"


@pytest.fixture
def world(database_url: str) -> Iterator[tuple[Container, TestClient, FrozenClock]]:
    clock = FrozenClock(datetime.now(UTC))
    c = build(sso_settings(database_url), clock=clock)
    with TestClient(create_app(c), base_url=BASE, raise_server_exceptions=False) as client:
        yield c, client, clock
    c.close()


@pytest.fixture
def lms() -> Iterator[Platform]:
    yield from serve()


def register(c: Container, admin: Principal, lms: Platform, slug: str = "acme", **kw: Any) -> str:
    """Register the platform with the admin's organisation, and the tool with the platform."""
    values: dict[str, Any] = {
        "name": "Course LMS",
        "issuer": lms.issuer,
        "client_id": CLIENT_ID,
        "deployment_ids": [DEPLOYMENT],
        "auth_login_url": f"{lms.url}/auth",
        "auth_token_url": f"{lms.url}/token",
        "jwks_url": f"{lms.url}/jwks",
        "just_in_time": True,
    }
    saved = c.lti.registrations.save(admin, PlatformSettings(**(values | kw)))
    urls = c.lti.registrations.tool_urls(slug)
    lms.connect(urls.login, urls.launch, c.lti.keys.jwks(admin.organisation_id))
    return saved.id


def achievement(c: Container, admin: Principal, name: str = "Safe Lifting") -> str:
    data = AchievementInput(name=name, description=f"{name}, described.", criteria_narrative="Do.")
    return c.achievements.create(admin, data).id


def to_platform(web: TestClient, lms: Platform, hint: str = "resource") -> str:
    """The platform starts the login; microcred's redirect to the platform's auth endpoint."""
    initiation = lms.login_initiation(hint)
    path = initiation.removeprefix(BASE)
    r = web.get(path, follow_redirects=False)
    assert r.status_code == 302, r.text
    assert "mc_lti=" in r.headers["set-cookie"] and "httponly" in r.headers["set-cookie"].lower()
    return r.headers["location"]


def at_platform(url: str) -> tuple[str, dict[str, str]]:
    """The platform checks the auth request and answers with its launch form."""
    r = httpx.get(url, timeout=5)
    assert r.status_code == 200, r.text
    return launch_form(r.text)


def launch(web: TestClient, lms: Platform) -> tuple[httpx.Response, dict[str, str], str]:
    """The whole flow: microcred's answer to the launch, the form posted, and its action."""
    action, fields = at_platform(to_platform(web, lms))
    path = action.removeprefix(BASE)
    return web.post(path, data=fields, headers=HTML, follow_redirects=False), fields, path


def _counts(c: Container) -> dict[str, int]:
    tables = ("users", "api_tokens", "lti_identities", "lti_line_items")
    with c.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables
        }


def _refused(r: httpx.Response, words: str) -> None:
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:500])
    assert "The LTI launch did not work" in r.text and words in r.text, r.text[:2000]
    assert "Traceback" not in r.text and "mc_session=" not in r.headers.get("set-cookie", "")


def test_a_resource_link_launch_signs_in_just_in_time_and_lands_on_the_micro_credential(
    world: tuple[Container, TestClient, FrozenClock], lms: Platform
) -> None:
    c, client, _ = world
    admin = organisation(c)
    register(c, admin, lms)
    wanted = achievement(c, admin)
    lms.plan.custom = {"achievement_id": wanted}
    redirect = to_platform(client, lms)
    sent = query_of(redirect)
    assert redirect.startswith(f"{lms.url}/auth?")
    assert sent["response_type"] == "id_token" and sent["response_mode"] == "form_post"
    assert sent["scope"] == "openid" and sent["prompt"] == "none"
    assert sent["client_id"] == CLIENT_ID and sent["login_hint"] == "lms-user-1"
    assert sent["lti_message_hint"] == "resource" and sent["redirect_uri"].endswith("/launch")
    assert len(sent["state"]) >= 40 and len(sent["nonce"]) >= 40
    action, fields = at_platform(redirect)
    assert decoded(fields["id_token"])["nonce"] == sent["nonce"]
    done = client.post(action.removeprefix(BASE), data=fields, headers=HTML)
    assert done.status_code == 200, done.text
    assert f"/learn/{wanted}" in done.text and "Your microcred account was created" in done.text
    assert "samesite=strict" in done.headers["set-cookie"].lower()
    page = client.get(f"/learn/{wanted}", headers=HTML)
    assert page.status_code == 200 and "Safe Lifting" in page.text
    with c.uow() as uow:
        scope = uow.tenant(admin.organisation_id)
        user = scope.users.by_email("lea@example.org")
        assert user is not None and user.role.value == "learner"
        linked = scope.lti.identity(lms.issuer, "lms-user-1")
        assert linked is not None and linked.user_id == user.id
        (item,) = scope.lti.line_items_for(user.id, wanted)
    assert item.lineitem_url == f"{lms.url}/lineitems/item-1"
    # a second launch of the same person finds the link, creates nobody
    before = _counts(c)
    again, _, _ = launch(client, lms)
    assert again.status_code == 200 and _counts(c)["users"] == before["users"]


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("forged", "signature does not hold"),
        ("wrong_audience", "another application"),
        ("expired", "expired"),
        ("unknown_deployment", "is not registered for this platform"),
    ],
)
def test_bad_launches_are_refused_with_a_clear_page_and_nothing_stored(
    world: tuple[Container, TestClient, FrozenClock], lms: Platform, mode: str, words: str
) -> None:
    c, client, _ = world
    admin = organisation(c)
    register(c, admin, lms)
    lms.plan.mode = mode
    before = _counts(c)
    r, _, _ = launch(client, lms)
    _refused(r, words)
    assert _counts(c) == before


def test_a_replayed_launch_a_missing_state_and_another_browser_are_refused(
    world: tuple[Container, TestClient, FrozenClock], lms: Platform
) -> None:
    c, client, _ = world
    admin = organisation(c)
    register(c, admin, lms)
    first, fields, path = launch(client, lms)
    assert first.status_code == 200, first.text
    cookie = client.cookies.get("mc_lti")
    assert cookie is None  # the binding is cleared once used
    # the same id_token and state again (the nonce is single use with its state)
    replay = TestClient(client.app, base_url=BASE, raise_server_exceptions=False)
    to_platform(replay, lms)  # a binding of its own, for another login
    _refused(replay.post(path, data=fields, headers=HTML), "already used")
    # a fresh login whose launch comes back without its state
    action, fields2 = at_platform(to_platform(client, lms))
    _refused(client.post(path, data={"id_token": fields2["id_token"]}, headers=HTML), "no state")
    # the id_token of one login with the state of another: the nonce does not match
    action, fields3 = at_platform(to_platform(client, lms))
    mixed = {"state": fields3["state"], "id_token": fields2["id_token"]}
    _refused(client.post(path, data=mixed, headers=HTML), "nonce")
    # a launch posted from a browser that did not start the login
    action, fields4 = at_platform(to_platform(client, lms))
    stranger = TestClient(client.app, base_url=BASE, raise_server_exceptions=False)
    _refused(stranger.post(path, data=fields4, headers=HTML), "not started in this browser")


def test_a_registration_of_one_organisation_cannot_launch_into_another(
    world: tuple[Container, TestClient, FrozenClock], lms: Platform
) -> None:
    c, client, _ = world
    acme = organisation(c, "acme")
    organisation(c, "globex")
    register(c, acme, lms, "acme")
    # the platform's login initiation aimed at globex: globex has no such registration
    initiation = lms.login_initiation().removeprefix(BASE).replace("/lti/acme/", "/lti/globex/")
    _refused(client.get(initiation, headers=HTML), "not registered with this organisation")
    # a login started for acme, its launch posted to globex's launch URL
    action, fields = at_platform(to_platform(client, lms))
    r = client.post(
        action.removeprefix(BASE).replace("/lti/acme/", "/lti/globex/"), data=fields, headers=HTML
    )
    assert r.status_code in (400, 401), r.text
    assert "mc_session=" not in r.headers.get("set-cookie", "")
    # and acme's admin API never shows globex's platforms, nor globex's acme's
    with c.uow() as uow:
        globex = uow.organisations.by_slug("globex")
        assert globex is not None
        assert uow.tenant(globex.id).lti.platforms() == []


def test_deep_linking_places_an_activity_the_platform_validates_and_it_launches(
    world: tuple[Container, TestClient, FrozenClock], lms: Platform
) -> None:
    c, client, _ = world
    admin = organisation(c)
    register(c, admin, lms)
    wanted = achievement(c, admin, "Forklift Basics")
    lms.plan.deep_linking = True
    action, fields = at_platform(to_platform(client, lms, "deep"))
    claims = decoded(fields["id_token"])
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == (
        "LtiDeepLinkingRequest"
    )
    picker = client.post(action.removeprefix(BASE), data=fields, headers=HTML)
    assert picker.status_code == 200, picker.text
    assert "Forklift Basics" in picker.text and "mc_session=" not in str(picker.headers)
    assert "Place in the course" in picker.text
    context = launch_form(picker.text)[1]["context"]
    # a forged context or nothing chosen: refused
    bad = client.post("/lti/acme/deep-link", data={"context": "AAAA", "achievement_id": wanted})
    assert bad.status_code == 401 and "not valid any more" in bad.text
    none = client.post("/lti/acme/deep-link", data={"context": context})
    assert none.status_code == 422 and "Choose at least one" in none.text
    back = client.post(
        "/lti/acme/deep-link", data={"context": context, "achievement_id": wanted}, headers=HTML
    )
    assert back.status_code == 200, back.text
    assert f"form-action {lms.url}" in back.headers["content-security-policy"]
    return_url, answer = launch_form(back.text)
    assert return_url == f"{lms.url}/deep_link_return"
    claims = decoded(answer["JWT"])
    assert claims["iss"] == CLIENT_ID and claims["aud"] == lms.issuer
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == {"course": "course-1"}
    # the platform checks the response's signature against the tool's JWKS, and its type
    placed = httpx.post(return_url, data=answer, timeout=5)
    assert placed.status_code == 200, placed.text
    (item,) = placed.json()["content_items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == "Forklift Basics"
    assert item["custom"] == {"achievement_id": wanted}
    # a learner launches the placed link and lands on it
    lms.plan.deep_linking = False
    lms.plan.custom = item["custom"]
    learner = TestClient(client.app, base_url=BASE, raise_server_exceptions=False)
    done, _, _ = launch(learner, lms)
    assert done.status_code == 200 and f"/learn/{wanted}" in done.text


def test_a_decided_submission_posts_its_score_to_the_platform_line_item(
    world: tuple[Container, TestClient, FrozenClock], lms: Platform
) -> None:
    c, client, _ = world
    admin = organisation(c)
    register(c, admin, lms)
    wanted = achievement(c, admin)
    lms.plan.custom = {"achievement_id": wanted}
    done, _, _ = launch(client, lms)
    assert done.status_code == 200, done.text
    with c.uow() as uow:
        user = uow.tenant(admin.organisation_id).users.by_email("lea@example.org")
        assert user is not None
    submitted = c.learning.submit(principal_of(user), wanted, texts=["my work"])
    c.jobs.drain()  # the review job: no rubric, so a person decides
    assert lms.scores == []
    c.review.decide(admin, submitted.id, passed=True, feedback="Well done.")
    c.jobs.drain()
    (score,) = lms.scores
    assert score["line_item"] == "item-1" and score["userId"] == "lms-user-1"
    assert score["scoreGiven"] == 1.0 and score["scoreMaximum"] == 1.0
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert lms.token_requests == 1


def test_a_platform_that_fails_gets_the_score_retried(
    world: tuple[Container, TestClient, FrozenClock], lms: Platform
) -> None:
    c, client, clock = world
    admin = organisation(c)
    register(c, admin, lms)
    wanted = achievement(c, admin)
    lms.plan.custom = {"achievement_id": wanted}
    assert launch(client, lms)[0].status_code == 200
    with c.uow() as uow:
        user = uow.tenant(admin.organisation_id).users.by_email("lea@example.org")
        assert user is not None
    submitted = c.learning.submit(principal_of(user), wanted, texts=["my work"])
    c.jobs.drain()
    real = lms.registration.get_tool_key_set()
    lms.registration.set_tool_key_set({"keys": []})  # the platform cannot check the assertion
    c.review.decide(admin, submitted.id, passed=False, feedback="Not yet.")
    c.jobs.drain()
    assert lms.scores == [] and lms.token_requests == 1
    with c.uow() as uow:
        assert uow.jobs.pending("lti.score") == 1  # queued again, with backoff
    lms.registration.set_tool_key_set(real)  # type: ignore[arg-type]
    # the first retry is due 2 s after the failure; the platform refuses assertions issued in
    # its future, so the clock moves with real time
    time.sleep(2.2)
    clock.current = datetime.now(UTC)
    c.jobs.drain()
    (score,) = lms.scores
    assert score["scoreGiven"] == 0.0 and score["comment"] == "Not yet."


def test_login_initiation_bad_input_is_a_clear_error(
    world: tuple[Container, TestClient, FrozenClock], lms: Platform
) -> None:
    c, client, _ = world
    admin = organisation(c)
    register(c, admin, lms)
    good = query_of(lms.login_initiation())
    for drop in ("iss", "login_hint", "target_link_uri"):
        r = client.get("/lti/acme/login", params={k: v for k, v in good.items() if k != drop})
        assert r.status_code == 422 and drop in r.text, r.text
    hostile = good | {"target_link_uri": "https://evil.test/phish"}
    assert client.get("/lti/acme/login", params=hostile).status_code == 422
    long = good | {"login_hint": "x" * 5000}
    assert client.get("/lti/acme/login", params=long).status_code == 422
    other = good | {"lti_deployment_id": "nope"}
    assert client.get("/lti/acme/login", params=other).status_code == 401
    assert client.get("/lti/nobody/login", params=good).status_code == 404
    posted = client.post("/lti/acme/login", data=good, follow_redirects=False)
    assert posted.status_code == 302  # platforms may post the initiation too
    garbage = client.post("/lti/acme/launch", data={"state": "x", "id_token": "not.a.jwt"})
    assert garbage.status_code == 401
