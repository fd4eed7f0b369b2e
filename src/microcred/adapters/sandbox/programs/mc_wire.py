"""The link between the test harness and the learner's process, used on both ends.

Runs inside the sandbox (standard library only): the harness (trusted: it writes the report)
and the agent (untrusted: it runs the learner's code) are two processes joined by a socket.
Each end holds a :class:`Peer` (its values: ``mc_values``; frames and proxies: ``mc_link``).
Values cross by value where Python has a plain type for them (numbers, strings, bytes, lists,
tuples, dicts, sets, paths, decimals, dates…) and by reference otherwise: the other end then
holds a :class:`Remote` proxy that forwards attribute access, calls and operators. Exceptions
cross too, as local classes standing in for remote ones.

Everything a peer receives is untrusted input to it: frames are size-checked, values depth- and
size-checked, and a *restricted* peer (the harness) serves only calls, public attributes and a
few operators on objects it chose to hand over, so the learner's code cannot reach into it.
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING or __package__:  # in the package (type checks, tests)
    from . import mc_link, mc_values
else:  # inside the sandbox: modules beside this one
    import mc_link
    import mc_values

#: The link's names, for both ends (``mc_agent``, ``mc_remote``).
LinkError = mc_link.LinkError
StaleReference = mc_link.StaleReference
Remote = mc_link.Remote
send_frame = mc_link.send_frame
recv_frame = mc_link.recv_frame
MAX_RELEASES = mc_link.MAX_RELEASES
__all__ = [
    "MAX_RELEASES",
    "LinkError",
    "Peer",
    "Remote",
    "StaleReference",
    "recv_frame",
    "send_frame",
]


def _just_serve(serve: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return serve()


class Peer(mc_values.Codec):
    """One end of the link: a table of local objects handed over, proxies for the other end's,
    and a request loop that serves the other end while it waits for its own answer."""

    def __init__(self, sock: socket.socket, *, restricted: bool, gen: int = 0) -> None:
        super().__init__(gen)
        self.sock = sock
        self.restricted = restricted
        self.pid = os.getpid()
        #: extra operations this end serves (``import`` on the agent, ``input`` on the harness)
        self.extra_ops: dict[str, Callable[[dict[str, Any]], Any]] = {}
        #: called with each reply before it is used (the harness relays captured output)
        self.on_reply: Callable[[dict[str, Any]], None] = lambda reply: None
        #: wraps serving a request (the agent captures the learner's output around it)
        self.around_serve: Callable[[Callable[[], dict[str, Any]]], dict[str, Any]] = _just_serve
        #: runs before each request (the harness starts the learner's process when needed)
        self.before_request: Callable[[], None] = lambda: None
        #: runs when the link breaks (the harness forgets the dead process)
        self.on_broken: Callable[[], None] = lambda: None

    # ------------------------------------------------------------------ requests
    def on_remote(self, proxy: mc_link.Remote, op: str, fields: dict[str, Any]) -> Any:
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
            except (mc_link.LinkError, ValueError, TypeError, IndexError, KeyError):
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
            frame = mc_link.encode_frame(
                {"q": message}
            )  # a value too large fails here, with the link intact
        except mc_link.LinkError:
            self._released.update(released)
            raise
        try:
            mc_link.send_frame(self.sock, frame)
            reply = self._await_reply()
        except (mc_link.LinkError, OSError):
            self.on_broken()
            raise mc_link.LinkError(
                "the process running your code ended, or broke its link to the tests"
            ) from None
        self._let_go(reply.get("rel"))
        self.on_reply(reply)
        if "exc" in reply:
            raise self.decode_exception(reply["exc"])
        return reply

    def _await_reply(self) -> dict[str, Any]:
        while True:
            frame = mc_link.recv_frame(self.sock)
            if "q" in frame:
                served = self.around_serve(functools.partial(self.serve, frame["q"]))
                try:
                    data = mc_link.encode_frame({"r": served})
                except mc_link.LinkError as exc:
                    data = mc_link.encode_frame({"r": self.error_reply(exc, served)})
                mc_link.send_frame(self.sock, data)
                continue
            reply = frame.get("r")
            if not isinstance(reply, dict):
                raise mc_link.LinkError("an unreadable reply")
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
                raise mc_link.LinkError("an unreadable request")
            op = message.get("op")
            if isinstance(op, str) and op in self.extra_ops:
                return {"ok": self.encode(self.extra_ops[op](message))}
            target = self._objects.get(int(message.get("id", 0)))
            if target is None:
                raise mc_link.LinkError("a reference to nothing")
            name = str(message.get("name", ""))
            if self.restricted and (
                (op in ("getattr",) and name.startswith("_"))
                or (op == "op" and name not in mc_link.RESTRICTED_OPS)
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
                if name in mc_link.UNARY and not args:
                    return {"ok": self.encode(mc_link.UNARY[name](target))}
                if name in mc_link.BINARY and len(args) == 1:
                    return {"ok": self.encode(mc_link.BINARY[name](target, args[0]))}
                if name in mc_link.TERNARY and len(args) == 2:
                    return {"ok": self.encode(mc_link.TERNARY[name](target, args[0], args[1]))}
            raise mc_link.LinkError(f"an unknown request {op!r}")
        except BaseException as exc:
            if self.restricted and not isinstance(exc, Exception):
                raise  # the harness's own time-out (or exit) is never sent away
            try:
                return {"exc": self.encode_exception(exc)}
            except mc_link.LinkError as inner:
                return {"exc": self.encode_exception(inner)}
