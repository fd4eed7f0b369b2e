"""An httpcore network backend that connects only to vetted addresses and never outlives a
deadline.

The backend resolves the host itself (`AddressPolicy`), refuses non-public answers, and opens the
TCP connection to exactly the address it vetted, so there is no second lookup an attacker's DNS
could answer differently. httpcore still sends the host name in the ``Host`` header and as TLS
SNI, and checks the certificate against it. Every socket operation is bounded by the absolute
deadline of the fetch in progress (`fetch_deadline`), so a server that drips one byte at a time is
cut at the deadline, not merely after a quiet spell.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import time
import typing
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

import httpcore

from microcred.adapters.http.addresses import AddressPolicy
from microcred.errors import FetchTimedOut

#: what httpcore passes as socket options (unused: the backend sets TCP_NODELAY itself)
SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)
_DEADLINE: ContextVar[float | None] = ContextVar("microcred_fetch_deadline", default=None)


@contextlib.contextmanager
def fetch_deadline(deadline: float) -> Iterator[None]:
    """Bound every connection made and every byte read in this block by ``deadline``
    (a `time.monotonic` value)."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _remaining(deadline: float | None, timeout: float | None) -> float | None:
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the fetch's deadline has passed")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A socket whose every read, write and handshake ends by the deadline."""

    def __init__(self, sock: socket.socket, deadline: float | None) -> None:
        self._sock = sock
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            self._sock.settimeout(_remaining(self._deadline, timeout))
            return self._sock.recv(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            while buffer:
                self._sock.settimeout(_remaining(self._deadline, timeout))
                sent = self._sock.send(buffer)
                buffer = buffer[sent:]
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from exc

    def close(self) -> None:
        self._sock.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        try:
            self._sock.settimeout(_remaining(self._deadline, timeout))
            wrapped = ssl_context.wrap_socket(self._sock, server_hostname=server_hostname)
        except TimeoutError as exc:
            self.close()
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            self.close()
            raise httpcore.ConnectError(str(exc)) from exc
        except httpcore.ReadTimeout:
            self.close()
            raise
        return DeadlineStream(wrapped, self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "ssl_object" and isinstance(self._sock, ssl.SSLSocket):
            return self._sock
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "socket":
            return self._sock
        if info == "is_readable":
            readable, _, _ = select.select([self._sock], [], [], 0)
            return bool(readable)
        return None


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves, vets and connects; refuses what `AddressPolicy` refuses."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        stream_deadline = _DEADLINE.get()
        deadline = stream_deadline
        if deadline is None:
            deadline = time.monotonic() + (timeout if timeout is not None else 30.0)
        addresses = self._policy.resolve(host, port, deadline)
        last: OSError | None = None
        for address in addresses:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                sock = socket.create_connection(
                    (address, port), min(left, timeout) if timeout is not None else left
                )
            except TimeoutError as exc:
                raise httpcore.ConnectTimeout(str(exc)) from exc
            except OSError as exc:
                last = exc
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return DeadlineStream(sock, stream_deadline)
        if last is not None:
            raise httpcore.ConnectError(str(last)) from last
        raise FetchTimedOut(f"No time was left to connect to {host}.")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("Unix sockets are never fetched from.")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
