"""Starting and stopping real microcred processes for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CLI = [sys.executable, "-m", "microcred.cli.main"]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``microcred ARGS`` to completion."""
    return subprocess.run(
        [*CLI, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class Proc:
    """A background microcred process with its log file."""

    args: list[str]
    env: dict[str, str]
    log: Path
    health: str
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, timeout: float = 60) -> Proc:
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            [*CLI, *self.args],
            env={**os.environ, **self.env},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        handle.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.args[0]} exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.health, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.args[0]} did not become healthy: {self.log.read_text()[-3000:]}")

    def kill9(self) -> None:
        """SIGKILL: no clean shutdown."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()


def wait_for(predicate, timeout: float = 90, interval: float = 0.3, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


PASSWORD = "a long enough password"


def start_server(tmp: Path, **extra_env: str) -> tuple[Proc, str, dict[str, str]]:
    """Migrate a fresh SQLite database under ``tmp`` and serve it: (process, base URL, env)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "MICROCRED_DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite'}",
        "MICROCRED_PUBLIC_BASE_URL": base,
        "MICROCRED_KEK_SECRETS": "e2e-kek-0123456789abcdef",
        "MICROCRED_BLOB_DIR": str(tmp / "blobs"),
        **extra_env,
    }
    migrated = run_cli("db", "upgrade", env=env)
    assert migrated.returncode == 0, migrated.stderr
    server = Proc(["serve", "--port", str(port)], env, tmp / "server.log", f"{base}/healthz")
    return server.start(), base, env


class Api:
    """A client of the real server's API."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.slug = ""

    def register(self, slug: str, name: str) -> dict[str, str]:
        """Create an organisation; its admin's auth headers."""
        r = self.http.post(
            "/api/v1/organisations",
            json={
                "slug": slug,
                "name": name,
                "admin_email": f"admin@{slug}.test",
                "admin_password": PASSWORD,
            },
        )
        assert r.status_code == 201, r.text
        self.slug = slug
        return self.login(f"admin@{slug}.test")

    def login(self, email: str) -> dict[str, str]:
        """Auth headers for a user of the registered organisation."""
        r = self.http.post(
            "/api/v1/auth/token",
            json={"organisation": self.slug, "email": email, "password": PASSWORD},
        )
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def add_user(self, admin: dict[str, str], email: str, role: str) -> dict[str, str]:
        """Add a user with ``role``; their auth headers."""
        r = self.http.post(
            "/api/v1/users",
            headers=admin,
            json={
                "email": email,
                "name": email.split("@", maxsplit=1)[0],
                "role": role,
                "password": PASSWORD,
            },
        )
        assert r.status_code == 201, r.text
        return self.login(email)
