"""Run an independent OpenID4VCI wallet from Python tests.

The wallet is ``tests/e2e/oid4vci/wallet.mjs`` on the npm package ``@openid4vc/openid4vci``
(OpenWallet Foundation's oid4vc-ts, pinned in ``tests/e2e/oid4vci/package.json``): it resolves
an ``openid-credential-offer://`` link, reads the issuer's metadata, redeems the
pre-authorized code, asks for a nonce, signs a key proof with a fresh key of its own and
fetches the credential. It computes the holder DID itself (did:key or did:jwk).

    result = receive(offer_link, tx_code="123456")
    assert result["ok"] and result["credential"]["credentialSubject"]["id"] == result["holderDid"]
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

WALLET_DIR = Path(__file__).resolve().parent / "oid4vci"
CLIENT_PACKAGE = "@openid4vc/openid4vci"
CLIENT_VERSION = "0.4.6"


class WalletHarnessError(RuntimeError):
    """Node or npm is missing, the install failed, or the wallet crashed."""


def _installed_version() -> str | None:
    manifest = WALLET_DIR / "node_modules" / CLIENT_PACKAGE / "package.json"
    try:
        return str(json.loads(manifest.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def ensure_installed(timeout: float = 600) -> None:
    """``npm ci --prefix tests/e2e/oid4vci`` unless the pinned client is installed already."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise WalletHarnessError("node and npm are needed for the OpenID4VCI wallet")
    if _installed_version() == CLIENT_VERSION:
        return
    with (WALLET_DIR / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_version() != CLIENT_VERSION:
            done = subprocess.run(
                ["npm", "ci", "--prefix", str(WALLET_DIR), "--no-audit", "--no-fund"],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            if done.returncode != 0:
                raise WalletHarnessError(f"npm ci failed:\n{done.stderr[-4000:]}")
    if _installed_version() != CLIENT_VERSION:
        raise WalletHarnessError(f"{CLIENT_PACKAGE} {CLIENT_VERSION} is not installed")


def receive(offer: str, timeout: float = 60, **job: Any) -> dict[str, Any]:
    """Let the wallet take ``offer``; ``job`` adds ``txCode``, ``alg`` ("EdDSA" or "ES256"),
    ``keyMethod`` ("jwk" or "did"), ``nonce`` (a c_nonce to use instead of a fresh one) or
    ``repeat`` (ask twice with one access token). Loopback http URLs are allowed."""
    ensure_installed()
    done = subprocess.run(
        ["node", str(WALLET_DIR / "wallet.mjs")],
        input=json.dumps({"offer": offer, "insecure": True, **job}),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=WALLET_DIR,
        check=False,
    )
    try:
        result: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise WalletHarnessError(f"no answer from the wallet: {done.stderr[-3000:]}") from exc
    if result.get("stage") == "harness":
        raise WalletHarnessError(str(result.get("message")))
    return result
