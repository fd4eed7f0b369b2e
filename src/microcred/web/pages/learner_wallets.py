"""The holder's "Add to wallet" panel on their credential's page: a POST (with the page's CSRF
token) makes a single-use, expiring link for the DCC Learner Credential Wallet (its request
deep link to a VC-API exchange) or for an OpenID4VCI wallet (a credential offer by reference),
and the answer shows the link, an SVG QR code of it for the phone and, for OpenID4VCI, the
transaction code to type."""

from __future__ import annotations

import segno
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.web.pages.common import container, page_context
from microcred.web.pages.routes import templates
from microcred.web.pages.session import check_csrf, current

router = APIRouter(include_in_schema=False)

MAX_FIELDS = 5


def qr_svg(link: str) -> str:
    """An SVG QR code of ``link`` as a ``data:`` URI (medium error correction, a quiet zone)."""
    return segno.make(link, error="m", micro=False).svg_data_uri(scale=4, border=4)


@router.post("/learn/credentials/{credential_id}/dcc-wallet")
async def credential_dcc_wallet(credential_id: str, request: Request) -> Response:
    """The holder asks for a DCC Learner Credential Wallet request link: the link, its QR code
    and when it expires."""
    c = container(request)
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    return await run_in_threadpool(_dcc_wallet, c, request, credential_id, form)


def _dcc_wallet(c: Container, request: Request, credential_id: str, form: FormData) -> Response:
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, form.get("csrf"))
    made = c.wallet_exchanges.create(principal, credential_id)
    return templates.TemplateResponse(
        request,
        "wallet_offer.html",
        page_context(
            request,
            principal,
            kind="dcc",
            wallet="the DCC Learner Credential Wallet",
            link=made.wallet_link,
            app_link=made.app_link,
            qr=qr_svg(made.wallet_link),
            tx_code=None,
            expires_at=made.exchange.expires_at,
            credential_id=made.exchange.credential_id,
        ),
        headers={"Cache-Control": "no-store"},
    )


@router.post("/learn/credentials/{credential_id}/oid4vci")
async def credential_oid4vci(credential_id: str, request: Request) -> Response:
    """The holder offers a credential to an OpenID4VCI wallet: the offer link (by reference),
    its QR code and the transaction code to type."""
    c = container(request)
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    return await run_in_threadpool(_oid4vci, c, request, credential_id, form)


def _oid4vci(c: Container, request: Request, credential_id: str, form: FormData) -> Response:
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, form.get("csrf"))
    offer = c.oid4vci.offers.create(principal, credential_id)
    return templates.TemplateResponse(
        request,
        "wallet_offer.html",
        page_context(
            request,
            principal,
            kind="oid4vci",
            wallet="an OpenID4VCI wallet",
            link=offer.by_reference,
            app_link=None,
            qr=qr_svg(offer.by_reference),
            tx_code=offer.tx_code,
            expires_at=offer.expires_at,
            credential_id=credential_id,
        ),
        headers={"Cache-Control": "no-store"},
    )
