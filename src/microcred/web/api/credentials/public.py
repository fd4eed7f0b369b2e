"""What anyone may read: credentials, status lists, DID documents, and verification."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from microcred.bootstrap import Container
from microcred.credentials.parsing import load_json
from microcred.credentials.verify import VerificationReport
from microcred.errors import InvalidInput
from microcred.web.api.credentials.schemas import VerificationPublic
from microcred.web.api.deps import ContainerDep
from microcred.web.pages import credential_page, viewer, wants_html

router = APIRouter(tags=["public"])

_VC_JSON = "application/vc+ld+json"


@router.get("/credentials/{credential_id}", response_model=None)
def credential(credential_id: str, request: Request, c: ContainerDep) -> Response:
    """The credential as issued: JSON-LD with its proof, or the VC-JWT (404 when its holder
    made it private, unless the caller is the holder or the organisation's staff)."""
    if wants_html(request):
        return credential_page(request, c, credential_id)
    found = c.public.shared(credential_id, viewer(request, c))
    if found.jwt is not None:
        return Response(found.jwt, media_type="application/vc+jwt")
    return JSONResponse(
        found.document,
        media_type=_VC_JSON if "vc+ld" in request.headers.get("accept", "") else "application/json",
    )


@router.get("/status/{list_id}")
def status_list(list_id: str, c: ContainerDep) -> JSONResponse:
    """A signed BitstringStatusListCredential; short cache so changes show quickly."""
    return JSONResponse(
        c.public.status_list(list_id), headers={"Cache-Control": "public, max-age=60"}
    )


@router.get("/orgs/{slug}/did.json")
def did_document(slug: str, c: ContainerDep) -> JSONResponse:
    """The organisation's did:web document (every key, retired ones too)."""
    return JSONResponse(c.public.did_document(slug), media_type="application/did+json")


@router.post(
    "/api/v1/verify",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/vc+jwt": {"schema": {"type": "string"}},
            },
            "required": True,
        }
    },
)
async def verify(
    request: Request, c: ContainerDep, offline: Annotated[bool, Query()] = False
) -> VerificationPublic:
    """Verify any credential: a JSON-LD credential object, ``{"verifiableCredential": …}``, or a
    VC-JWT (as text, or as ``{"jwt": "…"}``). Returns the named checks."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    # parsing and verifying (remote fetches, canonicalisation) run off the event loop
    report = await run_in_threadpool(_verify_body, c, raw, content_type, offline)
    return VerificationPublic.model_validate(report.to_json())


def _verify_body(c: Container, raw: bytes, content_type: str, offline: bool) -> VerificationReport:
    credential: Any
    if content_type in {"application/vc+jwt", "application/jwt", "text/plain"}:
        try:
            credential = raw.decode("ascii").strip()
        except UnicodeDecodeError as exc:
            raise InvalidInput("A VC-JWT is ASCII text.") from exc
    else:
        body = load_json(
            raw,
            max_bytes=c.settings.max_body_bytes,
            max_depth=c.settings.max_json_depth,
            what="credential",
        )
        if isinstance(body, dict) and set(body) == {"jwt"}:
            credential = body["jwt"]
        elif isinstance(body, dict) and set(body) == {"verifiableCredential"}:
            credential = body["verifiableCredential"]
        else:
            credential = body
    if not isinstance(credential, dict | str):
        raise InvalidInput("Send a credential as a JSON object or a VC-JWT string.")
    return c.verification.verify(credential, offline=offline)
