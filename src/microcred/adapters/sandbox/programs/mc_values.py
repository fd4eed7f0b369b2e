"""Values across the link: what crosses by value, what by reference, and exceptions.

Runs inside the sandbox (standard library only). :class:`Codec` is the half of a ``mc_wire.Peer``
that keeps the table of local objects handed over, counts the proxies held for the other end's,
and turns values into JSON-ready data and back. Decoding never runs code of the other end.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import fractions
import linecache
import math
import pathlib
import traceback
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING or __package__:  # in the package (type checks, tests)
    from . import mc_link
else:  # inside the sandbox: a module beside this one
    import mc_link


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


class Codec:
    """A peer's values: a table of local objects handed over (by reference id), live proxies
    per reference of the other end, and the encoding of values and exceptions."""

    def __init__(self, gen: int = 0) -> None:
        self.gen = gen
        self._objects: dict[int, Any] = {}
        self._ids: dict[int, int] = {}
        self._next = 1
        #: live proxies per reference of the other end, and references none is left for
        self._proxies: dict[int, int] = {}
        self._released: set[int] = set()
        self._exc_classes: dict[tuple[str, str], type[BaseException]] = {}
        #: re-resolves a proxy by its path when its process was replaced (the harness)
        self.resolve_path: Callable[[tuple[str, ...]], mc_link.Remote] | None = None

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
        self._released.update(ready[mc_link.MAX_RELEASES :])
        return ready[: mc_link.MAX_RELEASES]

    def _let_go(self, ids: Any) -> None:
        """Forget objects the other end holds no proxy for any more."""
        if not isinstance(ids, list):
            return
        for ref_id in ids[: mc_link.MAX_RELEASES]:
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
        if depth > mc_link.MAX_DEPTH:
            raise mc_link.LinkError("a value nested too deeply to pass between processes")
        kind = type(value)
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
        if kind in (list, tuple, set, frozenset):
            if len(value) > mc_link.MAX_ITEMS:
                raise mc_link.LinkError("a collection too large to pass between processes")
            items = [self.encode(v, depth + 1) for v in value]
            return items if kind is list else {"$": kind.__name__, "v": items}
        if kind in (dict, OrderedDict, defaultdict, Counter):
            if len(value) > mc_link.MAX_ITEMS:
                raise mc_link.LinkError("a collection too large to pass between processes")
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
        if isinstance(value, mc_link.Remote) and object.__getattribute__(value, "_mc_peer") is self:
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
            found = mc_link.builtin_exception(value.__name__)
            if found is value:
                return {"$": "builtin", "v": value.__name__}
        return self._ref(value)

    def _ref(self, value: Any) -> dict[str, Any]:
        ref: dict[str, Any] = {
            "$": "ref",
            "id": self._hold(value),
            "type": mc_link.safe_name(type(value).__name__),
        }
        if isinstance(value, type) and issubclass(value, BaseException):
            ref["exc"] = self._exc_bases(value)
            ref["name"] = mc_link.safe_name(value.__name__)
            ref["module"] = mc_link.safe_name(getattr(value, "__module__", ""))
        return ref

    def _exc_bases(self, cls: type[BaseException]) -> list[Any]:
        bases: list[Any] = []
        for base in cls.__bases__:
            if not issubclass(base, BaseException):
                continue
            if mc_link.builtin_exception(base.__name__) is base:
                bases.append(base.__name__)
            else:
                bases.append(self._ref(base))
        return bases

    def decode(self, data: Any, depth: int = 0, path: tuple[str, ...] | None = None) -> Any:
        """The value ``encode`` (at the other end) sent; never runs code of the other end."""
        if depth > mc_link.MAX_DEPTH:
            raise mc_link.LinkError("a value nested too deeply")
        if data is None or isinstance(data, bool | int | float | str):
            return data
        if isinstance(data, list):
            return [self.decode(v, depth + 1) for v in data]
        if not isinstance(data, dict):
            raise mc_link.LinkError("an unreadable value")
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
                found = mc_link.builtin_exception(str(v))
                if found is None:
                    raise mc_link.LinkError("an unknown built-in exception")
                return found
            if tag == "yours":
                ref_id = int(data["id"])
                if ref_id not in self._objects:
                    raise mc_link.LinkError("a reference to nothing")
                return self._objects[ref_id]
            if tag == "ref":
                if "exc" in data:
                    return self._exception_class(data, depth)
                return mc_link.Remote(
                    self, int(data["id"]), self.gen, path, mc_link.safe_name(data.get("type"))
                )
        except (
            TypeError,
            ValueError,
            KeyError,
            IndexError,
            OverflowError,
            decimal.DecimalException,
        ):
            raise mc_link.LinkError("an unreadable value") from None
        raise mc_link.LinkError("an unreadable value")

    def _exception_class(self, data: dict[str, Any], depth: int) -> type[BaseException]:
        ref_id = int(data["id"])
        key = (mc_link.safe_name(data.get("module")), mc_link.safe_name(data.get("name")))
        known = self._exc_classes.get(key)
        if known is not None:
            known._mc_remote_id = ref_id  # type: ignore[attr-defined]  # this process's id
            return known
        bases: list[type[BaseException]] = []
        for base in data.get("exc") or []:
            cls = (
                mc_link.builtin_exception(base)
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
                mc_link.safe_name(data.get("name")),
                tuple(bases or [Exception]),
                {
                    "__module__": mc_link.safe_name(data.get("module")),
                    "_mc_remote_id": ref_id,
                    "_mc_peer": self,
                },
            )
        except TypeError:  # an impossible layout of built-in bases
            made = type(
                mc_link.safe_name(data.get("name")), (Exception,), {"_mc_remote_id": ref_id}
            )
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
            except mc_link.LinkError:
                args.append(repr(arg)[:2000])
        cls = type(exc)
        builtin = mc_link.builtin_exception(cls.__name__) is cls
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
            return mc_link.LinkError("an unreadable exception")
        try:
            cls = self.decode(data.get("class"))
            args = self.decode(data.get("args"))
        except mc_link.LinkError as exc:
            return exc
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            return mc_link.LinkError("an unreadable exception")
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
    def on_remote(self, proxy: mc_link.Remote, op: str, fields: dict[str, Any]) -> Any:
        """Carry out ``op`` on the other end's object behind ``proxy`` (``mc_wire.Peer``)."""
        raise NotImplementedError

    def _check_fresh(self, proxy: mc_link.Remote) -> None:
        if object.__getattribute__(proxy, "_mc_gen") != self.gen:
            raise mc_link.StaleReference(
                "this object belonged to your code's process before it was restarted "
                "(after a time-out); create it again in the test that uses it"
            )
