"""OpenID4VCI 1.0 over HTTP: the well-known metadata (inserted before the issuer's path, as
section 12.2.2 and RFC 8414 say), offers by reference, and the token, nonce and credential
endpoints, which answer errors in the OAuth shape (``error``, ``error_description``). Plus the
API a holder (or issuer staff) uses to make an offer."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from microcred.services.delivery import Oid4vciError
from microcred.web.api.delivery.oid4vci_schemas import Oid4vciOfferCreate, Oid4vciOfferPublic
from microcred.web.api.deps import ContainerDep, PrincipalDep, container

router = APIRouter(tags=["oid4vci"])

ISSUER_PATH = "/orgs/{slug}/oid4vci"
#: errors answered 401 (with ``WWW-Authenticate``); every other protocol error is a 400
UNAUTHORISED = {"invalid_token", "invalid_client"}
NO_STORE = {"Cache-Control": "no-store"}
MAX_FORM_FIELDS = 20


def _refusal(exc: Oid4vciError) -> JSONResponse:
    headers = dict(NO_STORE)
    code = status.HTTP_401_UNAUTHORIZED if exc.code in UNAUTHORISED else 400
    if exc.code == "invalid_token":
        headers["WWW-Authenticate"] = (
            f'Bearer error="invalid_token", error_description="{exc.message}"'
        )
    return JSONResponse(
        {"error": exc.code, "error_description": exc.message}, status_code=code, headers=headers
    )


def _answer(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers=NO_STORE)


@router.get("/.well-known/openid-credential-issuer" + ISSUER_PATH)
def issuer_metadata(slug: str, c: ContainerDep) -> dict[str, Any]:
    """The organisation's Credential Issuer Metadata."""
    return c.oid4vci.issuer.issuer_metadata(slug)


@router.get("/.well-known/oauth-authorization-server" + ISSUER_PATH)
def authorization_server_metadata(slug: str, c: ContainerDep) -> dict[str, Any]:
    """The organisation's authorization server metadata (it is its own)."""
    return c.oid4vci.issuer.authorization_server_metadata(slug)


@router.get(ISSUER_PATH + "/offers/{code}")
def offer_by_reference(slug: str, code: str, c: ContainerDep) -> JSONResponse:
    """The Credential Offer behind a ``credential_offer_uri`` (404 once used or expired)."""
    return _answer(c.oid4vci.offers.by_reference(slug, code))


@router.post(ISSUER_PATH + "/token")
async def token(slug: str, request: Request) -> JSONResponse:
    """The Token Endpoint: a pre-authorized code (and ``tx_code``) for an access token."""
    c = await container(request)
    try:
        form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    except HTTPException:  # starlette's answer to a malformed or oversized form
        return _refusal(Oid4vciError("invalid_request", "The body must be a form."))
    fields: dict[str, str] = {}
    for key in form:
        values = form.getlist(key)
        if len(values) != 1 or not isinstance(values[0], str):
            return _refusal(Oid4vciError("invalid_request", f"'{key[:40]}' must appear once."))
        fields[key] = values[0]
    try:
        return _answer(await run_in_threadpool(c.oid4vci.issuer.token, slug, fields))
    except Oid4vciError as exc:
        return _refusal(exc)


@router.post(ISSUER_PATH + "/nonce")
def nonce(slug: str, c: ContainerDep) -> JSONResponse:
    """The Nonce Endpoint: a fresh ``c_nonce`` for one key proof."""
    return _answer(c.oid4vci.issuer.nonce(slug))


@router.post(ISSUER_PATH + "/credential")
async def credential(slug: str, request: Request) -> JSONResponse:
    """The Credential Endpoint: the OB 3.0 credential (``ldp_vc``) bound to the proof's key."""
    c = await container(request)
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    access_token = value.strip() if scheme.lower() == "bearer" else None
    raw = await request.body()
    try:
        body: object = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        body = None
    try:
        issued = await run_in_threadpool(c.oid4vci.issuer.credential, slug, access_token, body)
    except Oid4vciError as exc:
        return _refusal(exc)
    return _answer(issued)


@router.post(
    "/api/v1/credentials/{credential_id}/oid4vci-offer", status_code=status.HTTP_201_CREATED
)
def create_offer(
    credential_id: str, body: Oid4vciOfferCreate, p: PrincipalDep, c: ContainerDep
) -> Oid4vciOfferPublic:
    """Offer a credential to an OpenID4VCI wallet (pre-authorized code flow). The holder may,
    and staff who issue credentials. The answer carries the pre-authorized code and the
    transaction code: the only time they are shown."""
    lifetime = timedelta(seconds=body.lifetime_seconds) if body.lifetime_seconds else None
    made = c.oid4vci.offers.create(p, credential_id, tx_code=body.tx_code, lifetime=lifetime)
    return Oid4vciOfferPublic.of(made)
