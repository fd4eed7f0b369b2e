"""Posting add-checkpoint requests to witnesses over HTTP(S)."""

from __future__ import annotations

import hashlib
import ssl

import httpx

from microcred.errors import MicrocredError

MAX_ANSWER_BYTES = 64 * 1024


class HttpWitnessClient:
    """A tiny HTTP client for C2SP tlog-witness."""

    def __init__(self, *, timeout: float = 10.0, ca_bundle: str | None = None) -> None:
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True
        )
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, verify=verify)

    def add_checkpoint(self, base_url: str, body: bytes) -> tuple[int, bytes]:
        """POST ``body`` to ``<base_url>/add-checkpoint``; (status, answer body)."""
        url = base_url.rstrip("/") + "/add-checkpoint"
        try:
            with self._client.stream(
                "POST", url, content=body, headers={"Content-Type": "text/plain"}
            ) as response:
                data = bytearray()
                for chunk in response.iter_bytes():
                    data.extend(chunk)
                    if len(data) > MAX_ANSWER_BYTES:
                        raise MicrocredError(f"The witness at {base_url} answered too much.")
                return response.status_code, bytes(data)
        except httpx.HTTPError as exc:
            raise MicrocredError(
                f"The witness at {base_url} is unreachable ({type(exc).__name__})."
            ) from exc

    def latest_checkpoint(self, base_url: str, origin: str) -> str:
        """What the witness last cosigned for ``origin`` (``GET <origin hash>/checkpoint``)."""
        url = f"{base_url.rstrip('/')}/{hashlib.sha256(origin.encode()).hexdigest()}/checkpoint"
        try:
            response = self._client.get(url)
        except httpx.HTTPError as exc:
            raise MicrocredError(f"The witness at {base_url} is unreachable.") from exc
        if response.status_code != 200 or len(response.content) > MAX_ANSWER_BYTES:
            raise MicrocredError(f"The witness at {base_url} has no checkpoint for {origin}.")
        return response.text
