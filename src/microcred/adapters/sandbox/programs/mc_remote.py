"""The harness's side of the link: the learner's modules, imported as proxies.

``install(work, control)`` puts a finder first on ``sys.meta_path`` that answers for every
top-level module or package in the learner's directory. Importing one starts (once) the
learner's process (``mc_agent.py``) and returns a module whose attributes live there: calling
``solution.add(2, 3)`` runs ``add`` in that process and brings ``5`` back by value. The tests,
pytest and the report stay in this process, which the learner's code cannot reach.

The sandbox's stage two starts, reaps and stops the learner's processes on request over the
``control`` socket: they run under a uid of their own, so they can neither read the tests nor
signal this process, and this process could not start or kill them itself.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.abc
import importlib.machinery
import os
import socket
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING or __package__:  # in the package (type checks, tests)
    from . import mc_wire
else:  # inside the sandbox: a module beside this one
    import mc_wire

HERE = os.path.dirname(os.path.abspath(__file__))


def _HARNESS_PATH() -> list[str]:  # noqa: N802 — reads as the constant it almost is
    """Where the harness's Python finds modules, without the harness's own directory."""
    return [p for p in sys.path if p and os.path.abspath(p) != HERE]


class LearnerProcess:
    """The learner's process, started when first needed and again after it was killed."""

    def __init__(self, work: str, control: socket.socket) -> None:
        self.work = work
        self.control = control
        self._pid = 0
        self.peer = mc_wire.Peer(socket.socket(), restricted=True, gen=0)
        self.peer.sock.close()
        self.peer.extra_ops["input"] = self._input
        self.peer.extra_ops["stdin"] = self._stdin
        self.peer.on_reply = self._relay
        self.peer.resolve_path = self._resolve
        self.peer.before_request = self._ensure
        self.peer.on_broken = self.stop
        self._modules: dict[str, mc_wire.Remote] = {}
        self._live = False

    @property
    def pid(self) -> int | None:
        """The learner process's pid, while it runs."""
        return self._pid if self._live else None

    def _ask(self, request: bytes) -> tuple[bytes, list[int]]:
        """Send ``request`` to stage two and wait for its answer (stale answers of a request
        a time-out interrupted are dropped)."""
        self.control.send(request)
        while True:
            answer, fds, _flags, _addr = socket.recv_fds(self.control, 256, 1)
            if not answer:
                raise RuntimeError("the sandbox stopped answering")
            if answer.startswith(b"! "):
                raise RuntimeError(answer[2:].decode("utf-8", "replace"))
            if answer.split(b" ", 1)[0] == request:
                return answer, fds
            for fd in fds:
                os.close(fd)

    def _start(self) -> None:
        answer, fds = self._ask(b"spawn")
        if len(fds) != 1:
            raise RuntimeError("the sandbox sent no link to the learner's process")
        self._pid = int(answer.split()[1])
        self.peer.sock = socket.socket(fileno=fds[0])
        self.peer.gen += 1
        self.peer.reset_tables()
        self._modules.clear()
        self._live = True

    def stop(self) -> None:
        """Kill the learner's processes (a time-out, or the end); proxies re-resolve later."""
        if self._pid:
            with contextlib.suppress(OSError, RuntimeError):
                self._ask(b"stop")
        self.peer.sock.close()
        self._live = False

    def reap(self) -> None:
        """Kill every process the learner's code started, keeping the learner's process."""
        if self._pid:
            self._ask(b"reap")

    def _ensure(self) -> None:
        if not self._live:
            self._start()

    def module(self, name: str) -> mc_wire.Remote:
        """The proxy of a learner module in the current process."""
        self._ensure()
        found = self._modules.get(name)
        if found is None or object.__getattribute__(found, "_mc_gen") != self.peer.gen:
            reply = self.peer.request({"op": "import", "name": name})
            found = self.peer.decode(reply.get("ok"), path=(name,))
            if not isinstance(found, mc_wire.Remote):
                raise ImportError(f"{name} is not a module")
            self._modules[name] = found
        return found

    def _resolve(self, path: tuple[str, ...]) -> mc_wire.Remote:
        obj: Any = self.module(path[0])
        for attr in path[1:]:
            obj = getattr(obj, attr)
        if not isinstance(obj, mc_wire.Remote):
            raise mc_wire.StaleReference("that object is not in your code's process any more")
        return obj

    @staticmethod
    def _relay(reply: dict[str, Any]) -> None:
        for key, stream in (("out", sys.stdout), ("err", sys.stderr)):
            text = reply.get(key)
            if isinstance(text, str) and text:
                stream.write(text)

    @staticmethod
    def _input(message: dict[str, Any]) -> str:
        return builtins.input(str(message.get("prompt", "")))

    @staticmethod
    def _stdin(message: dict[str, Any]) -> str:
        n = message.get("n")
        size = n if isinstance(n, int) else -1
        if message.get("m") == "readline":
            return str(sys.stdin.readline(size))
        return str(sys.stdin.read(size))


class LearnerModule(types.ModuleType):
    """A learner module: attributes are fetched from the learner's process."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(_process().module(self.__name__), name)


class _Loader(importlib.abc.Loader):
    def __init__(self, package: bool) -> None:
        self.package = package

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = LearnerModule(spec.name)
        if self.package:
            module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        proxy = _process().module(module.__name__)
        try:
            exported = proxy.__all__
        except AttributeError:
            exported = [n for n in dir(proxy) if not n.startswith("_")]
        module.__all__ = [str(n) for n in exported if isinstance(n, str)]  # type: ignore[attr-defined]
        with contextlib.suppress(AttributeError):
            module.__file__ = str(proxy.__file__)


class _Finder(importlib.abc.MetaPathFinder):
    """Answers for the learner's top-level modules and packages, except names the harness's own
    Python already has (the standard library, pytest, installed packages): a learner file
    called ``difflib.py`` must not become the module pytest imports to explain a failure."""

    def __init__(self, work: str) -> None:
        self.top: dict[str, bool] = {}
        for entry in os.listdir(work):
            path = os.path.join(work, entry)
            if entry.endswith(".py") and os.path.isfile(path) and entry[:-3].isidentifier():
                self.top.setdefault(entry[:-3], False)
            elif os.path.isdir(path) and entry.isidentifier() and not entry.startswith("."):
                self.top[entry] = True
        for name in list(self.top):
            if (
                name in sys.stdlib_module_names
                or name in sys.modules
                or importlib.machinery.PathFinder.find_spec(name, _HARNESS_PATH()) is not None
            ):
                del self.top[name]

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        top = fullname.split(".", 1)[0]
        if top not in self.top:
            return None
        package = self.top[top] if fullname == top else _is_package(fullname)
        return importlib.machinery.ModuleSpec(fullname, _Loader(package), is_package=package)


def _is_package(fullname: str) -> bool:
    return os.path.isdir(os.path.join(_process().work, *fullname.split(".")))


_INSTALLED: list[LearnerProcess] = []


def _process() -> LearnerProcess:
    return _INSTALLED[0]


def install(work: str, control_fd: int) -> LearnerProcess:
    """Serve the learner's modules from their own process, started through the sandbox's
    ``control_fd``; returns that process's handle."""
    control = socket.socket(fileno=control_fd)
    _INSTALLED[:] = [LearnerProcess(work, control)]
    sys.meta_path.insert(0, _Finder(work))
    return _INSTALLED[0]
