"""Single sign-on through a real OpenID Connect provider on loopback (authlib's server; see
oidc_provider.py), on SQLite and PostgreSQL: the authorization code flow with PKCE, ``state``
and ``nonce``; people linked by verified e-mail, created just in time, roles mapped; and every
bad answer (forged or mis-audienced ID tokens, wrong issuer or nonce, expired, ``alg: none``,
HS256, unknown ``kid``, wrong or missing state, another browser, a replayed callback, a wrong
PKCE verifier, a provider error) is a clear error page with nothing half-done."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.conftest import FrozenClock
from tests.integration.oidc_provider import Provider, serve
from tests.integration.sso_world import (
    HTML,
    at_provider,
    binding,
    browser,
    organisation,
    query_of,
    rebind,
    register,
    sign_in,
    sso_settings,
    to_provider,
)

from microcred.bootstrap import Container, build
from microcred.domain.identity import Role
from microcred.services.identity import code_challenge
from microcred.web.api.app import create_app


@pytest.fixture
def world(database_url: str) -> Iterator[tuple[Container, TestClient, FrozenClock]]:
    clock = FrozenClock(datetime.now(UTC))
    c = build(sso_settings(database_url), clock=clock)
    with TestClient(create_app(c), raise_server_exceptions=False) as client:
        yield c, client, clock
    c.close()


@pytest.fixture
def idp() -> Iterator[Provider]:
    yield from serve()


def _counts(c: Container) -> dict[str, int]:
    with c.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("users", "api_tokens", "sso_identities", "security_events")
        }


def _person(idp: Provider, email: str, **claims: object) -> None:
    idp.user = {"sub": f"sub-{email}", "email": email, "email_verified": True, **claims}


def test_an_admin_signs_in_with_pkce_state_and_nonce_and_is_linked(
    world: tuple[Container, TestClient, FrozenClock], idp: Provider
) -> None:
    c, client, _ = world
    admin = organisation(c)
    register(c, admin, idp)
    _person(idp, "admin@acme.test", name="Ada Admin")
    web = browser(c, client)
    login = web.get("/login?organisation=acme", headers=HTML)
    assert 'id="sso-button"' in login.text and "Sign in with Acme IdP" in login.text
    done, _ = sign_in(web)
    assert done.status_code == 200, done.text
    assert "mc_session=" in done.headers["set-cookie"]
    assert "samesite=strict" in done.headers["set-cookie"].lower()
    learn = web.get("/learn", headers=HTML)
    assert learn.status_code == 200 and "admin@acme.test" in learn.text
    (sent,) = idp.authorize_requests
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert sent["scope"] == "openid email profile" and sent["nonce"] and sent["state"]
    assert idp.token_errors == []  # the provider checked the verifier against the challenge
    with c.uow() as uow:
        (linked,) = uow.tenant(admin.organisation_id).sso.identities()
        pending = uow.tenant(admin.organisation_id).sso.take_pending("x" * 64, c.clock.now())
    assert linked.subject == "sub-admin@acme.test" and linked.user_id == admin.user_id
    assert pending is None
    # the next sign-in finds the person by subject, even when the e-mail changed at the IdP
    _person(idp, "renamed@acme.test")
    idp.user["sub"] = "sub-admin@acme.test"
    again, _ = sign_in(browser(c, client))
    assert again.status_code == 200, again.text


def test_just_in_time_accounts_get_the_mapped_role_or_the_default(
    world: tuple[Container, TestClient, FrozenClock], idp: Provider
) -> None:
    c, client, _ = world
    admin = organisation(c)
    register(
        c,
        admin,
        idp,
        just_in_time=True,
        role_claim="groups",
        role_map={"trainers": "reviewer", "hr": "employer_viewer"},
        default_role="learner",
    )
    _person(idp, "rita@acme.test", name="Rita", groups=["staff", "trainers"])
    done, _ = sign_in(browser(c, client))
    assert done.status_code == 200 and "Your account was created" in done.text
    _person(idp, "lee@acme.test", groups="nothing-mapped")
    assert sign_in(browser(c, client))[0].status_code == 200
    users = {u.email: u for u in c.identity.list_users(admin)}
    assert users["rita@acme.test"].role is Role.REVIEWER and users["rita@acme.test"].name == "Rita"
    assert users["lee@acme.test"].role is Role.LEARNER
    assert users["rita@acme.test"].password_hash is None  # no password: SSO only
    # a later sign-in applies the provider's current groups
    _person(idp, "lee@acme.test", groups=["hr"])
    assert sign_in(browser(c, client))[0].status_code == 200
    lee = next(u for u in c.identity.list_users(admin) if u.email == "lee@acme.test")
    assert lee.role is Role.EMPLOYER_VIEWER
    kinds = [e.kind for e in c.accounts.security_events(admin)]
    assert "sso_account_created" in kinds and "sso_role_changed" in kinds


def test_without_just_in_time_an_unknown_person_is_refused_and_nothing_is_created(
    world: tuple[Container, TestClient, FrozenClock], idp: Provider
) -> None:
    c, client, _ = world
    admin = organisation(c)
    register(c, admin, idp)
    before = _counts(c)
    _person(idp, "stranger@acme.test")
    done, _ = sign_in(browser(c, client))
    assert done.status_code == 401
    assert "stranger@acme.test has no account in this organisation" in done.text
    assert 'data-error="401"' in done.text and "Traceback" not in done.text
    assert _counts(c) == before
    # an e-mail the provider does not vouch for links nobody (account takeover)
    idp.user = {"sub": "x", "email": "admin@acme.test", "email_verified": False}
    done, _ = sign_in(browser(c, client))
    assert done.status_code == 401 and "email_verified" in done.text
    assert _counts(c) == before


HOSTILE = {
    "wrong_audience": "issued to another application",
    "wrong_issuer": "was issued by &#39;https://evil.example&#39;",
    "expired": "The ID token has expired",
    "wrong_nonce": "does not belong to this sign-in (its nonce)",
    "alg_none": "signed with &#39;none&#39;, which is not accepted",
    "hs256": "signed with &#39;HS256&#39;, which is not accepted",
    "unknown_kid": "signed with a key the provider does not publish",
    "forged": "signature does not hold",
}


@pytest.mark.parametrize("mode", sorted(HOSTILE))
def test_a_bad_id_token_is_a_clear_error_page_and_signs_nobody_in(
    world: tuple[Container, TestClient, FrozenClock], idp: Provider, mode: str
) -> None:
    c, client, _ = world
    admin = organisation(c)
    register(c, admin, idp, just_in_time=True)
    _person(idp, "admin@acme.test")
    idp.mode = mode
    before = _counts(c)
    web = browser(c, client)
    authorize = to_provider(web)
    cookie = binding(web)
    callback = at_provider(authorize)
    done = web.get(callback, headers=HTML)
    assert done.status_code == 401, (mode, done.text[:300])
    assert HOSTILE[mode] in done.text, (mode, done.text)
    assert "mc_session" not in done.headers.get("set-cookie", "")
    assert "Traceback" not in done.text and 'class="site-header"' in done.text
    assert web.get("/learn", headers=HTML, follow_redirects=False).status_code == 303
    assert _counts(c) == before  # no user, token, link or event
    # the state was used up: the same answer cannot be tried again once the provider behaves
    idp.mode = "ok"
    rebind(web, cookie)
    assert "already used" in web.get(callback, headers=HTML).text


def test_a_replayed_callback_is_refused(
    world: tuple[Container, TestClient, FrozenClock], idp: Provider
) -> None:
    c, client, _ = world
    register(c, organisation(c), idp)
    _person(idp, "admin@acme.test")
    web = browser(c, client)
    authorize = to_provider(web)
    cookie = binding(web)
    callback = at_provider(authorize)
    assert web.get(callback, headers=HTML).status_code == 200
    assert "mc_sso" not in {x.name for x in web.cookies.jar}  # the binding is cleared
    before = _counts(c)
    rebind(web, cookie)  # replayed with the binding cookie put back, as an attacker would
    replay = web.get(callback, headers=HTML)
    assert replay.status_code == 401 and "unknown or was already used" in replay.text
    assert idp.token_requests == 1  # the code was never sent again
    assert _counts(c) == before


def test_wrong_missing_or_foreign_state_and_another_browser_are_refused(
    world: tuple[Container, TestClient, FrozenClock], idp: Provider
) -> None:
    c, client, _ = world
    register(c, organisation(c), idp)
    _person(idp, "admin@acme.test")
    web = browser(c, client)
    callback = at_provider(to_provider(web))
    cookie = binding(web)
    code = query_of(callback)["code"]
    cases = {
        f"/login/sso/callback?code={code}": "carries no sign-in state",
        f"/login/sso/callback?code={code}&state=forged": "unknown or was already used",
        f"/login/sso/callback?code={code}&state={'x' * 500}": "carries no sign-in state",
        "/login/sso/callback?state=%00%ff&code=": "unknown or was already used",
    }
    for url, message in cases.items():
        rebind(web, cookie)
        r = web.get(url, headers=HTML)
        assert r.status_code == 401 and message in r.text, (url, r.text[:300])
    # the real answer, delivered to a browser that did not start this sign-in
    other = browser(c, client)
    r = other.get(callback, headers=HTML)
    assert r.status_code == 401 and "not started in this browser" in r.text
    for garbage in ("garbage-without-a-dot", "\x00.x", "'; DROP TABLE users; --.x", "a" * 300):
        rebind(other, garbage)
        r = other.get(callback, headers=HTML)
        assert r.status_code == 401 and "not started in this browser" in r.text, garbage
    # a browser that started its own sign-in, handed the first browser's answer
    third = browser(c, client)
    to_provider(third)
    r = third.get(callback, headers=HTML)
    assert r.status_code == 401 and "started in another browser" in r.text
    # that refusal used the state up: the first browser cannot use it any more either
    rebind(web, cookie)
    assert "already used" in web.get(callback, headers=HTML).text
    assert idp.token_requests == 0


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(
    world: tuple[Container, TestClient, FrozenClock], idp: Provider
) -> None:
    c, client, _ = world
    register(c, organisation(c), idp)
    _person(idp, "admin@acme.test")
    web = browser(c, client)
    authorize = to_provider(web)
    with c.engine.begin() as conn:  # an attacker holding the code but not the verifier
        conn.execute(text("UPDATE sso_pending SET code_verifier = :v"), {"v": "y" * 86})
    assert query_of(authorize)["code_challenge"] != code_challenge("y" * 86)
    r = web.get(at_provider(authorize), headers=HTML)
    assert r.status_code == 401 and "The provider refused the sign-in (invalid_grant)" in r.text
    assert any("Code challenge failed" in e for e in idp.token_errors)


def test_a_slow_sign_in_and_a_provider_error_are_refused(
    world: tuple[Container, TestClient, FrozenClock], idp: Provider
) -> None:
    c, client, clock = world
    register(c, organisation(c), idp)
    _person(idp, "admin@acme.test")
    web = browser(c, client)
    callback = at_provider(to_provider(web))
    clock.advance(minutes=11)
    r = web.get(callback, headers=HTML)
    assert r.status_code == 401 and "took too long" in r.text
    clock.advance(minutes=-11)
    state = query_of(to_provider(web))["state"]
    r = web.get(f"/login/sso/callback?error=access_denied&state={state}", headers=HTML)
    assert r.status_code == 401 and "did not sign you in (access_denied)" in r.text
    assert idp.token_requests == 0


def test_unknown_organisations_and_switched_off_sso_have_no_button(
    world: tuple[Container, TestClient, FrozenClock], idp: Provider
) -> None:
    c, client, _ = world
    admin = organisation(c)
    web = browser(c, client)
    for slug in ("acme", "nobody", "x" * 100, "%00"):
        r = web.get(f"/login/sso?organisation={slug}", headers=HTML)
        assert r.status_code == 404 and "no single sign-on" in r.text, slug
        assert 'id="sso-button"' not in web.get(f"/login?organisation={slug}").text
    register(c, admin, idp, enabled=False)
    assert web.get("/login/sso?organisation=acme", headers=HTML).status_code == 404
    assert 'id="sso-button"' not in web.get("/login?organisation=acme").text


def test_one_organisations_sign_in_state_is_not_another_organisations(
    world: tuple[Container, TestClient, FrozenClock], idp: Provider
) -> None:
    c, client, _ = world
    register(c, organisation(c, "acme"), idp)
    other = organisation(c, "globex")
    register(c, other, idp, client_id="microcred-globex", display_name="Globex IdP")
    _person(idp, "admin@acme.test")
    web = browser(c, client)
    callback = at_provider(to_provider(web, "acme"))
    cookie = web.cookies.get("mc_sso", domain="testserver.local", path="/login/sso")
    assert cookie is not None
    _, _, binding = cookie.partition(".")
    web.cookies.set(
        "mc_sso", f"{other.organisation_id}.{binding}", domain="testserver.local", path="/login/sso"
    )
    r = web.get(callback, headers=HTML)
    assert r.status_code == 401 and "unknown or was already used" in r.text
