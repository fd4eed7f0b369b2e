"""Every sealed column travels re-sealed: a table that gains a ``sealed_*`` column which the
export does not know fails here (the export would carry a secret only the old KEK opens)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import LargeBinary

from microcred.adapters.db.portability.store import EXCLUDED, _tables
from microcred.crypto.sealing import Sealer
from microcred.errors import InvalidInput
from microcred.services.identity import sealing_context
from microcred.services.portability.sealed import SEALED, reseal


def test_every_sealed_column_is_resealed() -> None:
    sealed = {
        (table.name, column.name)
        for table in _tables()
        for column in table.columns
        if "sealed" in column.name
        or (isinstance(column.type, LargeBinary) and "secret" in column.name)
    }
    assert sealed == {(kind, found[0]) for kind, found in SEALED.items()}
    assert {"sso_providers", "webhook_subscriptions", "signing_keys", "server_keys"} <= set(SEALED)


def test_sign_in_state_does_not_travel() -> None:
    """Pending SSO sign-ins hold a PKCE verifier: transient, like jobs and tokens."""
    assert "sso_pending" in EXCLUDED
    assert "sso_pending" not in {t.name for t in _tables()}


def test_sso_secret_resealed_and_bound_to_its_organisation() -> None:
    old, archive, new = (
        Sealer(["old-kek-0123456789abcdef"]),
        Sealer(["a" * 64]),
        Sealer(["new-kek-0123456789abcdef"]),
    )
    row = {
        "organisation_id": "org-1",
        "sealed_secret": base64.b64encode(old.seal(b"s3cret", sealing_context("org-1"))).decode(),
    }
    moved = reseal("sso_providers", reseal("sso_providers", row, old, archive), archive, new)
    assert new.open(base64.b64decode(moved["sealed_secret"]), sealing_context("org-1")) == b"s3cret"
    # moved onto another organisation, the associated data no longer matches
    with pytest.raises(InvalidInput, match="cannot be opened"):
        reseal("sso_providers", {**row, "organisation_id": "org-2"}, old, archive)
