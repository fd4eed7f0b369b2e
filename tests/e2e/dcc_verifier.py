"""Run the Digital Credentials Consortium verifier offline, from Python tests.

The DCC verifier is the npm package ``@digitalcredentials/verifier-core`` (pinned in
``tests/e2e/dcc/package.json``). ``tests/e2e/dcc/verify.mjs`` runs it under Node with
``fetch`` replaced by a map from URLs to documents that the test supplies, and every
socket refused; this module writes the job, runs Node and reads the answer.

    results = run_dcc_verifier([credential], {status_list_url: status_list_credential})
    assert results[0].verified

A URL the verifier asks for that is not in ``resources`` makes the run raise
:class:`DccNetworkViolationError` (it carries the results and the refused URLs), so a test
cannot pass by accident on a machine with network access. See ``tests/e2e/README.md``.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

DCC_DIR = Path(__file__).resolve().parent / "dcc"
VERIFY_SCRIPT = DCC_DIR / "verify.mjs"
SIGN_SCRIPT = DCC_DIR / "sign_fixture.mjs"
VERIFIER_PACKAGE = "@digitalcredentials/verifier-core"
VERIFIER_VERSION = "1.0.0-beta.11"
MIN_NODE_MAJOR = 20

#: Fetched by verifier-core's JSON-schema check for a VC 2.0 credential whose type
#: includes ``OpenBadgeCredential`` and that has no ``credentialSchema``.
OB_ACHIEVEMENT_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)


class DccHarnessError(RuntimeError):
    """The harness could not run: Node/npm missing, install failed, crash or bad output."""


class DccNetworkViolationError(DccHarnessError):
    """The verifier asked for a URL (or opened a socket) outside the offline map."""

    def __init__(self, refused: Sequence[Mapping[str, Any]], results: list[DccResult]) -> None:
        self.refused_urls: list[str] = [str(entry["url"]) for entry in refused]
        self.results = results
        super().__init__(
            "the DCC verifier tried to reach URLs outside the offline map: "
            + ", ".join(self.refused_urls)
            + " (add them to `resources`)"
        )


@dataclass(frozen=True)
class DccResult:
    """One credential's verdict, normalised by verify.mjs; ``raw`` is verifier-core's answer.

    ``checks`` maps verifier-core's log ids (``valid_signature``, ``expiration``,
    ``revocation_status``, ``registered_issuer``, ...) plus ``schema`` to ``"passed"``,
    ``"failed"``, ``"error"`` (could not be decided, e.g. status list unusable) or, for
    ``schema``, ``"skipped"``. A fatal answer (bad signature, no proof, ...) has no checks,
    only ``errors``. ``verified`` is true when nothing is fatal, ``valid_signature`` passed and
    every other check passed except the advisory ``registered_issuer`` and ``schema``.
    ``diagnosis`` (fatal answers only) holds the underlying library errors that
    verifier-core hides behind ``invalid_signature``, e.g. ``"Error: Invalid signature."``.
    ``revoked`` is ``None`` when the revocation status was not determined.
    """

    verified: bool
    revoked: bool | None
    fatal: bool
    checks: dict[str, str]
    errors: list[dict[str, str]]
    diagnosis: list[str]
    schema: dict[str, Any] | None
    served_urls: list[str]
    refused_urls: list[str]
    elapsed_ms: int
    raw: dict[str, Any] = field(repr=False)

    @property
    def error_names(self) -> list[str]:
        return [error["name"] for error in self.errors]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DccResult:
        network = data.get("network") or {}
        return cls(
            verified=bool(data["verified"]),
            revoked=data.get("revoked"),
            fatal=bool(data.get("fatal")),
            checks=dict(data.get("checks") or {}),
            errors=[dict(error) for error in data.get("errors") or []],
            diagnosis=[str(line) for line in data.get("diagnosis") or []],
            schema=data.get("schema"),
            served_urls=list(network.get("served") or []),
            refused_urls=[str(entry["url"]) for entry in network.get("refused") or []],
            elapsed_ms=int(data.get("elapsed_ms") or 0),
            raw=dict(data.get("raw") or {}),
        )


def _node_major(node: str) -> int | None:
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v(\d+)\.", out.strip())
    return int(match.group(1)) if match else None


def missing_tools() -> str | None:
    """Why the harness cannot run here (a sentence), or None when Node >= 20 and npm exist."""
    node = shutil.which("node")
    if node is None:
        return "`node` is not on PATH"
    major = _node_major(node)
    if major is None or major < MIN_NODE_MAJOR:
        return f"`node` {major} found, Node >= {MIN_NODE_MAJOR} is required"
    if shutil.which("npm") is None:
        return "`npm` is not on PATH"
    return None


def dcc_available() -> bool:
    """True when Node >= 20 and npm are installed (the npm packages may still be missing)."""
    return missing_tools() is None


def _installed_version() -> str | None:
    package_json = DCC_DIR / "node_modules" / VERIFIER_PACKAGE / "package.json"
    try:
        version = json.loads(package_json.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None
    return str(version)


@contextmanager
def _install_lock() -> Iterator[None]:
    # Parallel test workers must not run `npm ci` into the same folder at once.
    with (DCC_DIR / ".install.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_installed(timeout: float = 600) -> None:
    """Run ``npm ci --prefix tests/e2e/dcc`` unless the pinned verifier is already installed."""
    reason = missing_tools()
    if reason is not None:
        raise DccHarnessError(f"cannot run the DCC verifier: {reason}")
    if _installed_version() == VERIFIER_VERSION:
        return
    with _install_lock():
        if _installed_version() == VERIFIER_VERSION:
            return
        npm = shutil.which("npm") or "npm"
        try:
            done = subprocess.run(
                [npm, "ci", "--prefix", str(DCC_DIR), "--no-audit", "--no-fund"],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise DccHarnessError(f"npm ci timed out after {timeout} s") from exc
        if done.returncode != 0:
            raise DccHarnessError(f"npm ci failed ({done.returncode}):\n{done.stderr[-4000:]}")
    installed = _installed_version()
    if installed != VERIFIER_VERSION:
        raise DccHarnessError(
            f"{VERIFIER_PACKAGE} {installed} installed after npm ci, {VERIFIER_VERSION} expected"
        )


def _run_node(script: Path, job: Mapping[str, Any], timeout: float) -> tuple[int, Any, str]:
    ensure_installed()
    node = shutil.which("node") or "node"
    try:
        done = subprocess.run(
            [node, str(script)],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=DCC_DIR,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DccHarnessError(f"{script.name} timed out after {timeout} s") from exc
    try:
        answer = json.loads(done.stdout)
    except ValueError as exc:
        raise DccHarnessError(
            f"{script.name} exited {done.returncode} without a JSON answer:\n"
            f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-4000:]}"
        ) from exc
    return done.returncode, answer, done.stderr


def run_dcc_verifier(
    credentials: list[dict[str, Any]],
    resources: dict[str, Any],
    timeout: float = 120,
    *,
    known_did_registries: list[dict[str, Any]] | None = None,
) -> list[DccResult]:
    """Verify each credential with the DCC verifier, offline; one result per credential.

    ``resources`` maps URL -> document: a dict/list is served as JSON, a str verbatim.
    Raises :class:`DccNetworkViolationError` when the verifier asked for anything else, and
    :class:`DccHarnessError` when the harness itself failed.
    """
    job: dict[str, Any] = {
        "resources": resources,
        "credentials": credentials,
        "knownDIDRegistries": known_did_registries or [],
    }
    returncode, answer, stderr = _run_node(VERIFY_SCRIPT, job, timeout)
    if not isinstance(answer, dict) or "results" not in answer:
        detail = answer.get("harness_error") if isinstance(answer, dict) else answer
        raise DccHarnessError(f"verify.mjs failed ({returncode}): {detail}\n{stderr[-4000:]}")
    results = [DccResult.from_json(item) for item in answer["results"]]
    refused = answer.get("network", {}).get("refused") or []
    if refused or not answer.get("ok"):
        raise DccNetworkViolationError(refused, results)
    if len(results) != len(credentials):
        raise DccHarnessError(f"{len(credentials)} credentials sent, {len(results)} results")
    return results


def sign_fixture(job: Mapping[str, Any], timeout: float = 60) -> dict[str, Any]:
    """Sign test credentials / status lists with DCC's own libraries (see sign_fixture.mjs)."""
    returncode, answer, stderr = _run_node(SIGN_SCRIPT, job, timeout)
    if returncode != 0 or not isinstance(answer, dict):
        raise DccHarnessError(f"sign_fixture.mjs failed ({returncode}):\n{stderr[-4000:]}")
    return answer


def ob_schema_resources() -> dict[str, Any]:
    """The OB 3.0 AchievementCredential JSON schema, keyed by the URL verifier-core fetches.

    The copy microcred ships (the 1EdTech file, byte for byte: tests/unit/test_schema.py pins
    its SHA-256 to the upstream one), whose ``$id`` is that URL.
    """
    path = resources.files("microcred.credentials").joinpath(
        "schemas", "ob_v3p0_achievementcredential_schema.json"
    )
    return {OB_ACHIEVEMENT_SCHEMA_URL: json.loads(path.read_text(encoding="utf-8"))}
