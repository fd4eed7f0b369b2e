"""The witness's HTTP face: ``POST /add-checkpoint`` and ``GET /<origin hash>/checkpoint``.

State is persisted (compare-and-set, committed) before the answer is sent, so a crash after the
write cannot make the witness forget what it cosigned.
"""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from microcred.ports.ledger import WitnessStateStore
from microcred.transparency.witness import (
    MAX_BODY_BYTES,
    TEXT_CONTENT_TYPE,
    AddCheckpointRequest,
    MalformedRequest,
    Witness,
    origin_hash,
    parse_add_checkpoint,
)

log = logging.getLogger("microcred.witness")


def create_witness_app(witness: Witness, store: WitnessStateStore) -> FastAPI:
    """The witness app for ``witness`` with state in ``store``."""
    app = FastAPI(title="microcred witness", docs_url=None, redoc_url=None, openapi_url=None)
    by_hash = {origin_hash(origin): origin for origin in witness.logs}

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            return PlainTextResponse("The body is too large.\n", 413)
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > MAX_BODY_BYTES:
                return PlainTextResponse("The body is too large.\n", 413)
        try:
            parsed = parse_add_checkpoint(bytes(body))
        except MalformedRequest as exc:
            return PlainTextResponse(exc.message + "\n", 400)
        if parsed.checkpoint.origin not in witness.logs:
            return PlainTextResponse(f"Unknown log {parsed.checkpoint.origin!r}.\n", 404)
        # signature checks and the compare-and-set run off the event loop
        return await run_in_threadpool(_decide, parsed, bytes(body))

    def _decide(parsed: AddCheckpointRequest, body: bytes) -> Response:
        origin = parsed.checkpoint.origin
        decision = store.apply(
            origin, lambda previous: witness.decide(parsed, previous, int(time.time()), body=body)
        )
        if decision is None:
            return PlainTextResponse("The witness is busy; try again.\n", 503)
        if decision.evidence is not None:
            log.warning("kept evidence (%s) for %s", decision.evidence.kind.value, origin)
        return Response(decision.body, decision.status, media_type=decision.content_type)

    @app.get("/{hashed}/checkpoint")
    def latest(hashed: str) -> Response:
        origin = by_hash.get(hashed)
        record = store.record(origin) if origin else None
        if record is None:
            return PlainTextResponse("Unknown log.\n", 404)
        return Response(record.note, 200, media_type=TEXT_CONTENT_TYPE)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "witness": witness.signer.name}

    return app
