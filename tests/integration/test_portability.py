"""Export -> fresh instance (another KEK) -> import, on real SQLite and PostgreSQL: every
credential verifies there, the audit is clean, the log continues; and bad archives (truncated,
tampered, wrong passphrase, into a non-empty instance) are refused with nothing written."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import FrozenClock, _postgres_schema_url

from microcred.adapters.db import migrate
from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.domain.credential import Recipient, StatusAction
from microcred.errors import Conflict, CryptoError, InvalidInput
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of
from microcred.services.ledger.audit import audit_log

PASS = "correct horse battery staple"


def _audit_clean(c: Container) -> bool:
    with c.uow() as uow:
        verifier = c.ledger.keys.verifier(uow)
        report = audit_log(uow, uow.public.all_credentials(), [verifier] if verifier else [])
    assert not report.findings, [f.message for f in report.findings]
    return report.clean


@pytest.fixture
def fresh(database_url: str, tmp_path: Path, clock: FrozenClock) -> Iterator[Container]:
    """A second, empty instance on the same backend, with a different KEK."""
    if database_url.startswith("sqlite"):
        url, gen = f"sqlite:///{tmp_path / 'fresh.db'}", None
    else:
        gen = _postgres_schema_url()
        url = next(gen)
    migrate.upgrade(url)
    c = build(
        Settings(
            environment="test",
            database_url=url,
            kek_secrets=["another-kek-secret-fedcba9876543210"],
            public_base_url="https://issuer.test",
            blob_dir=str(tmp_path / "fresh-blobs"),
            ledger_interval_ms=0,
            run_worker=False,
        ),
        clock=clock,
    )
    yield c
    c.close()
    if gen is not None:
        next(gen, None)


def _seed(c: Container) -> tuple[object, str, list[str]]:
    _, admin = c.identity.create_organisation(
        slug="acme", name="Acme", admin_email="a@acme.test", admin_password="a long enough password"
    )
    p = principal_of(admin)
    aid = c.achievements.create(
        p,
        AchievementInput(
            name="Forklift safety", description="Drives safely.", criteria_narrative="Pass."
        ),
    ).id
    ids = [
        c.issuance.issue(p, IssueRequest(aid, Recipient(email=f"l{i}@x.test"))).id for i in range(3)
    ]
    c.credentials.change_status(p, ids[0], StatusAction.REVOKE, "cheated")
    c.jobs.drain()
    return p, aid, ids


def _export(c: Container) -> bytes:
    out = io.BytesIO()
    c.portability.export.write(out, PASS)
    return out.getvalue()


def _import(c: Container, data: bytes, passphrase: str = PASS) -> object:
    return c.portability.importer.run(io.BytesIO(data), len(data), passphrase)


def test_round_trip_verifies_and_audits_clean(container: Container, fresh: Container) -> None:
    _, _, ids = _seed(container)
    assert _audit_clean(container)
    with container.uow() as uow:
        checkpoint = uow.ledger.latest_checkpoint()
    summary = _import(fresh, _export(container))
    assert summary.organisations == ["acme"]
    assert summary.counts["credentials"] == 3
    with fresh.uow() as uow:
        assert uow.ledger.latest_checkpoint() == checkpoint  # the same tree, the same note
    for cid in ids:
        report = fresh.verification.verify(fresh.public.credential(cid).document)
        assert report.get("proof").status.value == "passed", report.to_json()
        assert report.verified is (cid != ids[0]), report.to_json()  # ids[0] stays revoked
    assert _audit_clean(fresh)
    # the imported instance carries on: its keys open under its own KEK, the log grows
    with fresh.uow() as uow:
        org = uow.organisations.by_slug("acme")
        admin = uow.tenant(org.id).users.by_email("a@acme.test")
    p2 = principal_of(admin)
    aid = fresh.public.credential(ids[1]).achievement_id
    new = fresh.issuance.issue(p2, IssueRequest(aid, Recipient(email="n@x.test")))
    fresh.jobs.drain()
    assert fresh.verification.verify(new.document).verified
    assert _audit_clean(fresh)


def test_an_instance_that_is_not_empty_is_refused(container: Container) -> None:
    _seed(container)
    with pytest.raises(Conflict, match="not empty"):
        _import(container, _export(container))


def test_bad_archives_are_refused_and_nothing_is_written(
    container: Container, fresh: Container
) -> None:
    _seed(container)
    data = _export(container)
    store = fresh.portability.importer._store
    with pytest.raises(InvalidInput, match=r"truncated|not a zip"):
        _import(fresh, data[: len(data) // 2])
    with pytest.raises(InvalidInput, match="passphrase"):
        _import(fresh, data, "a wrong passphrase here")
    # a member changed (and re-zipped): its SHA-256 no longer matches the keyed manifest
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "data/credentials.jsonl":
                body = body.replace(b"l1@x.test", b"l9@x.test")
            dst.writestr(info.filename, body)
    with pytest.raises(InvalidInput, match="altered"):
        _import(fresh, out.getvalue())
    assert store.occupied() == []


def test_sealed_secrets_are_resealed_under_the_new_kek(
    container: Container, fresh: Container
) -> None:
    """SSO client secrets, webhook secrets and signing keys travel sealed under the passphrase
    and arrive sealed under the importing instance's own (different) KEK."""
    from datetime import UTC, datetime

    from microcred.ports.sso import SsoProvider
    from microcred.ports.webhooks import EventType, Subscription
    from microcred.services.identity import sealing_context
    from microcred.services.webhooks import sealing_context as webhook_context

    p, _, ids = _seed(container)
    sso_secret = "the-idp-client-secret-0123456789"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    sealer = container.sso.providers._sealer
    with container.uow() as uow:
        uow.tenant(p.organisation_id).sso.save_provider(
            SsoProvider(
                organisation_id=p.organisation_id,
                display_name="Acme IdP",
                issuer="https://idp.example.org",
                client_id="microcred",
                sealed_secret=sealer.seal(sso_secret.encode(), sealing_context(p.organisation_id)),
                role_claim="",
                role_map={},
                default_role="learner",
                just_in_time=False,
                password_sign_in=True,
                enabled=False,
                created_at=now,
                updated_at=now,
                updated_by="a@acme.test",
            )
        )
        uow.commit()
    # stored as the service stores one (creating it through the service resolves the URL)
    hook_secret = "whsec_" + "c2VjcmV0IGZvciB0aGUgaG9vaw=="
    with container.uow() as uow:
        uow.tenant(p.organisation_id).webhooks.add_subscription(
            Subscription(
                id="hook-1",
                organisation_id=p.organisation_id,
                url="https://hooks.example.org/in",
                events=[EventType.CREDENTIAL_ISSUED],
                sealed_secret=sealer.seal(
                    hook_secret.encode(), webhook_context(p.organisation_id, "hook-1")
                ),
                active=True,
                created_at=now,
                created_by="a@acme.test",
                description="HR system",
            )
        )
        uow.commit()
    _import(fresh, _export(container))
    with fresh.uow() as uow:
        scope = uow.tenant(p.organisation_id)
        provider = scope.sso.provider()
        subscription = scope.webhooks.subscription("hook-1")
        old = container.uow()
        with old as before:
            old_sealed = before.tenant(p.organisation_id).sso.provider().sealed_secret
    assert provider is not None and subscription is not None
    assert provider.sealed_secret != old_sealed  # sealed again, under another key
    assert fresh.sso.providers.open_secret(provider) == sso_secret
    assert fresh.webhooks.subscriptions.open_secret(subscription) == hook_secret
    with pytest.raises(CryptoError, match="key-encryption key"):
        container.sso.providers.open_secret(provider)  # the old KEK cannot open it
    # the signing key opens too: the imported instance signs with it
    assert fresh.verification.verify(fresh.public.credential(ids[1]).document).verified
