"""README.md's five-minute tour, run verbatim: the fenced ``sh`` blocks under "A five-minute tour"
run in order in one bash (``set -euo pipefail``, so any failing command fails the test) in a
fresh directory where a real ``make run`` serves the demo, as a user's second terminal would run
them. The only change is the port in the ``URL=`` line (the test cannot take :8000 on a shared
machine). Each ``# → text`` line of a block is output that block must print. On the way, a
real Chromium screenshots the tour's credential page for the README (under var/screenshots;
``MICROCRED_UPDATE_SCREENSHOTS=1`` also copies it over the committed docs/images one)."""

from __future__ import annotations

import contextlib
import os
import re
import select
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from browser import chromium_page
from procs import wait_for
from test_make_run import REPO, MakeRun, _clean_env

from microcred.skills.taxonomy_loader import load_taxonomy
from microcred.transparency.note import parse_note

pytestmark = pytest.mark.e2e

README = REPO / "README.md"
TOUR_HEADING = "## A five-minute tour"
README_URL = "http://127.0.0.1:8000"
SCREENSHOT = "docs/images/readme-credential.png"
SHOTS = REPO / "var" / "screenshots"
DONE = b"__tour_block_done__"


def tour_blocks(readme: str) -> list[str]:
    """The ``sh`` blocks of the tour section, in order."""
    start = readme.index(TOUR_HEADING)
    end = readme.find("\n## ", start + len(TOUR_HEADING))
    section = readme[start : end if end != -1 else None]
    return re.findall(r"^```sh\n(.*?)^```[ \t]*$", section, flags=re.M | re.S)


def expected_lines(block: str) -> list[str]:
    """What a block says it prints: its ``# → …`` lines (each the start of an output line)."""
    return [m.strip() for m in re.findall(r"^# → (.+)$", block, flags=re.M)]


class Shell:
    """One bash that runs blocks in turn, keeping variables and the directory between them; the
    first failing command ends it (errexit), naming the command."""

    def __init__(self, cwd: Path, env: dict[str, str], scratch: Path) -> None:
        self.scratch = scratch
        scratch.mkdir(parents=True, exist_ok=True)
        with (scratch / "bash.err").open("wb") as errors:
            self.proc = subprocess.Popen(
                ["bash", "--noprofile", "--norc"],
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                bufsize=0,
            )
        self._send("set -euo pipefail\ntrap 'echo \"tour: exit $? from: $BASH_COMMAND\" >&2' ERR\n")
        self.count = 0

    def _send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode())

    def _until_done(self, timeout: float) -> bytes | None:
        """What the shell printed up to the marker; None when it exited first."""
        assert self.proc.stdout is not None
        fd, got = self.proc.stdout.fileno(), b""
        while DONE + b"\n" not in got:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                raise AssertionError(f"the tour's block {self.count} ran over {timeout} s")
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            got += chunk
        return got[: got.index(DONE)]

    def run(self, block: str, timeout: float = 300) -> tuple[bool, str]:
        """Run ``block`` (stdin closed, stdout and stderr together): (succeeded, output)."""
        self.count += 1
        script, out = self.scratch / f"block-{self.count}.sh", self.scratch / f"out-{self.count}"
        script.write_text(block)
        self._send(f"{{ source {script}; }} >{out} 2>&1 </dev/null; echo {DONE.decode()}\n")
        ok = self._until_done(timeout) is not None
        return ok, out.read_text(errors="replace") if out.exists() else ""

    def var(self, name: str) -> str:
        """A shell variable's value ('' when unset)."""
        self._send(f"printf '%s\\n' \"${{{name}:-}}\"; echo {DONE.decode()}\n")
        got = self._until_done(30)
        assert got is not None, "the tour's shell has exited"
        return got.decode().strip()

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(BrokenPipeError):  # it may have just ended
                self._send("exit\n")
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(BrokenPipeError):
                    pipe.close()


def run_tour(
    shell: Shell, blocks: list[str], after_block: Callable[[int], None] | None = None
) -> None:
    """Run every block, checking its exit and its ``# →`` lines; ``after_block(i)`` after each."""
    for i, block in enumerate(blocks, 1):
        ok, out = shell.run(block)
        assert ok, f"README tour block {i} failed:\n{block}\n--- its output ---\n{out}"
        at = 0
        for line in expected_lines(block):  # in order, each at the start of a line
            found = re.compile(r"^[ \t]*" + re.escape(line), re.M).search(out, at)
            assert found, f"README tour block {i} should print {line!r}; it printed:\n{out}"
            at = found.end()
        if after_block is not None:
            after_block(i)


def _screenshot(url: str) -> None:
    """The tour's credential page in Chromium: verified; saved for the README."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / Path(SCREENSHOT).name
    with chromium_page() as page:
        page.set_viewport_size({"width": 1100, "height": 1250})
        page.goto(url)
        assert page.locator("[data-verdict]").get_attribute("data-verdict") == "verified"
        assert "Git basics" in page.locator("main").inner_text()
        page.screenshot(path=str(shot))
    if os.environ.get("MICROCRED_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, REPO / SCREENSHOT)


def test_the_readme_tour_runs_verbatim_against_make_run(tmp_path: Path) -> None:
    for tool in ("bash", "curl", "jq"):
        if not shutil.which(tool):
            pytest.fail(f"the README's tour needs {tool}, which is not installed")
    readme = README.read_text(encoding="utf-8")
    assert f"]({SCREENSHOT})" in readme, "the README shows the tour's screenshot"
    blocks = tour_blocks(readme)
    assert len(blocks) >= 6, "the tour's sh blocks were not found"
    assert not any(re.search(r"<[a-z][a-z _-]*>", b) for b in blocks), "a placeholder is left"

    # every ESCO URI in the README is a concept of the bundled ESCO
    esco = load_taxonomy()
    uris = set(re.findall(r"http://data\.europa\.eu/esco/(?:skill|occupation)/[0-9a-f-]+", readme))
    assert uris
    for uri in uris:
        assert esco.has_skill(uri) if "/skill/" in uri else esco.occupation(uri), uri

    checkout = tmp_path / "checkout"
    checkout.mkdir()
    run = MakeRun(checkout)
    (checkout / ".venv").mkdir()
    (checkout / ".venv" / "bin").symlink_to(checkout / "bin")  # what make run installs
    url_line = f"URL={README_URL}"
    first = blocks[0].splitlines()
    assert sum(line.startswith(url_line) for line in first) == 1, "the tour must set URL= first"
    assert all(README_URL not in b for b in blocks[1:]), "later blocks must use $URL"
    blocks[0] = "\n".join(
        line.replace(README_URL, run.base) if line.startswith(url_line) else line for line in first
    )

    shell = Shell(checkout, _clean_env(), tmp_path / "driver")
    shots: list[str] = []

    def screenshot_once(_: int) -> None:
        credential = shell.var("CREDENTIAL")
        if credential and not shots:  # before the tour revokes it
            shots.append(credential)
            _screenshot(f"{run.base}/credentials/{credential}")

    run.start()
    try:
        wait_for(run.cosigned, timeout=300, interval=1, what="make run's cosigned checkpoint")
        run_tour(shell, blocks, screenshot_once)
        assert shots, "the tour never set CREDENTIAL, so no screenshot was taken"
    finally:
        shell.close()
        run.kill()  # SIGKILL to make run's process group: make, the witness, the server
        if run.proc is not None:
            run.proc.wait(30)

    image = REPO / SCREENSHOT
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{SCREENSHOT} is missing"
    # what the tour left behind is what it says it made
    assert (checkout / "keyPair.json").stat().st_mode & 0o777 == 0o600
    kept = parse_note((checkout / "checkpoint.txt").read_text())
    assert len(kept.signatures) >= 2  # the log's and the local witness's
    assert (checkout / "cred.json.tlog-proof").read_text().startswith("c2sp.org/tlog-proof@v1")


def test_the_tour_runner_fails_on_a_failing_command_and_on_missing_output(
    tmp_path: Path,
) -> None:
    shell = Shell(tmp_path, _clean_env(), tmp_path / "driver")
    try:
        run_tour(shell, ["X=1\necho hello\n# → hello\n", 'echo "X is $X"\n# → X is 1\n'])
        with pytest.raises(AssertionError, match="should print 'bye'"):
            run_tour(shell, ["echo hello\n# → bye\n"])
        with pytest.raises(AssertionError, match="should print 'true'"):
            run_tour(shell, ["echo untrue\n# → true\n"])  # a line's start, not any substring
        with pytest.raises(AssertionError, match="should print 'one'"):
            run_tour(shell, ["echo two; echo one\n# → two\n# → one\n# → one\n"])  # in order
        with pytest.raises(AssertionError, match=r"block 1 failed") as e:
            run_tour(shell, ["echo before\nsh -c 'exit 3'\necho after\n"])
        output = str(e.value).split("--- its output ---")[1]
        assert re.search(r"before\s+tour: exit 3 from: sh -c 'exit 3'", output), output
        assert "after" not in output  # the block stopped at the failing command
    finally:
        shell.close()
    broken = Shell(tmp_path, _clean_env(), tmp_path / "driver2")
    try:
        with pytest.raises(AssertionError, match="failed"):
            run_tour(broken, ["false | cat\n"])  # pipefail
    finally:
        broken.close()
