"""The transparency log over HTTP: C2SP tlog-tiles (checkpoint, hash tiles, entry bundles), the
log's tlog-policy, and each credential's tlog-proof."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from microcred.errors import NotFound
from microcred.services.ledger.service import latest_note, log_policy, tlog_proof
from microcred.transparency.tiles import TILE_WIDTH, encode_entry_bundle, parse_tile_path, tile_at
from microcred.web.api.deps import ContainerDep

router = APIRouter(tags=["transparency log"])
_TEXT = "text/plain; charset=utf-8"
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


@router.get("/log/checkpoint", response_class=PlainTextResponse)
def checkpoint(c: ContainerDep) -> Response:
    """The latest checkpoint, signed by the log and cosigned by the witnesses that have."""
    with c.uow() as uow:
        note = latest_note(uow, 0)
    return Response(note, media_type=_TEXT, headers={"Cache-Control": "no-store"})


@router.get("/log/tile/{path:path}")
def tile(path: str, c: ContainerDep) -> Response:
    """A hash tile or an entry bundle (full tiles never change: cached for good)."""
    requested = parse_tile_path("tile/" + path)
    with c.uow() as uow:
        latest = uow.ledger.latest_checkpoint()
        size = latest[0] if latest else 0
        available = tile_at(requested.level, requested.index, size)
        if available is None or available.width < requested.width:
            raise NotFound("That tile does not exist (yet).")
        first = requested.index * TILE_WIDTH
        if requested.is_entries:
            body = encode_entry_bundle(uow.ledger.entries(first, first + requested.width))
        else:
            body = b"".join(uow.ledger.nodes(requested.tree_level, first, first + requested.width))
    headers = _IMMUTABLE if not requested.is_partial else {"Cache-Control": "public, max-age=60"}
    return Response(body, media_type="application/octet-stream", headers=headers)


@router.get("/log/policy", response_class=PlainTextResponse)
def policy(c: ContainerDep) -> Response:
    """A C2SP tlog-policy for this log: its key, its witnesses and the quorum it asks for."""
    with c.uow() as uow:
        verifier = c.ledger.keys.verifier(uow)
    if verifier is None:
        raise NotFound("The log has no key yet (nothing has been logged).")
    text = log_policy(
        verifier.vkey,
        f"{c.urls.base}/log",
        [(e.verifier.vkey, e.url) for e in c.witnessing.endpoints.values()],
        c.ledger.quorum,
    )
    return Response(text, media_type=_TEXT)


@router.get("/credentials/{credential_id}/tlog-proof", response_class=PlainTextResponse)
def credential_proof(credential_id: str, c: ContainerDep) -> Response:
    """The C2SP tlog-proof that the credential's issuance is in the log (for offline checks)."""
    with c.uow() as uow:
        if uow.public.credential(credential_id) is None:
            raise NotFound("No such credential.")
        proof = tlog_proof(uow, credential_id, c.ledger.quorum)
    return Response(proof.format(), media_type=_TEXT)
