"""The DCC wallet over HTTP: a holder asks for a request link to one of their credentials; the
wallet runs the VC-API exchange at the link's URL (no account: the secret token is the
capability, and DIDAuth binds the credential to the wallet's DID)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from microcred.errors import InvalidInput, PayloadTooLarge
from microcred.services.delivery import MAX_EXCHANGE_BODY
from microcred.web.api.delivery.exchange_schemas import WalletExchangePublic
from microcred.web.api.deps import ContainerDep, PrincipalDep

router = APIRouter(tags=["delivery"])


@router.post(
    "/api/v1/me/credentials/{credential_id}/wallet-exchanges",
    status_code=status.HTTP_201_CREATED,
)
def create_exchange(credential_id: str, p: PrincipalDep, c: ContainerDep) -> WalletExchangePublic:
    """A single-use, expiring link that sends your credential to the DCC Learner Credential
    Wallet, bound to the DID the wallet proves it controls."""
    return WalletExchangePublic.of(c.wallet_exchanges.create(p, credential_id))


@router.post("/api/v1/exchanges/{organisation_id}/{token}")
async def participate(
    organisation_id: str, token: str, request: Request, c: ContainerDep
) -> JSONResponse:
    """The VC-API exchange: POST ``{}`` for the DIDAuthentication request, then
    ``{"verifiablePresentation": …}`` signed by the holder's did:key over its ``challenge`` and
    ``domain`` for the credential. Single use; expires."""
    raw = await request.body()
    if len(raw) > MAX_EXCHANGE_BODY:
        raise PayloadTooLarge(f"The exchange accepts at most {MAX_EXCHANGE_BODY} bytes.")
    try:
        body = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("The exchange takes a JSON object.") from None
    answer = await run_in_threadpool(c.wallet_exchanges.participate, organisation_id, token, body)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})
