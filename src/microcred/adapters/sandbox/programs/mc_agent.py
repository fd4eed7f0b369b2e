"""The learner's process: imports and runs the learner's code for the test harness.

Started by the harness inside the sandbox as ``python -s -B -u mc_agent.py FD WORK``; talks
over the inherited socket ``FD`` only. It holds nothing the harness trusts: the report is not
open here and the harness is out of reach (another process, not dumpable), so whatever the
learner's code does here can only change what its own functions return.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import io
import os
import socket
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING or __package__:  # in the package (type checks, tests)
    from . import mc_wire
else:  # inside the sandbox: a module beside this one
    import mc_wire

OUTPUT_CAP = 1024 * 1024


class _Capture(io.TextIOBase):
    """Collects what the learner's code prints while it serves one request."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.size < OUTPUT_CAP:
            self.parts.append(str(text)[: OUTPUT_CAP - self.size])
            self.size += len(self.parts[-1])
        return len(text)

    def text(self) -> str:
        return "".join(self.parts)


class _Stdin(io.TextIOBase):
    """The harness's stdin (as the tests set it up), read through the link."""

    def __init__(self, peer: mc_wire.Peer) -> None:
        self._peer = peer

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        return str(
            self._peer.decode(self._peer.request({"op": "stdin", "m": "read", "n": size})["ok"])
        )

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        reply = self._peer.request({"op": "stdin", "m": "readline", "n": size})
        return str(self._peer.decode(reply["ok"]))


def main() -> None:
    fd, work = int(sys.argv[1]), sys.argv[2]
    sock = socket.socket(fileno=fd)
    peer = mc_wire.Peer(sock, restricted=False)
    me = os.getpid()
    sys.path[:] = [work] + [p for p in sys.path[1:] if p]
    os.chdir(work)

    def do_import(message: dict[str, Any]) -> Any:
        return importlib.import_module(str(message.get("name")))

    peer.extra_ops["import"] = do_import

    def around(serve: Any) -> dict[str, Any]:
        out, err = _Capture(), _Capture()
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            reply: dict[str, Any] = serve()
        finally:
            sys.stdout, sys.stderr = saved
            if os.getpid() != me:
                os._exit(70)  # a process the learner's code forked never answers
        if out.size or err.size:
            reply["out"], reply["err"] = out.text(), err.text()
        return reply

    peer.around_serve = around

    def remote_input(prompt: object = "") -> str:
        sys.stdout.flush()
        return str(peer.decode(peer.request({"op": "input", "prompt": str(prompt)})["ok"]))

    builtins.input = remote_input
    sys.stdin = _Stdin(peer)
    while True:
        try:
            frame = mc_wire.recv_frame(sock)
        except (mc_wire.LinkError, OSError):
            os._exit(0)
        if os.getpid() != me:
            os._exit(70)
        reply = around(functools.partial(peer.serve, frame.get("q")))
        try:
            mc_wire.send_frame(sock, {"r": reply})
        except mc_wire.LinkError as exc:
            mc_wire.send_frame(sock, {"r": peer.error_reply(exc, reply)})


if __name__ == "__main__":
    main()
