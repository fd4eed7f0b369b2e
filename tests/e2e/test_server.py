"""The real server over HTTPS: a did:web organisation issues through the API, and `microcred vc
verify` resolves its DID document and status list over the network, as a stranger would."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

pytestmark = pytest.mark.e2e
CLI = [sys.executable, "-m", "microcred.cli.main"]
PASSWORD = "a long enough password"


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("server")
    cert, key = _self_signed(tmp)
    port = _free_port()
    base = f"https://127.0.0.1:{port}"
    env = {
        **os.environ,
        "MICROCRED_DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite'}",
        "MICROCRED_PUBLIC_BASE_URL": base,
        "MICROCRED_CA_BUNDLE": str(cert),
        "MICROCRED_KEK_SECRETS": "e2e-kek-secret-0123456789",
        # the issuer runs on loopback, which fetches refuse unless allow-listed
        "MICROCRED_FETCH_ALLOW_NETWORKS": "127.0.0.1/32",
    }
    subprocess.run([*CLI, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=60)
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            *CLI,
            "serve",
            "--port",
            str(port),
            "--ssl-certfile",
            str(cert),
            "--ssl-keyfile",
            str(key),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    ca = ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", verify=ca).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                out = (tmp / "server.log").read_text()
                pytest.fail(f"server did not start: {out[-2000:]}")
            time.sleep(0.2)
        yield base, env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_did_web_issuer_verified_over_https_then_revoked(
    server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, env = server
    ca = ssl.create_default_context(cafile=env["MICROCRED_CA_BUNDLE"])
    http = httpx.Client(base_url=base, verify=ca, timeout=30)
    r = http.post(
        "/api/v1/organisations",
        json={
            "slug": "webco",
            "name": "Web Co",
            "admin_email": "admin@webco.test",
            "admin_password": PASSWORD,
            "did_method": "web",
        },
    )
    assert r.status_code == 201, r.text
    token = http.post(
        "/api/v1/auth/token",
        json={"organisation": "webco", "email": "admin@webco.test", "password": PASSWORD},
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    achievement = http.post(
        "/api/v1/achievements",
        headers=auth,
        json={
            "name": "TLS operations",
            "description": "Issues and rotates certificates.",
            "criteria": "Rotate a certificate without downtime.",
        },
    ).json()
    issued = {}
    for suite in ("eddsa-rdfc-2022", "vc-jwt-rs256"):
        r = http.post(
            "/api/v1/credentials",
            headers=auth,
            json={
                "achievement_id": achievement["id"],
                "recipient": {"email": "ops@example.org"},
                "suite": suite,
            },
        )
        assert r.status_code == 201, r.text
        issued[suite] = r.json()
    ld = issued["eddsa-rdfc-2022"]
    assert (
        ld["credential"]["issuer"]["id"]
        == f"did:web:127.0.0.1%3A{base.rsplit(':', 1)[1]}:orgs:webco"
    )
    files = []
    for suite, item in issued.items():
        path = tmp_path / f"{suite}.txt"
        path.write_text(item["jwt"] or json.dumps(item["credential"]))
        files.append(str(path))

    def verify() -> list[dict]:
        r = subprocess.run(
            [*CLI, "vc", "verify", "--json", *files],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return [json.loads(line) for line in r.stdout.splitlines()]

    for line in verify():
        assert line["verified"], line
        checks = {c["check"]: c for c in line["checks"]}
        assert "did:web" in checks["proof"]["message"]
        assert checks["status"]["status"] == "passed"
    r = http.post(
        f"/api/v1/credentials/{ld['id']}/status",
        headers=auth,
        json={"action": "revoke", "reason": "certificate mis-issued"},
    )
    assert r.json()["status"] == "revoked"
    after = {Path(line["file"]).stem: line for line in verify()}
    assert after["eddsa-rdfc-2022"]["verified"] is False
    status = next(c for c in after["eddsa-rdfc-2022"]["checks"] if c["check"] == "status")
    assert status["message"] == "The issuer has revoked this credential."
    assert after["vc-jwt-rs256"]["verified"] is True
    http.close()
