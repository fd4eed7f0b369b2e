"""Programs that run inside the code sandbox, kept as real modules so they are linted and typed.

Standard library only, and nothing runs on import: each is read as text (:func:`source`) and
started by its own interpreter. ``stage2`` (PID 1 of the run's namespaces) and ``probe`` (the
sandbox's self-test) are passed with ``-c``; the harness (``run``), the learner's process
(``mc_agent``), the harness's view of it (``mc_remote``) and the link between them (``mc_wire``,
on ``mc_values`` and ``mc_link``) are copied into the sandbox, where they import each other as
top-level modules.
"""

from __future__ import annotations

from importlib import resources


def source(name: str) -> bytes:
    """The source of the program file ``name`` (e.g. ``"stage2.py"``), as installed."""
    return (resources.files(__name__) / name).read_bytes()


def text(name: str) -> str:
    """:func:`source` as text, for ``python -c``."""
    return source(name).decode("utf-8")
