"""The link between the test harness and the learner's process, used on both ends.

Runs inside the sandbox (standard library only): the harness (trusted: it writes the report)
and the agent (untrusted: it runs the learner's code) are two processes joined by a socket.
Each end holds a :class:`Peer`. Values cross by value where Python has a plain type for them
(numbers, strings, bytes, lists, tuples, dicts, sets, paths, decimals, dates…) and by reference
otherwise: the other end then holds a :class:`Remote` proxy that forwards attribute access,
calls and operators. Exceptions cross too, as local classes standing in for remote ones.

Everything a peer receives is untrusted input to it: frames are size-checked, values depth- and
size-checked, and a *restricted* peer (the harness) serves only calls, public attributes and a
few operators on objects it chose to hand over, so the learner's code cannot reach into it.
"""

from __future__ import annotations

import base64
import builtins
import datetime as dt
import decimal
import fractions
import functools
import json
import linecache
import math
import operator
import os
import pathlib
import socket
import struct
import traceback
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable
from typing import Any

MAX_FRAME = 16 * 1024 * 1024
MAX_DEPTH = 100
MAX_ITEMS = 1_000_000
#: Most released references one message carries (the rest go with the next).
MAX_RELEASES = 10_000
_NAME_CHARS = 80

#: Operators a proxy forwards, by the name of the special method, to a function of the object.
_UNARY: dict[str, Callable[[Any], Any]] = {
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
_BINARY: dict[str, Callable[[Any, Any], Any]] = {
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
_TERNARY: dict[str, Callable[[Any, Any, Any], Any]] = {
    "__setitem__": operator.setitem,
}
#: What a restricted peer (the harness) serves on the objects it handed over.
_RESTRICTED_OPS = {
    "__len__", "__iter__", "__next__", "__bool__", "__str__", "__repr__", "__hash__",
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__getitem__", "__contains__",
}  # fmt: skip


class LinkError(Exception):
    """The other end broke the protocol, died, or sent something unreadable."""


class StaleReference(Exception):
    """A proxy for an object of a learner process that has since been replaced."""


def _frame(message: dict[str, Any]) -> bytes:
    data = json.dumps(message, separators=(",", ":")).encode()
    if len(data) > MAX_FRAME:
        raise LinkError(f"a value of {len(data):,} bytes is too large to pass between processes")
    return data


def send_frame(sock: socket.socket, message: dict[str, Any] | bytes) -> None:
    """One length-prefixed JSON frame (``message`` may be encoded already)."""
    data = message if isinstance(message, bytes) else _frame(message)
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


def _name(value: object) -> str:
    text = str(value)[:_NAME_CHARS]
    return "".join(c if c.isalnum() or c in "_." else "_" for c in text) or "_"


class Remote:
    """A proxy for an object held by the other end."""

    __slots__ = ("__weakref__", "_mc_gen", "_mc_id", "_mc_path", "_mc_peer", "_mc_type")

    def __init__(
        self, peer: Peer, ref_id: int, gen: int, path: tuple[str, ...] | None, type_name: str
    ) -> None:
        object.__setattr__(self, "_mc_peer", peer)
        object.__setattr__(self, "_mc_id", ref_id)
        object.__setattr__(self, "_mc_gen", gen)
        object.__setattr__(self, "_mc_path", path)
        object.__setattr__(self, "_mc_type", type_name)
        peer.proxy_made(ref_id, gen)

    def __del__(self) -> None:
        try:
            peer: Peer = object.__getattribute__(self, "_mc_peer")
            peer.proxy_gone(
                object.__getattribute__(self, "_mc_id"), object.__getattribute__(self, "_mc_gen")
            )
        except Exception:  # noqa: S110 — half-built, or the interpreter is shutting down
            pass

    def _mc_op(self, op: str, **fields: Any) -> Any:
        peer: Peer = object.__getattribute__(self, "_mc_peer")
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


for _op in (*_UNARY, *_BINARY):  # isinstance(x, proxy) asks the other end too
    setattr(Remote, _op, _forward(_op))


def _assert_line(exc: BaseException) -> str:
    """The failing ``assert`` line, for an ``AssertionError`` without a message."""
    for frame, line in reversed(list(traceback.walk_tb(exc.__traceback__))):
        text = linecache.getline(frame.f_code.co_filename, line).strip()
        if text:
            return text
    return ""


def _plain(value: Any) -> bool:
    """Whether ``value`` crosses by value (exception arguments that do not become text)."""
    return value is None or type(value) in (bool, int, float, str, list, tuple, dict, bytes)


def _construct(cls: type[BaseException], args: Any, os_args: Any, message: str) -> BaseException:
    attempts: list[tuple[Any, ...]] = []
    if isinstance(os_args, list) and len(os_args) == 3 and isinstance(os_args[0], int):
        code, strerror, filename = os_args
        attempts.append(
            (code, str(strerror)) if filename is None else (code, str(strerror), filename)
        )
    if isinstance(args, list):
        attempts.append(tuple(args))
    attempts.append((message,))
    for attempt in attempts:
        try:
            return cls(*attempt)
        except Exception:  # noqa: S112 — a constructor wanting other arguments: try the next
            continue
    return RuntimeError(f"{cls.__name__}: {message}")


def _builtin_exception(name: str) -> type[BaseException] | None:
    found = getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, BaseException):
        return found
    return None


def _just_serve(serve: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return serve()


class Peer:
    """One end of the link: a table of local objects handed over, proxies for the other end's,
    and a request loop that serves the other end while it waits for its own answer."""

    def __init__(self, sock: socket.socket, *, restricted: bool, gen: int = 0) -> None:
        self.sock = sock
        self.restricted = restricted
        self.gen = gen
        self.pid = os.getpid()
        self._objects: dict[int, Any] = {}
        self._ids: dict[int, int] = {}
        self._next = 1
        #: live proxies per reference of the other end, and references none is left for
        self._proxies: dict[int, int] = {}
        self._released: set[int] = set()
        self._exc_classes: dict[tuple[str, str], type[BaseException]] = {}
        #: extra operations this end serves (``import`` on the agent, ``input`` on the harness)
        self.extra_ops: dict[str, Callable[[dict[str, Any]], Any]] = {}
        #: called with each reply before it is used (the harness relays captured output)
        self.on_reply: Callable[[dict[str, Any]], None] = lambda reply: None
        #: wraps serving a request (the agent captures the learner's output around it)
        self.around_serve: Callable[[Callable[[], dict[str, Any]]], dict[str, Any]] = _just_serve
        #: re-resolves a proxy by its path when its process was replaced (the harness)
        self.resolve_path: Callable[[tuple[str, ...]], Remote] | None = None
        #: runs before each request (the harness starts the learner's process when needed)
        self.before_request: Callable[[], None] = lambda: None
        #: runs when the link breaks (the harness forgets the dead process)
        self.on_broken: Callable[[], None] = lambda: None

    def reset_tables(self) -> None:
        """Forget every object handed over: the other end was replaced."""
        self._objects.clear()
        self._ids.clear()
        self._next = 1
        self._proxies.clear()
        self._released.clear()

    # ------------------------------------------------------------------ lifetimes
    def proxy_made(self, ref_id: int, gen: int) -> None:
        """A proxy for the other end's ``ref_id`` now exists here."""
        if gen == self.gen:
            self._proxies[ref_id] = self._proxies.get(ref_id, 0) + 1

    def proxy_gone(self, ref_id: int, gen: int) -> None:
        """A proxy was collected; when it was the last for ``ref_id``, the other end may let the
        object go (told with the next message)."""
        if gen != self.gen or ref_id not in self._proxies:
            return
        left = self._proxies[ref_id] - 1
        if left > 0:
            self._proxies[ref_id] = left
        else:
            del self._proxies[ref_id]
            self._released.add(ref_id)

    def _releases(self) -> list[int]:
        """References to give back with an outgoing message: those still without a proxy here
        (one may have been made again since it was collected)."""
        if not self._released:
            return []
        pending, self._released = self._released, set()
        ready = sorted(i for i in pending if i not in self._proxies)
        self._released.update(ready[MAX_RELEASES:])
        return ready[:MAX_RELEASES]

    def _let_go(self, ids: Any) -> None:
        """Forget objects the other end holds no proxy for any more."""
        if not isinstance(ids, list):
            return
        for ref_id in ids[:MAX_RELEASES]:
            if type(ref_id) is not int:
                continue
            obj = self._objects.pop(ref_id, None)
            if obj is not None and self._ids.get(id(obj)) == ref_id:
                del self._ids[id(obj)]

    # ------------------------------------------------------------------ values
    def _hold(self, obj: Any) -> int:
        key = id(obj)
        found = self._ids.get(key)
        if found is not None and self._objects.get(found) is obj:
            return found
        ref_id = self._next
        self._next += 1
        self._objects[ref_id] = obj
        self._ids[key] = ref_id
        return ref_id

    def encode(self, value: Any, depth: int = 0) -> Any:
        """A JSON-ready form of ``value``: by value where possible, else a reference."""
        if depth > MAX_DEPTH:
            raise LinkError("a value nested too deeply to pass between processes")
        kind = type(value)
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
        if kind in (list, tuple, set, frozenset):
            if len(value) > MAX_ITEMS:
                raise LinkError("a collection too large to pass between processes")
            items = [self.encode(v, depth + 1) for v in value]
            return items if kind is list else {"$": kind.__name__, "v": items}
        if kind in (dict, OrderedDict, defaultdict, Counter):
            if len(value) > MAX_ITEMS:
                raise LinkError("a collection too large to pass between processes")
            pairs = [
                [self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()
            ]
            return {"$": "dict", "v": pairs}
        if kind in (bytes, bytearray):
            return {"$": kind.__name__, "v": base64.b64encode(value).decode()}
        if kind is complex:
            return {"$": "complex", "v": [repr(value.real), repr(value.imag)]}
        if kind is decimal.Decimal:
            return {"$": "decimal", "v": str(value)}
        if kind is fractions.Fraction:
            return {"$": "fraction", "v": [value.numerator, value.denominator]}
        if isinstance(value, pathlib.PurePath):
            return {"$": "path", "v": str(value)}
        if kind in (dt.date, dt.datetime, dt.time):
            return {"$": kind.__name__, "v": value.isoformat()}
        if kind is dt.timedelta:
            return {"$": "timedelta", "v": [value.days, value.seconds, value.microseconds]}
        if kind is range:
            return {"$": "range", "v": [value.start, value.stop, value.step]}
        if isinstance(value, Remote) and object.__getattribute__(value, "_mc_peer") is self:
            path = object.__getattribute__(value, "_mc_path")
            stale = object.__getattribute__(value, "_mc_gen") != self.gen
            if stale and path is not None and self.resolve_path is not None:
                value = self.resolve_path(path)
            self._check_fresh(value)
            return {"$": "yours", "id": object.__getattribute__(value, "_mc_id")}
        if isinstance(value, type) and issubclass(value, BaseException):
            remote = getattr(value, "_mc_remote_id", None)
            if remote is not None and getattr(value, "_mc_peer", None) is self:
                return {"$": "yours", "id": remote}
            found = _builtin_exception(value.__name__)
            if found is value:
                return {"$": "builtin", "v": value.__name__}
        return self._ref(value)

    def _ref(self, value: Any) -> dict[str, Any]:
        ref: dict[str, Any] = {
            "$": "ref",
            "id": self._hold(value),
            "type": _name(type(value).__name__),
        }
        if isinstance(value, type) and issubclass(value, BaseException):
            ref["exc"] = self._exc_bases(value)
            ref["name"] = _name(value.__name__)
            ref["module"] = _name(getattr(value, "__module__", ""))
        return ref

    def _exc_bases(self, cls: type[BaseException]) -> list[Any]:
        bases: list[Any] = []
        for base in cls.__bases__:
            if not issubclass(base, BaseException):
                continue
            if _builtin_exception(base.__name__) is base:
                bases.append(base.__name__)
            else:
                bases.append(self._ref(base))
        return bases

    def decode(self, data: Any, depth: int = 0, path: tuple[str, ...] | None = None) -> Any:
        """The value ``encode`` (at the other end) sent; never runs code of the other end."""
        if depth > MAX_DEPTH:
            raise LinkError("a value nested too deeply")
        if data is None or isinstance(data, bool | int | float | str):
            return data
        if isinstance(data, list):
            return [self.decode(v, depth + 1) for v in data]
        if not isinstance(data, dict):
            raise LinkError("an unreadable value")
        tag = data.get("$")
        v: Any = data.get("v")
        try:
            if tag in ("tuple", "set", "frozenset"):
                items = [self.decode(x, depth + 1) for x in v]
                return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
            if tag == "dict":
                return {self.decode(k, depth + 1): self.decode(x, depth + 1) for k, x in v}
            if tag in ("bytes", "bytearray"):
                raw = base64.b64decode(v, validate=True)
                return raw if tag == "bytes" else bytearray(raw)
            if tag == "float":
                return float(v)
            if tag == "complex":
                return complex(float(v[0]), float(v[1]))
            if tag == "decimal":
                return decimal.Decimal(str(v))
            if tag == "fraction":
                return fractions.Fraction(int(v[0]), int(v[1]))
            if tag == "path":
                return pathlib.Path(str(v))
            if tag == "date":
                return dt.date.fromisoformat(str(v))
            if tag == "datetime":
                return dt.datetime.fromisoformat(str(v))
            if tag == "time":
                return dt.time.fromisoformat(str(v))
            if tag == "timedelta":
                return dt.timedelta(days=int(v[0]), seconds=int(v[1]), microseconds=int(v[2]))
            if tag == "range":
                return range(int(v[0]), int(v[1]), int(v[2]))
            if tag == "builtin":
                found = _builtin_exception(str(v))
                if found is None:
                    raise LinkError("an unknown built-in exception")
                return found
            if tag == "yours":
                ref_id = int(data["id"])
                if ref_id not in self._objects:
                    raise LinkError("a reference to nothing")
                return self._objects[ref_id]
            if tag == "ref":
                if "exc" in data:
                    return self._exception_class(data, depth)
                return Remote(self, int(data["id"]), self.gen, path, _name(data.get("type")))
        except (
            TypeError,
            ValueError,
            KeyError,
            IndexError,
            OverflowError,
            decimal.DecimalException,
        ):
            raise LinkError("an unreadable value") from None
        raise LinkError("an unreadable value")

    def _exception_class(self, data: dict[str, Any], depth: int) -> type[BaseException]:
        ref_id = int(data["id"])
        key = (_name(data.get("module")), _name(data.get("name")))
        known = self._exc_classes.get(key)
        if known is not None:
            known._mc_remote_id = ref_id  # type: ignore[attr-defined]  # this process's id
            return known
        bases: list[type[BaseException]] = []
        for base in data.get("exc") or []:
            cls = (
                _builtin_exception(base)
                if isinstance(base, str)
                else self._exception_class(base, depth + 1)
                if isinstance(base, dict) and "exc" in base
                else None
            )
            if cls is None or cls in (KeyboardInterrupt, GeneratorExit):
                cls = Exception
            if cls not in bases:
                bases.append(cls)
        try:
            made = type(
                _name(data.get("name")),
                tuple(bases or [Exception]),
                {
                    "__module__": _name(data.get("module")),
                    "_mc_remote_id": ref_id,
                    "_mc_peer": self,
                },
            )
        except TypeError:  # an impossible layout of built-in bases
            made = type(_name(data.get("name")), (Exception,), {"_mc_remote_id": ref_id})
        self._exc_classes[key] = made
        return made

    def encode_exception(self, exc: BaseException) -> dict[str, Any]:
        """An exception raised here, for the other end to raise: its class, its arguments (by
        value, or as text), and what the report needs (the cause chain and an errno)."""
        chain: list[str] = []
        code: int | None = None
        cur: BaseException | None = exc
        while cur is not None and len(chain) < 6:
            chain.append(type(cur).__name__)
            found = getattr(cur, "errno", None)
            if code is None and isinstance(found, int):
                code = found
            reason = getattr(cur, "reason", None)
            cur = reason if isinstance(reason, BaseException) else cur.__cause__ or cur.__context__
        message = str(exc) or (_assert_line(exc) if isinstance(exc, AssertionError) else "")
        args: list[Any] = [] if str(exc) or not message else [message]
        for arg in exc.args[:8]:
            try:
                args.append(self.encode(arg) if _plain(arg) else repr(arg)[:2000])
            except LinkError:
                args.append(repr(arg)[:2000])
        cls = type(exc)
        builtin = _builtin_exception(cls.__name__) is cls
        filename = getattr(exc, "filename", None) if isinstance(exc, OSError) else None
        return {
            "class": {"$": "builtin", "v": cls.__name__} if builtin else self._ref(cls),
            "args": args,
            "message": message[:2000],
            "chain": chain,
            "errno": code,
            "os": [exc.errno, exc.strerror, filename if isinstance(filename, str) else None]
            if builtin and isinstance(exc, OSError) and isinstance(exc.errno, int)
            else None,
        }

    def decode_exception(self, data: Any) -> BaseException:
        """The exception the other end raised, as a local one to raise."""
        if not isinstance(data, dict):
            return LinkError("an unreadable exception")
        try:
            cls = self.decode(data.get("class"))
            args = self.decode(data.get("args"))
        except LinkError as exc:
            return exc
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            return LinkError("an unreadable exception")
        if cls in (KeyboardInterrupt, GeneratorExit):
            cls = RuntimeError
        message = str(data.get("message") or "")
        made = _construct(cls, args, data.get("os"), message)
        chain = data.get("chain")
        if isinstance(chain, list):
            code = data.get("errno")
            made._mc_chain = [str(t) for t in chain][:6]  # type: ignore[attr-defined]
            made._mc_errno = code if isinstance(code, int) else None  # type: ignore[attr-defined]
            made._mc_message = message  # type: ignore[attr-defined]
        return made

    # ------------------------------------------------------------------ requests
    def _check_fresh(self, proxy: Remote) -> None:
        if object.__getattribute__(proxy, "_mc_gen") != self.gen:
            raise StaleReference(
                "this object belonged to your code's process before it was restarted "
                "(after a time-out); create it again in the test that uses it"
            )

    def on_remote(self, proxy: Remote, op: str, fields: dict[str, Any]) -> Any:
        """Forward an operation on a proxy; refreshes module-level proxies after a restart."""
        self.before_request()
        if object.__getattribute__(proxy, "_mc_gen") != self.gen:
            path = object.__getattribute__(proxy, "_mc_path")
            if path is None or self.resolve_path is None:
                self._check_fresh(proxy)
            else:
                proxy = self.resolve_path(path)
        ref_id = object.__getattribute__(proxy, "_mc_id")
        path = object.__getattribute__(proxy, "_mc_path")
        if op == "call":
            args, kwargs = fields["args"], fields["kwargs"]
            message = {
                "op": "call",
                "id": ref_id,
                "args": [self.encode(a) for a in args],
                "kwargs": {str(k): self.encode(v) for k, v in kwargs.items()},
            }
            reply = self.request(message)
            self._copy_back(args, kwargs, reply.get("mut"))
            return self.decode(reply.get("ok"))
        if op == "getattr":
            sub = None if path is None else (*path, str(fields["name"]))
            reply = self.request({"op": "getattr", "id": ref_id, "name": fields["name"]})
            return self.decode(reply.get("ok"), path=sub)
        if op == "setattr":
            value = self.encode(fields["value"])
            self.request({"op": "setattr", "id": ref_id, "name": fields["name"], "value": value})
            return None
        if op in ("delattr", "dir"):
            reply = self.request({"op": op, "id": ref_id, "name": fields.get("name", "")})
            return self.decode(reply.get("ok"))
        if op == "exit":
            reply = self.request({"op": "exit", "id": ref_id, "args": []})
            return self.decode(reply.get("ok"))
        args = [self.encode(a) for a in fields.get("args", ())]
        reply = self.request({"op": "op", "id": ref_id, "name": fields["name"], "args": args})
        return self.decode(reply.get("ok"))

    def _copy_back(self, args: Any, kwargs: dict[str, Any], mut: Any) -> None:
        """Mutable arguments the other end changed in place change here too."""
        if not isinstance(mut, list):
            return
        for entry in mut:
            try:
                where, key, data = entry
                target = args[int(key)] if where == "a" else kwargs[str(key)]
                new = self.decode(data)
            except (LinkError, ValueError, TypeError, IndexError, KeyError):
                continue
            if type(target) is not type(new):
                continue
            if isinstance(target, list | bytearray):
                target[:] = new
            elif isinstance(target, set | dict):
                target.clear()
                target.update(new)

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a request; serve the other end's requests until the answer comes."""
        self.before_request()
        released = self._releases()
        if released:
            message = {**message, "rel": released}
        try:
            frame = _frame({"q": message})  # a value too large fails here, with the link intact
        except LinkError:
            self._released.update(released)
            raise
        try:
            send_frame(self.sock, frame)
            reply = self._await_reply()
        except (LinkError, OSError):
            self.on_broken()
            raise LinkError(
                "the process running your code ended, or broke its link to the tests"
            ) from None
        self._let_go(reply.get("rel"))
        self.on_reply(reply)
        if "exc" in reply:
            raise self.decode_exception(reply["exc"])
        return reply

    def _await_reply(self) -> dict[str, Any]:
        while True:
            frame = recv_frame(self.sock)
            if "q" in frame:
                served = self.around_serve(functools.partial(self.serve, frame["q"]))
                try:
                    data = _frame({"r": served})
                except LinkError as exc:
                    data = _frame({"r": self.error_reply(exc, served)})
                send_frame(self.sock, data)
                continue
            reply = frame.get("r")
            if not isinstance(reply, dict):
                raise LinkError("an unreadable reply")
            return reply

    def error_reply(self, exc: BaseException, unsent: dict[str, Any]) -> dict[str, Any]:
        """The reply that replaces ``unsent`` when it cannot be sent: ``exc``, keeping the
        references ``unsent`` gave back."""
        return {"exc": self.encode_exception(exc), "rel": unsent.get("rel", [])}

    def serve(self, message: Any) -> dict[str, Any]:
        """Carry out one request of the other end on a local object; the answer carries the
        references this end gives back."""
        if isinstance(message, dict):
            self._let_go(message.get("rel"))
        reply = self._serve(message)
        released = self._releases()
        if released:
            reply["rel"] = released
        return reply

    def _serve(self, message: Any) -> dict[str, Any]:
        try:
            if not isinstance(message, dict):
                raise LinkError("an unreadable request")
            op = message.get("op")
            if isinstance(op, str) and op in self.extra_ops:
                return {"ok": self.encode(self.extra_ops[op](message))}
            target = self._objects.get(int(message.get("id", 0)))
            if target is None:
                raise LinkError("a reference to nothing")
            name = str(message.get("name", ""))
            if self.restricted and (
                (op in ("getattr",) and name.startswith("_"))
                or (op == "op" and name not in _RESTRICTED_OPS)
                or op not in ("call", "getattr", "op")
            ):
                raise PermissionError(f"the tests' object does not allow {op} {name}".strip())
            if op == "call":
                args = self.decode(message.get("args") or [])
                kwargs_data = message.get("kwargs") or {}
                kwargs = {str(k): self.decode(v) for k, v in kwargs_data.items()}
                result = target(*args, **kwargs)
                mut = [
                    ["a", i, self.encode(a)]
                    for i, a in enumerate(args)
                    if type(a) in (list, dict, set, bytearray)
                ] + [
                    ["k", k, self.encode(a)]
                    for k, a in kwargs.items()
                    if type(a) in (list, dict, set, bytearray)
                ]
                return {"ok": self.encode(result), "mut": mut}
            if op == "getattr":
                return {"ok": self.encode(getattr(target, name))}
            if op == "setattr":
                setattr(target, name, self.decode(message.get("value")))
                return {"ok": None}
            if op == "delattr":
                delattr(target, name)
                return {"ok": None}
            if op == "dir":
                return {"ok": self.encode([str(n) for n in dir(target)])}
            if op == "exit":
                return {"ok": self.encode(target.__exit__(None, None, None))}
            if op == "op":
                args = self.decode(message.get("args") or [])
                if name in _UNARY and not args:
                    return {"ok": self.encode(_UNARY[name](target))}
                if name in _BINARY and len(args) == 1:
                    return {"ok": self.encode(_BINARY[name](target, args[0]))}
                if name in _TERNARY and len(args) == 2:
                    return {"ok": self.encode(_TERNARY[name](target, args[0], args[1]))}
            raise LinkError(f"an unknown request {op!r}")
        except BaseException as exc:
            if self.restricted and not isinstance(exc, Exception):
                raise  # the harness's own time-out (or exit) is never sent away
            try:
                return {"exc": self.encode_exception(exc)}
            except LinkError as inner:
                return {"exc": self.encode_exception(inner)}
