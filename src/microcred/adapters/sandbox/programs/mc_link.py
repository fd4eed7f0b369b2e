"""The link between the test harness and the learner's process: frames, errors, proxies.

Runs inside the sandbox (standard library only), imported by ``mc_wire`` (which see) on both ends:
length-prefixed JSON frames of bounded size, the two errors of the link, and :class:`Remote`, the
proxy for an object the other end holds, which forwards attribute access, calls and operators.
"""

from __future__ import annotations

import builtins
import json
import operator
import socket
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .mc_values import Codec

MAX_FRAME = 16 * 1024 * 1024
MAX_DEPTH = 100
MAX_ITEMS = 1_000_000
#: Most released references one message carries (the rest go with the next).
MAX_RELEASES = 10_000
_NAME_CHARS = 80

#: Operators a proxy forwards, by the name of the special method, to a function of the object.
UNARY: dict[str, Callable[[Any], Any]] = {
    "__len__": len,
    "__iter__": iter,
    "__next__": next,
    "__bool__": bool,
    "__str__": str,
    "__repr__": repr,
    "__hash__": hash,
    "__neg__": operator.neg,
    "__pos__": operator.pos,
    "__abs__": abs,
    "__invert__": operator.invert,
    "__int__": int,
    "__float__": float,
    "__index__": operator.index,
    "__reversed__": reversed,
    "__enter__": lambda o: o.__enter__(),
}
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "__eq__": operator.eq,
    "__ne__": operator.ne,
    "__lt__": operator.lt,
    "__le__": operator.le,
    "__gt__": operator.gt,
    "__ge__": operator.ge,
    "__add__": operator.add,
    "__sub__": operator.sub,
    "__mul__": operator.mul,
    "__truediv__": operator.truediv,
    "__floordiv__": operator.floordiv,
    "__mod__": operator.mod,
    "__pow__": operator.pow,
    "__matmul__": operator.matmul,
    "__and__": operator.and_,
    "__or__": operator.or_,
    "__xor__": operator.xor,
    "__lshift__": operator.lshift,
    "__rshift__": operator.rshift,
    "__radd__": lambda o, a: operator.add(a, o),
    "__rsub__": lambda o, a: operator.sub(a, o),
    "__rmul__": lambda o, a: operator.mul(a, o),
    "__rtruediv__": lambda o, a: operator.truediv(a, o),
    "__rfloordiv__": lambda o, a: operator.floordiv(a, o),
    "__rmod__": lambda o, a: operator.mod(a, o),
    "__rpow__": lambda o, a: operator.pow(a, o),
    "__getitem__": operator.getitem,
    "__delitem__": operator.delitem,
    "__contains__": operator.contains,
    "__format__": format,
    "__instancecheck__": lambda o, a: isinstance(a, o),
    "__subclasscheck__": lambda o, a: issubclass(a, o),
}
TERNARY: dict[str, Callable[[Any, Any, Any], Any]] = {
    "__setitem__": operator.setitem,
}
#: What a restricted peer (the harness) serves on the objects it handed over.
RESTRICTED_OPS = {
    "__len__", "__iter__", "__next__", "__bool__", "__str__", "__repr__", "__hash__",
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__getitem__", "__contains__",
}  # fmt: skip


class LinkError(Exception):
    """The other end broke the protocol, died, or sent something unreadable."""


class StaleReference(Exception):
    """A proxy for an object of a learner process that has since been replaced."""


def encode_frame(message: dict[str, Any]) -> bytes:
    data = json.dumps(message, separators=(",", ":")).encode()
    if len(data) > MAX_FRAME:
        raise LinkError(f"a value of {len(data):,} bytes is too large to pass between processes")
    return data


def send_frame(sock: socket.socket, message: dict[str, Any] | bytes) -> None:
    """One length-prefixed JSON frame (``message`` may be encoded already)."""
    data = message if isinstance(message, bytes) else encode_frame(message)
    sock.sendall(struct.pack(">I", len(data)) + data)


def _read_exact(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise LinkError("the other process closed the link")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket) -> dict[str, Any]:
    """The next frame, checked to be a JSON object of bounded size."""
    (size,) = struct.unpack(">I", _read_exact(sock, 4))
    if size > MAX_FRAME:
        raise LinkError("the other process sent an oversized message")
    try:
        message = json.loads(_read_exact(sock, size))
    except (ValueError, RecursionError):
        raise LinkError("the other process sent an unreadable message") from None
    if not isinstance(message, dict):
        raise LinkError("the other process sent an unreadable message")
    return message


def safe_name(value: object) -> str:
    text = str(value)[:_NAME_CHARS]
    return "".join(c if c.isalnum() or c in "_." else "_" for c in text) or "_"


class Remote:
    """A proxy for an object held by the other end."""

    __slots__ = ("__weakref__", "_mc_gen", "_mc_id", "_mc_path", "_mc_peer", "_mc_type")

    def __init__(
        self, peer: Codec, ref_id: int, gen: int, path: tuple[str, ...] | None, type_name: str
    ) -> None:
        object.__setattr__(self, "_mc_peer", peer)
        object.__setattr__(self, "_mc_id", ref_id)
        object.__setattr__(self, "_mc_gen", gen)
        object.__setattr__(self, "_mc_path", path)
        object.__setattr__(self, "_mc_type", type_name)
        peer.proxy_made(ref_id, gen)

    def __del__(self) -> None:
        try:
            peer: Codec = object.__getattribute__(self, "_mc_peer")
            peer.proxy_gone(
                object.__getattribute__(self, "_mc_id"), object.__getattribute__(self, "_mc_gen")
            )
        except Exception:  # noqa: S110 — half-built, or the interpreter is shutting down
            pass

    def _mc_op(self, op: str, **fields: Any) -> Any:
        peer: Codec = object.__getattribute__(self, "_mc_peer")
        return peer.on_remote(self, op, fields)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_mc_"):
            raise AttributeError(name)
        return self._mc_op("getattr", name=name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._mc_op("setattr", name=name, value=value)

    def __delattr__(self, name: str) -> None:
        self._mc_op("delattr", name=name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._mc_op("call", args=args, kwargs=kwargs)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._mc_op("op", name="__setitem__", args=(key, value))

    def __exit__(self, *exc: Any) -> Any:
        return self._mc_op("exit", args=exc[:1])

    def __dir__(self) -> list[str]:
        names = self._mc_op("dir")
        return [str(n) for n in names] if isinstance(names, list) else []


def _forward(name: str) -> Callable[..., Any]:
    def method(self: Remote, *args: Any) -> Any:
        result = self._mc_op("op", name=name, args=args)
        if name == "__hash__" and not isinstance(result, int):
            raise TypeError("unhashable remote object")
        return result

    method.__name__ = name
    return method


for _op in (*UNARY, *BINARY):  # isinstance(x, proxy) asks the other end too
    setattr(Remote, _op, _forward(_op))


def builtin_exception(name: str) -> type[BaseException] | None:
    found = getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, BaseException):
        return found
    return None
