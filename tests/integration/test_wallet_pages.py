"""The holder's "Add to wallet" panel on their credential's page (real SQLite and PostgreSQL):
shown to the holder only and only while the credential can be sent; each button is a POST with
the page's CSRF token that answers a single-use link, its SVG QR code and, for OpenID4VCI, the
transaction code; a forged, revoked or someone else's request makes nothing."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

from fastapi.testclient import TestClient
from tests.integration.web_forms import signed_in

from microcred.bootstrap import Container
from microcred.domain.credential import Recipient, StatusAction
from microcred.domain.identity import Principal, Role
from microcred.services.credentials import AchievementInput, IssueRequest
from microcred.services.identity.service import principal_of
from microcred.web.api.app import create_app

PASSWORD = "a long enough password"
HTML = {"Accept": "text/html"}


def _world(c: Container) -> tuple[Principal, str]:
    _, admin = c.identity.create_organisation(
        slug="acme", name="Acme", admin_email="admin@acme.test", admin_password=PASSWORD
    )
    p = principal_of(admin)
    c.identity.add_user(p, email="lea@acme.test", name="Lea", password=PASSWORD, role=Role.LEARNER)
    aid = c.achievements.create(
        p, AchievementInput(name="Safety", description="Safe.", criteria_narrative="Pass.")
    ).id
    issued = c.issuance.issue(p, IssueRequest(aid, Recipient(email="lea@acme.test")))
    return p, issued.id


def _open_exchanges(c: Container, org: str, credential_id: str) -> int:
    with c.uow() as uow:
        return uow.tenant(org).wallet_exchanges.open_for(credential_id, c.clock.now())


def test_the_holder_gets_a_dcc_link_and_an_oid4vci_offer(container: Container) -> None:
    admin, cid = _world(container)
    app = create_app(container)
    web, csrf = signed_in(app, "acme", "lea@acme.test", PASSWORD)
    page = web.get(f"/credentials/{cid}", headers=HTML)
    assert page.status_code == 200
    assert 'id="wallet-panel"' in page.text
    assert f'action="/learn/credentials/{cid}/dcc-wallet"' in page.text

    r = web.post(f"/learn/credentials/{cid}/dcc-wallet", data={"csrf": csrf})
    assert r.status_code == 200, r.text[:500]
    assert r.headers["cache-control"] == "no-store"
    assert 'id="dcc-qr" src="data:image/svg+xml' in r.text
    assert re.search(r'alt="QR code of the link[^"]+"', r.text)
    link = re.search(r'id="dcc-link" href="([^"]+)"', r.text)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    assert href.startswith("https://lcw.app/request.html?request=")
    request = unquote(parse_qs(urlsplit(href).query)["request"][0])
    assert '"vcapi":"https://' in request and "/api/v1/exchanges/" in request
    assert 'href="dccrequest://request?request=' in r.text
    assert 'id="oid4vci-tx-code"' not in r.text
    assert _open_exchanges(container, admin.organisation_id, cid) == 1

    r = web.post(f"/learn/credentials/{cid}/oid4vci", data={"csrf": csrf})
    assert r.status_code == 200, r.text[:500]
    assert 'id="oid4vci-qr" src="data:image/svg+xml' in r.text
    assert "openid-credential-offer://?credential_offer_uri=" in r.text
    assert re.search(r'id="oid4vci-tx-code" class="mono">\d{6}<', r.text)


def test_forged_foreign_and_unsendable_requests_make_nothing(container: Container) -> None:
    admin, cid = _world(container)
    org = admin.organisation_id
    app = create_app(container)
    web, csrf = signed_in(app, "acme", "lea@acme.test", PASSWORD)
    assert web.post(f"/learn/credentials/{cid}/dcc-wallet", data={"csrf": "x"}).status_code == 403
    assert web.post(f"/learn/credentials/{cid}/dcc-wallet", data={}).status_code == 403
    assert web.get(f"/learn/credentials/{cid}/dcc-wallet").status_code == 405
    assert _open_exchanges(container, org, cid) == 0
    # staff see the page but not the holder's panel, and cannot take someone else's credential
    staff, staff_csrf = signed_in(app, "acme", "admin@acme.test", PASSWORD)
    assert 'id="wallet-panel"' not in staff.get(f"/credentials/{cid}", headers=HTML).text
    r = staff.post(f"/learn/credentials/{cid}/dcc-wallet", data={"csrf": staff_csrf}, headers=HTML)
    assert r.status_code == 404 and "<html" in r.text.lower()
    # a stranger sees no panel and no token
    anonymous = TestClient(app, base_url="https://testserver")
    assert 'id="wallet-panel"' not in anonymous.get(f"/credentials/{cid}", headers=HTML).text
    # five open links at most; then a clear refusal
    for _ in range(5):
        assert web.post(f"/learn/credentials/{cid}/dcc-wallet", data={"csrf": csrf}).is_success
    r = web.post(f"/learn/credentials/{cid}/dcc-wallet", data={"csrf": csrf})
    assert r.status_code == 409 and "open wallet links" in r.text
    # a revoked credential: no panel, and neither button works
    container.credentials.change_status(admin, cid, StatusAction.REVOKE, "oops")
    assert 'id="wallet-panel"' not in web.get(f"/credentials/{cid}", headers=HTML).text
    for path in ("dcc-wallet", "oid4vci"):
        r = web.post(f"/learn/credentials/{cid}/{path}", data={"csrf": csrf}, headers=HTML)
        assert r.status_code == 422 and "revoked" in r.text, (path, r.status_code)
        assert "<html" in r.text.lower()
    assert _open_exchanges(container, org, cid) == 5
