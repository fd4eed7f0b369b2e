"""Sign-in throttling, login CSRF, token ownership and lifecycle, deactivation and passwords
(issue 13, findings 4, 6, 7 and 11), over the real API on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from tests.conftest import FrozenClock
from tests.integration.web_forms import login_csrf

from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.errors import TooManyAttempts, Unauthenticated
from microcred.web.api.app import create_app

PASSWORD = "a long enough password"
WRONG = "not the password at all"


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as c:
        yield c


def _register(client: TestClient, slug: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/organisations",
        json={
            "slug": slug,
            "name": slug.upper(),
            "admin_email": f"admin@{slug}.test",
            "admin_password": PASSWORD,
        },
    )
    assert r.status_code == 201, r.text
    return _bearer(_sign_in(client, slug, f"admin@{slug}.test"))


def _sign_in(client: TestClient, slug: str, email: str, password: str = PASSWORD) -> httpx.Response:
    return client.post(
        "/api/v1/auth/token", json={"organisation": slug, "email": email, "password": password}
    )


def _bearer(r: httpx.Response) -> dict[str, str]:
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _add_user(client: TestClient, admin: dict[str, str], email: str, role: str = "learner") -> str:
    r = client.post(
        "/api/v1/users",
        json={
            "email": email,
            "name": email.split("@", maxsplit=1)[0],
            "role": role,
            "password": PASSWORD,
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


# finding 4: throttling ---------------------------------------------------------------------


def test_fifty_wrong_passwords_then_the_right_one_is_refused_through_the_api(
    client: TestClient, clock: FrozenClock
) -> None:
    admin = _register(client, "acme")
    lea = _add_user(client, admin, "lea@acme.test")
    codes = [_sign_in(client, "acme", "lea@acme.test", WRONG).status_code for _ in range(50)]
    assert codes[:6] == [401] * 6 and set(codes[6:]) == {429}, codes
    right = _sign_in(client, "acme", "lea@acme.test")
    assert right.status_code == 429
    assert right.json()["error"] == "too_many_attempts"
    assert int(right.headers["Retry-After"]) >= 1

    events = client.get("/api/v1/security-events", headers=admin)
    assert events.status_code == 200, events.text
    kinds = {(e["kind"], e["user_id"]) for e in events.json()}
    assert ("sign_in_throttled", lea) in kinds
    learner = _bearer(_sign_in_after_wait(client, clock))
    assert client.get("/api/v1/security-events", headers=learner).status_code == 403


def _sign_in_after_wait(client: TestClient, clock: FrozenClock) -> httpx.Response:
    clock.advance(minutes=16)  # past the longest delay (15 min): the right password works
    return _sign_in(client, "acme", "lea@acme.test")


def test_spraying_many_accounts_from_one_client_is_throttled_per_client(
    client: TestClient,
) -> None:
    admin = _register(client, "acme")
    codes = [_sign_in(client, "acme", f"user{i}@acme.test", WRONG).status_code for i in range(25)]
    assert codes[:21] == [401] * 21 and set(codes[21:]) == {429}, codes
    refused = _sign_in(client, "acme", "admin@acme.test")  # the right password, same client
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    kinds = [e["kind"] for e in client.get("/api/v1/security-events", headers=admin).json()]
    assert kinds.count("client_throttled") == 1


def test_a_success_resets_the_account_counter(client: TestClient) -> None:
    admin = _register(client, "acme")
    _add_user(client, admin, "lea@acme.test")
    for _ in range(3):
        for _ in range(5):
            assert _sign_in(client, "acme", "lea@acme.test", WRONG).status_code == 401
        assert _sign_in(client, "acme", "lea@acme.test").status_code == 201


def test_fifty_wrong_passwords_then_the_right_one_is_refused_through_the_form(
    client: TestClient,
) -> None:
    _register(client, "acme")
    csrf = login_csrf(client)
    form = {"organisation": "acme", "email": "admin@acme.test", "csrf": csrf}
    codes = [
        client.post("/login", data={**form, "password": WRONG}, follow_redirects=False)
        for _ in range(50)
    ]
    assert {r.status_code for r in codes[6:]} == {429}
    right = client.post("/login", data={**form, "password": PASSWORD}, follow_redirects=False)
    assert right.status_code == 429
    assert "Too many failed attempts" in right.text
    assert int(right.headers["Retry-After"]) >= 1
    assert "mc_session" not in right.cookies


def _serve(container: Container) -> Iterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_parallel_password_guessers_do_not_block_healthz(settings: Settings) -> None:
    # throttling off (huge allowances) so every guess really runs argon2
    generous = settings.model_copy(
        update={"signin_account_free_failures": 10**6, "signin_client_free_failures": 10**6}
    )
    container = build(generous)
    try:
        container.identity.create_organisation(
            slug="acme", name="Acme", admin_email="admin@acme.test", admin_password=PASSWORD
        )
        server = _serve(container)
        base = next(server)
        stop = threading.Event()

        def guess(form: bool) -> None:
            with httpx.Client(base_url=base, timeout=30) as web:
                csrf = ""
                if form:
                    csrf = login_csrf(web)
                while not stop.is_set():
                    body = {"organisation": "acme", "email": "admin@acme.test", "password": WRONG}
                    if form:
                        web.post("/login", data={**body, "csrf": csrf})
                    else:
                        web.post("/api/v1/auth/token", json=body)

        guessers = [threading.Thread(target=guess, args=(i % 2 == 0,)) for i in range(4)]
        for t in guessers:
            t.start()
        time.sleep(0.5)
        timings = []
        with httpx.Client(base_url=base, timeout=30) as web:
            for _ in range(30):
                start = time.perf_counter()
                assert web.get("/healthz").status_code == 200
                timings.append(time.perf_counter() - start)
                time.sleep(0.05)
        stop.set()
        for t in guessers:
            t.join(timeout=30)
        next(server, None)
    finally:
        container.close()
    assert statistics.median(timings) < 0.1, timings


# finding 7: login CSRF ---------------------------------------------------------------------


def test_a_cross_site_sign_in_without_the_form_token_is_refused(client: TestClient) -> None:
    _register(client, "acme")
    good = {"organisation": "acme", "email": "admin@acme.test", "password": PASSWORD}
    forged = client.post("/login", data=good, follow_redirects=False)  # no token, no cookie
    assert forged.status_code == 401 and "mc_session" not in forged.cookies
    assert "did not come from this site" in forged.text

    csrf = login_csrf(client)
    with TestClient(
        client.app, base_url="https://testserver", raise_server_exceptions=False
    ) as stranger:  # a token from another browser does not match this browser's cookie
        stranger.get("/login")
        other = stranger.post("/login", data={**good, "csrf": csrf}, follow_redirects=False)
        assert other.status_code == 401 and "mc_session" not in other.cookies

    ok = client.post("/login", data={**good, "csrf": csrf}, follow_redirects=False)
    assert ok.status_code == 303 and "mc_session" in ok.cookies


# finding 6: who may revoke a token ---------------------------------------------------------


def test_only_the_owner_or_an_admin_of_the_organisation_revokes_a_token(
    client: TestClient,
) -> None:
    admin = _register(client, "acme")
    made = client.post("/api/v1/tokens", json={"name": "ops"}, headers=admin).json()
    admin_token, ops = made["id"], {"Authorization": f"Bearer {made['token']}"}
    _add_user(client, admin, "lea@acme.test")
    learner = _bearer(_sign_in(client, "acme", "lea@acme.test"))
    other_admin = _register(client, "beta")

    assert client.delete(f"/api/v1/tokens/{admin_token}", headers=learner).status_code == 403
    assert client.delete(f"/api/v1/tokens/{admin_token}", headers=other_admin).status_code == 404
    assert client.get("/api/v1/organisations/me", headers=ops).status_code == 200

    script = client.post("/api/v1/tokens", json={"name": "lea"}, headers=learner).json()
    assert client.delete(f"/api/v1/tokens/{script['id']}", headers=admin).status_code == 204
    bearer = {"Authorization": f"Bearer {script['token']}"}
    assert client.get("/api/v1/organisations/me", headers=bearer).status_code == 401
    assert client.delete(f"/api/v1/tokens/{admin_token}", headers=admin).status_code == 204
    assert client.get("/api/v1/organisations/me", headers=ops).status_code == 401


# finding 11: token lifecycle, deactivation, passwords -------------------------------------


def test_api_tokens_expire_by_default_and_never_beyond_the_maximum(
    client: TestClient, clock: FrozenClock
) -> None:
    admin = _register(client, "acme")
    r = client.post("/api/v1/tokens", json={"name": "ci"}, headers=admin)
    assert r.status_code == 201, r.text
    made = r.json()
    expires = made["expires_at"]
    assert expires is not None
    assert expires.startswith((clock.now() + timedelta(days=90)).date().isoformat())
    too_long = client.post(
        "/api/v1/tokens", json={"name": "forever", "expires_in_days": 3650}, headers=admin
    )
    assert too_long.status_code == 422 and "at most 365 days" in too_long.json()["message"]
    ci = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/v1/organisations/me", headers=ci).status_code == 200
    clock.advance(days=91)
    assert client.get("/api/v1/organisations/me", headers=ci).status_code == 401


def test_tokens_are_listed_to_their_owner_and_the_organisations_admins_only(
    client: TestClient,
) -> None:
    admin = _register(client, "acme")
    _add_user(client, admin, "lea@acme.test")
    learner = _bearer(_sign_in(client, "acme", "lea@acme.test"))
    client.post("/api/v1/tokens", json={"name": "lea-script"}, headers=learner)
    other_admin = _register(client, "beta")

    mine = client.get("/api/v1/tokens", headers=learner).json()
    assert {t["name"] for t in mine} == {"sign-in", "lea-script"}
    assert all(t["token"] is None for t in mine)  # values are shown only at creation
    everyone = client.get("/api/v1/tokens", headers=admin).json()
    assert {t["name"] for t in everyone} == {"sign-in", "lea-script"} and len(everyone) == 3
    beta = client.get("/api/v1/tokens", headers=other_admin).json()
    assert len(beta) == 1 and not {t["id"] for t in beta} & {t["id"] for t in everyone}


def test_sign_out_revokes_the_session_token(client: TestClient) -> None:
    admin = _register(client, "acme")
    assert client.post("/api/v1/auth/logout", headers=admin).status_code == 204
    assert client.get("/api/v1/organisations/me", headers=admin).status_code == 401


def test_deactivating_a_user_revokes_their_tokens_and_blocks_sign_in(
    client: TestClient,
) -> None:
    admin = _register(client, "acme")
    lea = _add_user(client, admin, "lea@acme.test")
    learner = _bearer(_sign_in(client, "acme", "lea@acme.test"))
    script = client.post("/api/v1/tokens", json={"name": "s"}, headers=learner).json()["token"]
    other_admin = _register(client, "beta")

    assert client.post(f"/api/v1/users/{lea}/deactivate", headers=learner).status_code == 403
    assert client.post(f"/api/v1/users/{lea}/deactivate", headers=other_admin).status_code == 404
    assert client.get("/api/v1/organisations/me", headers=learner).status_code == 200

    r = client.post(f"/api/v1/users/{lea}/deactivate", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    tokens = client.get("/api/v1/tokens", headers=admin).json()
    assert all(t["revoked"] for t in tokens if t["user_id"] == lea)
    assert client.get("/api/v1/organisations/me", headers=learner).status_code == 401
    bearer = {"Authorization": f"Bearer {script}"}
    assert client.get("/api/v1/organisations/me", headers=bearer).status_code == 401
    assert _sign_in(client, "acme", "lea@acme.test").status_code == 401
    kinds = [e["kind"] for e in client.get("/api/v1/security-events", headers=admin).json()]
    assert "user_deactivated" in kinds

    assert client.post(f"/api/v1/users/{lea}/activate", headers=admin).status_code == 200
    assert _sign_in(client, "acme", "lea@acme.test").status_code == 201
    assert client.get("/api/v1/organisations/me", headers=bearer).status_code == 401


def test_a_user_changes_their_password_with_the_current_one(client: TestClient) -> None:
    admin = _register(client, "acme")
    _add_user(client, admin, "lea@acme.test")
    first = _bearer(_sign_in(client, "acme", "lea@acme.test"))
    second = _bearer(_sign_in(client, "acme", "lea@acme.test"))
    new = "an entirely new passphrase"
    wrong = client.post(
        "/api/v1/users/me/password",
        json={"current_password": WRONG, "new_password": new},
        headers=first,
    )
    assert wrong.status_code == 401
    ok = client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": new},
        headers=first,
    )
    assert ok.status_code == 204, ok.text
    assert client.get("/api/v1/organisations/me", headers=first).status_code == 200
    assert client.get("/api/v1/organisations/me", headers=second).status_code == 401
    assert _sign_in(client, "acme", "lea@acme.test").status_code == 401
    assert _sign_in(client, "acme", "lea@acme.test", new).status_code == 201


def test_an_admin_resets_a_password_of_their_organisation_only(client: TestClient) -> None:
    admin = _register(client, "acme")
    lea = _add_user(client, admin, "lea@acme.test")
    learner = _bearer(_sign_in(client, "acme", "lea@acme.test"))
    other_admin = _register(client, "beta")
    url = f"/api/v1/users/{lea}/password"
    assert client.post(url, json={}, headers=other_admin).status_code == 404
    assert client.post(url, json={}, headers=learner).status_code == 403

    r = client.post(url, json={}, headers=admin)
    assert r.status_code == 200, r.text
    generated = r.json()["password"]
    assert isinstance(generated, str) and len(generated) >= 20
    assert client.get("/api/v1/organisations/me", headers=learner).status_code == 401
    assert _sign_in(client, "acme", "lea@acme.test").status_code == 401
    assert _sign_in(client, "acme", "lea@acme.test", generated).status_code == 201
    chosen = client.post(url, json={"password": "chosen by the admin"}, headers=admin)
    assert chosen.status_code == 200 and chosen.json()["password"] is None
    assert _sign_in(client, "acme", "lea@acme.test", "chosen by the admin").status_code == 201


def test_the_throttle_holds_across_processes_and_parallel_attempts(
    settings: Settings, clock: FrozenClock
) -> None:
    # two containers = two engines and connection pools, as two web processes have
    first, second = build(settings, clock=clock), build(settings, clock=clock)
    try:
        first.identity.create_organisation(
            slug="acme", name="Acme", admin_email="admin@acme.test", admin_password=PASSWORD
        )
        outcomes: list[str] = []
        lock = threading.Lock()

        def guess(c: Container) -> None:
            try:
                c.identity.sign_in("acme", "admin@acme.test", WRONG, "192.0.2.7")
                result = "signed in"
            except TooManyAttempts:
                result = "throttled"
            except Unauthenticated:
                result = "wrong"
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=guess, args=(c,)) for c in [first, second] * 8]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        # 5 free failures and the one that starts the delay, no matter which process or order
        assert sorted(outcomes) == ["throttled"] * 10 + ["wrong"] * 6, outcomes
        with pytest.raises(TooManyAttempts):
            second.identity.sign_in("acme", "admin@acme.test", PASSWORD, "198.51.100.1")
    finally:
        first.close()
        second.close()
