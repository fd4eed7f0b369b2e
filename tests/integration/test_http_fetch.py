"""Fetching DID documents and status lists from a real local HTTP server: limits, cache,
redirects and garbage."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from microcred.adapters.http import MAX_DOCUMENT_BYTES, HttpFetcher
from microcred.credentials.resolver import KeyResolver
from microcred.crypto.did import did_key_document
from microcred.crypto.keys import Ed25519KeyPair
from microcred.errors import InvalidInput, MicrocredError, NotFound, PayloadTooLarge

HITS: dict[str, int] = {}
#: the local test server is on loopback, which is refused unless allow-listed
LOOPBACK = ["127.0.0.1/32"]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output quiet
        return

    def do_GET(self) -> None:
        HITS[self.path] = HITS.get(self.path, 0) + 1
        routes = {
            "/doc": (200, json.dumps({"id": "x"}).encode()),
            "/array": (200, b"[1, 2]"),
            "/html": (200, b"<html>nope</html>"),
            "/huge": (200, b"{" + b" " * (MAX_DOCUMENT_BYTES + 10) + b"}"),
            "/deep": (200, b"[" * 100_000 + b"]" * 100_000),
            "/missing": (404, b"{}"),
            "/boom": (500, b"{}"),
        }
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.end_headers()
            return
        status, body = routes.get(self.path, (404, b""))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_fetches_and_caches(base: str) -> None:
    fetch = HttpFetcher(allow_http=True, cache_seconds=60, allow_networks=LOOPBACK)
    assert fetch(f"{base}/doc") == {"id": "x"}
    assert fetch(f"{base}/doc") == {"id": "x"}
    assert HITS["/doc"] == 1
    fetch.forget()
    fetch(f"{base}/doc")
    assert HITS["/doc"] == 2


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/array", InvalidInput),
        ("/html", InvalidInput),
        ("/huge", PayloadTooLarge),
        ("/deep", InvalidInput),
        ("/missing", NotFound),
        ("/boom", MicrocredError),
        ("/redirect", MicrocredError),
    ],
)
def test_refuses_bad_answers(base: str, path: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        HttpFetcher(allow_http=True, allow_networks=LOOPBACK)(f"{base}{path}")


def test_plain_http_and_other_schemes_are_refused_by_default(base: str) -> None:
    for url in (f"{base}/doc", "file:///etc/passwd", "ftp://example.org/x"):
        with pytest.raises(InvalidInput):
            HttpFetcher()(url)


def test_unreachable_host_is_a_clear_error() -> None:
    with pytest.raises(MicrocredError, match="could not be fetched"):
        HttpFetcher(timeout=1, allow_networks=LOOPBACK)("https://127.0.0.1:9/did.json")


def test_resolver_refuses_a_did_web_document_for_another_did() -> None:
    pair = Ed25519KeyPair.generate()
    other = did_key_document("did:key:" + pair.public.multibase)
    resolver = KeyResolver(documents={"https://example.org/.well-known/did.json": other})
    with pytest.raises(MicrocredError, match=r"is not for did:web:example\.org"):
        resolver.resolve("did:web:example.org#key-1")
