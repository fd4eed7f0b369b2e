"""The sealed secrets inside exported records, and the associated data each is bound to.

In the database they are sealed under the instance's KEK; inside an archive, under a key derived
from the export passphrase (the same AES-256-GCM sealing, same associated data)."""

from __future__ import annotations

import base64
from collections.abc import Callable

from microcred.crypto.sealing import Sealer
from microcred.errors import CryptoError, InvalidInput
from microcred.ports import Row
from microcred.services.credentials import IssuerKeys
from microcred.services.identity import sealing_context as sso_context
from microcred.services.ledger import LogKeys
from microcred.services.lti import key_context
from microcred.services.webhooks import sealing_context as webhook_context

#: kind -> (sealed field, associated data of a row): every sealed column of the database
#: (tests/unit/test_portability_sealed.py fails when a table gains one that is not here)
SEALED: dict[str, tuple[str, Callable[[Row], bytes]]] = {
    "signing_keys": (
        "sealed_private",
        lambda r: IssuerKeys._aad(r["organisation_id"], r["id"]),
    ),
    "server_keys": ("sealed_private", lambda r: LogKeys._aad(r["id"])),
    "webhook_subscriptions": (
        "sealed_secret",
        lambda r: webhook_context(r["organisation_id"], r["id"]),
    ),
    "sso_providers": ("sealed_secret", lambda r: sso_context(r["organisation_id"])),
    "lti_tool_keys": ("sealed_private", lambda r: key_context(r["organisation_id"], r["kid"])),
}


def reseal(kind: str, row: Row, opener: Sealer, sealer: Sealer) -> Row:
    """``row`` with its sealed field opened by ``opener`` and sealed again by ``sealer``."""
    found = SEALED.get(kind)
    if found is None or row.get(found[0]) is None:
        return row
    field, aad = found
    try:
        blob = base64.b64decode(str(row[field]), validate=True)
        secret = opener.open(blob, aad(row))
    except (CryptoError, ValueError, KeyError, TypeError):
        raise InvalidInput(
            f"A sealed secret in {kind} ({row.get('id')!r}) cannot be opened: it was altered, "
            "or it was sealed with a different key."
        ) from None
    return {**row, field: base64.b64encode(sealer.seal(secret, aad(row))).decode("ascii")}
