"""No page shows another organisation's data. Every GET route outside the API is walked from the
app's router; its path parameters are filled with the OTHER organisation's ids (and, for routes
with several, one foreign id beside one's own), and each role of organisation A asks for it as a
browser: the answer is a 403 or 404 page in the site's layout, never a 500, and carries none of
B's names, e-mails or ids. Pages without parameters never show B's data either. Public pages
(a credential, an organisation and its micro-credentials, the log) may show B's public part, but
never people or their work. A new route whose parameters this test cannot fill fails it.
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.integration.page_world import (
    HTML,
    ROLES,
    PageRoute,
    World,
    build_world,
    database,
    page_routes,
    state_changing_forms,
)

from microcred.bootstrap import Container
from microcred.web.api.app import create_app

#: routes public by design (credentials travel; organisations publish what they award; the log
#: and status lists hold no personal data; the rest are about no organisation)
PUBLIC = {
    "/",
    "/login",
    "/login/sso",  # single sign-on's start and callback: about the sign-in in progress only
    "/login/sso/callback",
    # LTI 1.3: the platform's login initiation (about the login in progress only; an unknown
    # platform is refused) and the tool's public keys
    "/lti/{slug}/login",
    "/lti/{slug}/jwks",
    "/healthz",
    "/openapi.json",
    "/docs",
    "/redoc",
    "/credentials/{credential_id}",
    "/credentials/{credential_id}.json",
    "/credentials/{credential_id}.jwt",
    "/credentials/{credential_id}/badge.{ext}",
    "/credentials/{credential_id}/certificate.pdf",
    "/credentials/{credential_id}/tlog-proof",
    "/orgs/{slug}",
    "/orgs/{slug}/did.json",
    "/orgs/{slug}/achievements/{achievement_id}",
    "/status/{list_id}",
    "/log/checkpoint",
    "/log/policy",
    "/log/tile/{path:path}",
    # e-mail links: the token in the address is the key (docs/email.md)
    "/claim/{token}",
    "/mail/unsubscribe/{token}",
    # OpenID4VCI: public protocol endpoints (an offer by reference needs its secret code)
    "/.well-known/openid-credential-issuer/orgs/{slug}/oid4vci",
    "/.well-known/oauth-authorization-server/orgs/{slug}/oid4vci",
    "/orgs/{slug}/oid4vci/offers/{code}",
}


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as c:
        yield c


def _leaks(body: str, other: World, allowed: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """What of ``other``'s private data ``body`` shows (``allowed``: the ids put in the URL)."""
    return [what for what, value in other.secrets.items() if value in body and value not in allowed]


def _refused(r: httpx.Response, what: str) -> None:
    """A 403 or 404 page in the site's layout."""
    status, text = r.status_code, r.text
    assert status in (403, 404), (what, status, text[:500])
    assert "text/html" in r.headers["content-type"], what
    assert f'data-error="{status}"' in text and 'class="site-header"' in text, what
    assert "Traceback" not in text


def _variants(route: PageRoute, own: World, other: World) -> list[tuple[str, set[str]]]:
    """The route's addresses with the other organisation's ids: all of them foreign, and (with
    several parameters) each one foreign beside one's own; with the foreign ids put in."""
    params = route.params
    variants = [(route.fill(other.values), {other.values[p] for p in params})]
    if len(params) > 1:
        for foreign in params:
            mixed = {p: (other if p == foreign else own).values[p] for p in params}
            variants.append((route.fill(mixed), {other.values[foreign]}))
    return variants


def test_no_page_shows_another_organisations_data(container: Container, client: TestClient) -> None:
    a = build_world(container, client, "acme")
    b = build_world(container, client, "beta")
    routes = [r for r in page_routes(client.app) if "GET" in r.methods]
    unknown = {(r.path, p) for r in routes for p in r.params if p not in a.values}
    assert not unknown, f"new page routes with parameters this test cannot fill: {unknown}"
    private = [r for r in routes if r.path not in PUBLIC]
    assert len(private) >= 25, [r.path for r in private]  # the walk found the pages
    gone = PUBLIC - {r.path for r in routes}
    assert not gone, f"public routes listed here that no longer exist: {gone}"

    # A's own pages work for A (so a refusal below is about B, not a broken page)
    admin = a.browsers["admin"][0]
    for route in private:
        if route.params and not route.path.startswith("/learn/"):
            r = admin.get(route.fill(a.values), headers=HTML)
            assert r.status_code == 200, (route.path, r.status_code, r.text[:300])

    seen = ""  # what A's people read on the pages without parameters
    for who in ROLES:
        web, _ = a.browsers[who]
        for route in private:
            if not route.params:
                r = web.get(route.path, headers=HTML, follow_redirects=False)
                assert r.status_code in (200, 403), (who, route.path, r.status_code)
                assert _leaks(r.text, b) == [], (who, route.path, _leaks(r.text, b))
                seen += r.text
                continue
            for url, foreign in _variants(route, a, b):
                r = web.get(url, headers=HTML, follow_redirects=False)
                _refused(r, f"{who} {url}")
                assert _leaks(r.text, b, foreign) == [], (who, url, _leaks(r.text, b, foreign))

    # the same pages do show A's own data, so the leak check above reads real pages
    shown = {k for k, v in a.secrets.items() if v in seen}
    for what in ("learner's e-mail", "achievement name", "pathway name", "role name", "team"):
        assert what in shown, (what, sorted(shown))

    # the learner's own submission status is theirs only: not another learner's of A either
    learner = a.browsers["learner"][0]
    assert learner.get(f"/learn/submissions/{a.submission}/status").status_code == 200
    r = a.browsers["viewer"][0].get(f"/learn/submissions/{a.submission}/status", headers=HTML)
    assert r.status_code in (403, 404)


def test_public_pages_show_only_the_public_part(container: Container, client: TestClient) -> None:
    a = build_world(container, client, "acme")
    b = build_world(container, client, "beta")
    routes = {r.path: r for r in page_routes(client.app) if "GET" in r.methods}
    browsers = [a.browsers[who][0] for who in ROLES] + [client]  # and a stranger
    for path in sorted(PUBLIC):
        url = routes[path].fill(b.values)
        for web in browsers:
            for headers in (HTML, {"Accept": "application/json"}):
                r = web.get(url, headers=headers, follow_redirects=False)
                assert r.status_code < 500, (url, r.status_code)
                found = [k for k, v in b.personal.items() if v in r.text]
                assert found == [], (url, found)
    # B's public pages are B's: the public part shows (so the checks above saw real pages)
    r = client.get(f"/orgs/{b.slug}", headers=HTML)
    assert r.status_code == 200 and "Beta Secret Skill" in r.text
    r = client.get(f"/credentials/{b.credential}", headers=HTML)
    assert r.status_code == 200 and "Beta Secret Skill" in r.text
    # ... and never under A's name: B's micro-credential is not at A's address
    r = client.get(f"/orgs/{a.slug}/achievements/{b.achievement}", headers=HTML)
    _refused(r, "B's micro-credential under A's slug")
    assert _leaks(r.text, b, {b.achievement}) == []


def test_no_form_changes_another_organisations_data(
    container: Container, client: TestClient
) -> None:
    """Each state-changing form, posted by A's people with their own valid CSRF token but with
    B's ids (in the address, or in the body where the form takes ids), is refused and changes
    nothing anywhere."""
    a = build_world(container, client, "acme")
    b = build_world(container, client, "beta")
    routes = {r.path: r for r in page_routes(client.app)}
    theirs = set(b.values.values()) | {b.pathway, b.capstone}
    before = database(container)
    tried = 0
    for path, (who, body) in sorted(state_changing_forms(b).items()):
        route = routes[path]
        if not route.params and not theirs & set(body.values()):
            continue  # no id of B's in it: nothing of B's it could reach
        web, csrf = a.browsers[who]
        url = route.fill(b.values)
        r = web.post(url, data={**body, "csrf": csrf}, headers=HTML, follow_redirects=False)
        assert r.status_code in (403, 404, 422), (who, url, r.status_code, r.text[:300])
        assert "Traceback" not in r.text
        assert _leaks(r.text, b, theirs) == [], (who, url, _leaks(r.text, b, theirs))
        tried += 1
    assert tried >= 9, tried
    assert database(container) == before, "a form with another organisation's ids changed data"
