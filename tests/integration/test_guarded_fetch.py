"""The guarded client for untrusted URLs, against real servers on loopback: every non-public
range refused after resolution, the allow-list, no redirects, no DNS rebinding, deadlines that
cut tarpits (silent and dripping), the concurrency cap, and a cache bounded in entries and bytes."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from microcred.adapters.http import HttpFetcher, refusal
from microcred.errors import AddressRefused, FetchTimedOut, MicrocredError, PayloadTooLarge
from microcred.services.credentials.fetch_budget import FetchBudget

LOOPBACK = ["127.0.0.1/32"]
HITS: list[tuple[str, str]] = []


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:
        HITS.append((self.path, self.headers.get("Host", "")))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/target")
            self.end_headers()
            return
        size = int(self.path.rsplit("/", 1)[-1]) if self.path.startswith("/sized/") else 0
        body = json.dumps({"id": self.path, "pad": "x" * size}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(family: int, host: str) -> Iterator[int]:
    class Server(ThreadingHTTPServer):
        address_family = family

    server = Server((host, 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    yield from _serve(socket.AF_INET, "127.0.0.1")


@pytest.fixture(scope="module")
def port6() -> Iterator[int]:
    yield from _serve(socket.AF_INET6, "::1")


class _Tarpit:
    """Accepts connections and then never answers, or drips one byte every ``drip`` seconds."""

    def __init__(self, drip: float | None = None) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self.drip = drip
        self.held: list[socket.socket] = []
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            if self.drip is not None:
                threading.Thread(target=self._dribble, args=(conn,), daemon=True).start()

    def _dribble(self, conn: socket.socket) -> None:
        data = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"a": "' + b"x" * 10_000
        for byte in data:
            if self.stop.is_set():
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                return
            time.sleep(self.drip or 0)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def tarpit() -> Iterator[_Tarpit]:
    pit = _Tarpit()
    yield pit
    pit.close()


@pytest.mark.parametrize(
    ("address", "what"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.10", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("[::1]", "loopback"),
        ("[::]", "unspecified"),
        ("[fc00::1]", "unique-local"),
        ("[fd12:3456::1]", "unique-local"),
        ("[fe80::1]", "link-local"),
        ("[fec0::1]", "site-local"),
        ("[ff02::1]", "multicast"),
        ("[::ffff:127.0.0.1]", "loopback address embedded in IPv6"),
        ("[::ffff:10.0.0.1]", "private address embedded in IPv6"),
        ("[::ffff:169.254.169.254]", "link-local address embedded in IPv6"),
        ("[2002:7f00:1::1]", "loopback address embedded in IPv6"),  # 6to4 of 127.0.0.1
        ("[2002:a9fe:a9fe::1]", "link-local address embedded in IPv6"),  # 6to4 of 169.254.169.254
        ("[64:ff9b::a9fe:a9fe]", "link-local address embedded in IPv6"),  # NAT64
        ("[64:ff9b:1::1]", "local NAT64"),
        ("[::7f00:1]", "IPv4-compatible"),
        ("[2001::1]", "Teredo"),
        ("[2001:db8::1]", "documentation"),
    ],
)
def test_every_non_public_range_is_refused(address: str, what: str) -> None:
    with pytest.raises(AddressRefused, match=what):
        HttpFetcher(timeout=2)(f"https://{address}/.well-known/did.json")


def test_public_addresses_pass_the_policy() -> None:
    import ipaddress

    for public in ("8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"):
        assert refusal(ipaddress.ip_address(public)) is None, public


def test_a_name_resolving_to_loopback_is_refused_and_the_server_never_hit(port: int) -> None:
    HITS.clear()
    with pytest.raises(AddressRefused, match=r"localhost resolves to 127\.0\.0\.1, a loopback"):
        HttpFetcher(allow_http=True)(f"http://localhost:{port}/doc")
    with pytest.raises(AddressRefused, match="loopback"):
        HttpFetcher(allow_http=True)(f"http://127.0.0.1:{port}/doc")
    assert HITS == []


def test_ipv6_loopback_server_is_refused_then_allowed(port6: int) -> None:
    HITS.clear()
    with pytest.raises(AddressRefused, match="::1 is a loopback"):
        HttpFetcher(allow_http=True)(f"http://[::1]:{port6}/doc")
    assert HITS == []
    allowed = HttpFetcher(allow_http=True, allow_networks=["::1/128"])
    assert allowed(f"http://[::1]:{port6}/doc")["id"] == "/doc"


def test_allow_listed_loopback_succeeds_and_keeps_the_host_name(port: int) -> None:
    HITS.clear()
    fetch = HttpFetcher(allow_http=True, allow_networks=LOOPBACK)
    assert fetch(f"http://localhost:{port}/doc") == {"id": "/doc", "pad": ""}
    assert [("/doc", f"localhost:{port}")] == HITS
    # an allow-list names networks, not everything: 10/8 stays refused
    with pytest.raises(AddressRefused, match="private"):
        fetch("http://10.0.0.1/doc")


def test_dns_rebinding_cannot_swap_the_address(port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test double for DNS (no resolver we control runs here): the name answers loopback
    (allow-listed) once, then the cloud metadata address. The client must connect to the
    address it vetted, so the second answer is never asked for or used."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def rebinding(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            asked.append(host)
            target = "127.0.0.1" if len(asked) == 1 else "169.254.169.254"
            return real(target, *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    HITS.clear()
    fetch = HttpFetcher(allow_http=True, allow_networks=LOOPBACK)
    assert fetch(f"http://rebind.test:{port}/doc")["id"] == "/doc"
    assert asked == ["rebind.test"]
    assert [("/doc", f"rebind.test:{port}")] == HITS
    # and when the first answer is the bad one, it is refused
    asked.clear()
    asked.append("primed")
    with pytest.raises(AddressRefused, match=r"169\.254\.169\.254, a link-local"):
        HttpFetcher(allow_http=True, allow_networks=LOOPBACK)(f"http://rebind.test:{port}/x")


def test_redirects_are_not_followed(port: int) -> None:
    HITS.clear()
    fetch = HttpFetcher(allow_http=True, allow_networks=LOOPBACK)
    with pytest.raises(MicrocredError, match="redirects are not followed"):
        fetch(f"http://127.0.0.1:{port}/redirect")
    assert [path for path, _ in HITS] == ["/redirect"]


def test_size_cap(port: int) -> None:
    fetch = HttpFetcher(allow_http=True, allow_networks=LOOPBACK, max_document_bytes=1000)
    assert fetch(f"http://127.0.0.1:{port}/sized/500")["pad"] == "x" * 500
    with pytest.raises(PayloadTooLarge, match="more than 1000 bytes"):
        fetch(f"http://127.0.0.1:{port}/sized/5000")


def test_a_silent_tarpit_is_cut_at_the_deadline(tarpit: _Tarpit) -> None:
    fetch = HttpFetcher(timeout=1, allow_networks=LOOPBACK)
    started = time.monotonic()
    with pytest.raises(
        FetchTimedOut, match=rf"Could not fetch https://127\.0\.0\.1:{tarpit.port}/"
    ):
        fetch(f"https://127.0.0.1:{tarpit.port}/.well-known/did.json")
    assert time.monotonic() - started < 1.6


def test_a_dripping_tarpit_is_cut_at_the_deadline_not_per_read() -> None:
    pit = _Tarpit(drip=0.05)  # one byte every 50 ms: no single read ever waits a second
    try:
        fetch = HttpFetcher(timeout=1, allow_http=True, allow_networks=LOOPBACK)
        started = time.monotonic()
        with pytest.raises(FetchTimedOut, match="within 1 s"):
            fetch(f"http://127.0.0.1:{pit.port}/status")
        assert time.monotonic() - started < 1.6
    finally:
        pit.close()


def test_a_caller_deadline_shortens_the_fetch(tarpit: _Tarpit) -> None:
    fetch = HttpFetcher(timeout=5, allow_networks=LOOPBACK)
    started = time.monotonic()
    with pytest.raises(FetchTimedOut, match=r"within 0\.5 s"):
        fetch(f"https://127.0.0.1:{tarpit.port}/a", deadline=time.monotonic() + 0.5)
    assert time.monotonic() - started < 1.0


def test_the_verification_budget_bounds_the_sum_of_its_fetches(tarpit: _Tarpit) -> None:
    budget = FetchBudget(
        HttpFetcher(timeout=0.6, allow_networks=LOOPBACK), seconds=1.0, max_fetches=3
    )
    started = time.monotonic()
    messages = []
    for i in range(6):
        with pytest.raises(MicrocredError) as caught:
            budget(f"https://127.0.0.1:{tarpit.port}/k{i}")
        messages.append(caught.value.explain())
    assert time.monotonic() - started < 1.6
    assert "within 0.6 s" in messages[0]
    assert any("time for this whole verification was used up" in m for m in messages)
    # a URL that already failed fails again at once
    again = time.monotonic()
    with pytest.raises(MicrocredError):
        budget(f"https://127.0.0.1:{tarpit.port}/k0")
    assert time.monotonic() - again < 0.05


def test_the_fetch_cap_per_verification(port: int) -> None:
    budget = FetchBudget(
        HttpFetcher(allow_http=True, allow_networks=LOOPBACK, cache_seconds=0),
        seconds=5,
        max_fetches=2,
    )
    budget(f"http://127.0.0.1:{port}/one")
    budget(f"http://127.0.0.1:{port}/two")
    with pytest.raises(MicrocredError, match="already fetched 2 documents, the most allowed"):
        budget(f"http://127.0.0.1:{port}/three")


def test_concurrent_fetches_are_capped_and_waiting_counts(tarpit: _Tarpit) -> None:
    fetch = HttpFetcher(timeout=1, allow_networks=LOOPBACK, max_concurrent=1)
    errors: list[str] = []

    def one(i: int, deadline: float | None) -> None:
        try:
            fetch(f"https://127.0.0.1:{tarpit.port}/c{i}", deadline=deadline)
        except MicrocredError as exc:
            errors.append(exc.explain())

    first = threading.Thread(target=one, args=(0, None))
    first.start()
    time.sleep(0.2)  # the first holds the only slot for about a second
    started = time.monotonic()
    waiting = [threading.Thread(target=one, args=(i, time.monotonic() + 0.5)) for i in range(1, 3)]
    for t in waiting:
        t.start()
    for t in waiting:
        t.join()
    assert time.monotonic() - started < 0.8  # the wait for a slot counted against the deadline
    first.join()
    assert len(errors) == 3
    assert sum("all 1 fetches allowed at once were in use" in e for e in errors) == 2


def test_cache_is_bounded_in_entries(port: int) -> None:
    fetch = HttpFetcher(allow_http=True, allow_networks=LOOPBACK, cache_entries=2)
    HITS.clear()
    for name in ("a", "b", "a", "c", "a", "b"):
        fetch(f"http://127.0.0.1:{port}/e/{name}")
    # a, b fetched; a cached; c evicts b (least recently used); a cached; b fetched again
    assert [p for p, _ in HITS] == ["/e/a", "/e/b", "/e/c", "/e/b"]
    assert len(fetch.cache) == 2


def test_cache_is_bounded_in_bytes(port: int) -> None:
    fetch = HttpFetcher(allow_http=True, allow_networks=LOOPBACK, cache_bytes=5_000)
    for i in range(10):
        fetch(f"http://127.0.0.1:{port}/sized/{1000 + i}")
    assert fetch.cache.size_bytes <= 5_000
    assert 1 <= len(fetch.cache) <= 4
    fetch(f"http://127.0.0.1:{port}/sized/9000")  # larger than the whole cache: not kept
    assert fetch.cache.get(f"http://127.0.0.1:{port}/sized/9000") is None
    assert fetch.cache.size_bytes <= 5_000
