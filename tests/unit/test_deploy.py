"""The many-process set-up in deploy/ stays true to the CLI and the settings it uses: every
``microcred`` command and option in deploy/compose.yaml exists, and every ``MICROCRED_``
variable is a setting. (It does not start containers: no Docker here.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import typer.main
import yaml

from microcred.cli.main import app
from microcred.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
_SHELL_BREAKS = {";", "&&", "||", "|", ">", "<", "do", "done", "then", "fi"}


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def _commands(service: dict[str, Any]) -> list[list[str]]:
    """Each ``microcred …`` invocation in a service, as argument lists (shell wrappers too)."""
    entry = service.get("entrypoint") or []
    command = service.get("command") or []
    if isinstance(command, str):
        command = shlex.split(command)
    words = [*entry, *command]
    if entry == ["microcred"] or (not entry and service.get("image") == "microcred:local"):
        return [["microcred", *command]]
    found: list[list[str]] = []
    for word in words:
        lexer = shlex.shlex(word.replace("$$", "$"), posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        tokens = list(lexer)
        for i, token in enumerate(tokens):
            if token != "microcred":
                continue
            call = ["microcred"]
            for t in tokens[i + 1 :]:
                if t in _SHELL_BREAKS:
                    break
                call.append(t)
            found.append(call)
    return found


def _check(call: list[str]) -> None:
    # typer ships its own click: a group is whatever has sub-commands
    group: Any = typer.main.get_command(app)
    args = call[1:]
    while hasattr(group, "commands") and args and not args[0].startswith("-"):
        sub = group.commands.get(args[0])
        assert sub is not None, f"no command {args[0]!r} in {' '.join(call)}"
        group, args = sub, args[1:]
    assert not hasattr(group, "commands"), f"{' '.join(call)} names a group, not a command"
    options = {opt for p in group.params for opt in [*p.opts, *p.secondary_opts]}
    for arg in args:
        if arg.startswith("--"):
            assert arg.split("=", 1)[0] in options, f"{' '.join(call)}: no option {arg}"


def test_every_microcred_command_and_option_exists() -> None:
    services = _compose()["services"]
    calls = [call for s in services.values() for call in _commands(s)]
    names = {" ".join(c[1:3]) for c in calls}
    # the set-up runs each kind of process it documents
    for needed in ("serve --host", "worker", "witness serve", "db upgrade", "log key"):
        assert any(n.startswith(needed) for n in names), (needed, names)
    for call in calls:
        _check(call)


def test_every_microcred_variable_is_a_setting() -> None:
    text = (DEPLOY / "compose.yaml").read_text() + (DEPLOY / "example.env").read_text()
    used = set(re.findall(r"\bMICROCRED_[A-Z0-9_]+", text))
    fields = {f"MICROCRED_{name.upper()}" for name in Settings.model_fields}
    assert used, "no settings found"
    assert used <= fields, f"not settings: {sorted(used - fields)}"


def test_the_processes_are_the_documented_ones() -> None:
    services = _compose()["services"]
    web = [n for n, s in services.items() if any(c[1:2] == ["serve"] for c in _commands(s))]
    workers = [n for n, s in services.items() if any(c[1:2] == ["worker"] for c in _commands(s))]
    witnesses = [
        n for n, s in services.items() if any(c[1:3] == ["witness", "serve"] for c in _commands(s))
    ]
    assert len(web) == 2 and len(workers) == 2 and len(witnesses) == 3
    for name in web:  # the web processes leave background work to the workers
        assert services[name]["environment"]["MICROCRED_RUN_WORKER"] == "false"
    env = services["web1"]["environment"]
    assert env["MICROCRED_DATABASE_URL"].startswith("postgresql://")
    assert env["MICROCRED_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert {"postgres", "minio", "proxy"} <= set(services)


def test_a_wrong_option_would_be_caught() -> None:
    """The check itself can fail."""
    try:
        _check(["microcred", "serve", "--no-such-option"])
    except AssertionError:
        pass
    else:
        raise AssertionError("an unknown option passed the check")
    try:
        _check(["microcred", "witness", "serv"])
    except AssertionError:
        return
    raise AssertionError("an unknown command passed the check")
