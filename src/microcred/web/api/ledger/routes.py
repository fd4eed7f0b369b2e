"""The transparency log over HTTP: C2SP tlog-tiles (checkpoint, hash tiles, entry bundles), the
log's tlog-policy, and each credential's tlog-proof."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from microcred.web.api.deps import ContainerDep

router = APIRouter(tags=["transparency log"])
_TEXT = "text/plain; charset=utf-8"
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


@router.get("/log/checkpoint", response_class=PlainTextResponse)
def checkpoint(c: ContainerDep) -> Response:
    """The latest checkpoint, signed by the log and cosigned by the witnesses that have."""
    return Response(
        c.public_log.checkpoint(), media_type=_TEXT, headers={"Cache-Control": "no-store"}
    )


@router.get("/log/tile/{path:path}")
def tile(path: str, c: ContainerDep) -> Response:
    """A hash tile or an entry bundle (full tiles never change: cached for good)."""
    found = c.public_log.tile(path)
    headers = {"Cache-Control": "public, max-age=60"} if found.partial else _IMMUTABLE
    return Response(found.body, media_type="application/octet-stream", headers=headers)


@router.get("/log/policy", response_class=PlainTextResponse)
def policy(c: ContainerDep) -> Response:
    """A C2SP tlog-policy for this log: its key, its witnesses and the quorum it asks for."""
    return Response(c.public_log.policy(), media_type=_TEXT)


@router.get("/credentials/{credential_id}/tlog-proof", response_class=PlainTextResponse)
def credential_proof(credential_id: str, c: ContainerDep) -> Response:
    """The C2SP tlog-proof that the credential's issuance is in the log (for offline checks)."""
    return Response(c.public_log.credential_proof(credential_id), media_type=_TEXT)
