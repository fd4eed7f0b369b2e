"""An ASGI guard in front of the app: body size and JSON depth limits, before any parsing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from microcred.credentials.parsing import load_json
from microcred.errors import MicrocredError
from microcred.web.errors import status_of

#: Room for multipart framing and the text fields beside the files of an upload.
UPLOAD_OVERHEAD_BYTES = 256 * 1024


def _path_pattern(template: str) -> re.Pattern[str]:
    """``/a/{id}/b`` as a regular expression matching one path segment per placeholder."""
    parts = re.split(r"\{[^/{}]+\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts) + r"\Z")


class BodyLimits:
    """Refuses bodies over ``max_bytes`` (413) and JSON nested deeper than ``max_depth`` or not
    parseable (413/422) with the API's error shape; passes the buffered body on otherwise.

    Requests to ``upload_paths`` (route templates such as ``/api/v1/x/{id}/files``) may carry
    ``upload_bytes`` of files plus `UPLOAD_OVERHEAD_BYTES` instead of ``max_bytes``; each of
    ``large_uploads`` (template, bytes) may carry its own larger file.

    With ``page``, a browser's request (as ``wants_page`` decides) is refused with the page it
    returns for ``(request, status, message)`` instead of JSON; the API always gets JSON.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        max_depth: int,
        upload_bytes: int = 0,
        upload_paths: Iterable[str] = (),
        page: Callable[[Request, int, str], Response] | None = None,
        wants_page: Callable[[Request], bool] | None = None,
        large_uploads: Iterable[tuple[str, int]] = (),
    ) -> None:
        self.app = app
        self.page = page
        self.wants_page = wants_page
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.upload_bytes = max(max_bytes, upload_bytes + UPLOAD_OVERHEAD_BYTES)
        self.upload_paths = [_path_pattern(t) for t in upload_paths]
        #: routes taking larger files (bulk CSV), each with its own limit
        self.large_uploads = [
            (_path_pattern(t), max(max_bytes, n + UPLOAD_OVERHEAD_BYTES)) for t, n in large_uploads
        ]

    def limit(self, path: str) -> int:
        """The largest body accepted on ``path``."""
        for pattern, limit in self.large_uploads:
            if pattern.match(path):
                return limit
        if any(p.match(path) for p in self.upload_paths):
            return self.upload_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS", "DELETE"}:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        max_bytes = self.limit(scope.get("path", ""))
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > max_bytes
            except ValueError:
                await self._refuse(
                    scope, receive, send, 400, "invalid_input", "Content-Length is not a number."
                )
                return
            if too_big:
                await self._refuse(
                    scope,
                    receive,
                    send,
                    413,
                    "payload_too_large",
                    f"The request body is larger than {max_bytes:,} bytes.",
                )
                return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > max_bytes:
                await self._refuse(
                    scope,
                    receive,
                    send,
                    413,
                    "payload_too_large",
                    f"The request body is larger than {max_bytes:,} bytes.",
                )
                return
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if body and content_type in {b"application/json", b"application/ld+json"}:
            try:
                load_json(
                    bytes(body),
                    max_bytes=self.max_bytes,
                    max_depth=self.max_depth,
                    what="request body",
                )
            except MicrocredError as exc:
                await self._refuse(scope, receive, send, status_of(exc), exc.code, exc.explain())
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str
    ) -> None:
        """Answer ``status`` without calling the app: a page for a browser, JSON otherwise."""
        if self.page is not None and self.wants_page is not None:
            request = Request(scope)
            if self.wants_page(request):
                await self.page(request, status, message)(scope, receive, send)
                return
        await _error(send, status, code, message)


async def _error(send: Send, status: int, code: str, message: str) -> None:
    payload: dict[str, Any] = {"error": code, "message": message}
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
