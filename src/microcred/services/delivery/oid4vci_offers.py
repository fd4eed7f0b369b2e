"""OpenID4VCI credential offers (1.0 final, section 4.1): a holder (or issuer staff) offers one
credential to a wallet, by value or by reference, as an ``openid-credential-offer://`` link,
with the pre-authorized code grant and, by default, a transaction code shown beside it.
Only hashes of the code and the transaction code are stored."""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from microcred.crypto import hash_token
from microcred.domain.credential import CredentialStatus
from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, NotFound, PermissionDenied
from microcred.ports.clock import Clock
from microcred.ports.oid4vci import CredentialOffer, Oid4vciOfferState
from microcred.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from microcred.services.credentials import holds
from microcred.services.ids import new_id

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: the one credential configuration: an Open Badges 3.0 credential as ``ldp_vc``
CONFIGURATION_ID = "OpenBadgeCredential"
OFFER_SCHEME = "openid-credential-offer://"
TX_CODE_DIGITS = 6
MAX_CODE_CHARS = 256


def issuer_identifier(base_url: str, org_slug: str) -> str:
    """The organisation's Credential Issuer Identifier (an https URL with a path)."""
    return f"{base_url}/orgs/{quote(org_slug, safe='')}/oid4vci"


def tx_code_hash(offer_id: str, tx_code: str) -> str:
    """What is stored for an offer's transaction code (salted with the offer's id)."""
    return hash_token(f"{offer_id}:{tx_code}")


def tx_code_matches(offer: CredentialOffer, tx_code: str) -> bool:
    """True when ``tx_code`` is the offer's (compared in constant time)."""
    expected = offer.tx_code_hash or ""
    return hmac.compare_digest(expected, tx_code_hash(offer.id, tx_code))


@dataclass(frozen=True, slots=True)
class MadeOffer:
    """An offer as the holder receives it: the secrets appear here only."""

    offer_id: str
    credential_offer: dict[str, Any]
    #: ``openid-credential-offer://?credential_offer=…`` (the offer itself in the link)
    by_value: str
    #: ``openid-credential-offer://?credential_offer_uri=…`` (short: for QR codes)
    by_reference: str
    offer_uri: str
    tx_code: str | None
    expires_at: datetime


def offer_document(
    issuer: str, code: str, *, tx_code: bool, description: str | None = None
) -> dict[str, Any]:
    """The Credential Offer object (section 4.1.1)."""
    grant: dict[str, Any] = {"pre-authorized_code": code}
    if tx_code:
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": TX_CODE_DIGITS,
            "description": description or "The code shown beside the QR code in microcred.",
        }
    return {
        "credential_issuer": issuer,
        "credential_configuration_ids": [CONFIGURATION_ID],
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


class Oid4vciOffers:
    """Makes credential offers and serves them by reference."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, base_url: str, *, lifetime: timedelta
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._base = base_url
        self._lifetime = lifetime

    def create(
        self,
        principal: Principal,
        credential_id: str,
        *,
        tx_code: bool = True,
        lifetime: timedelta | None = None,
    ) -> MadeOffer:
        """Offer ``credential_id`` to a wallet. Its holder may, and staff who issue credentials;
        a revoked, suspended or expired credential cannot be offered. ``lifetime`` may shorten
        (never lengthen) how long the offer stays open."""
        now = self._clock.now()
        if lifetime is not None and lifetime <= timedelta(0):
            raise InvalidInput("An offer's lifetime must be positive.")
        lifetime = min(lifetime or self._lifetime, self._lifetime)
        with self._uow() as uow:
            org = uow.organisations.get(principal.organisation_id)
            scope = uow.tenant(principal.organisation_id)
            found = scope.credentials.get(credential_id)
            if org is None or found is None:
                raise NotFound("No such credential in your organisation.")
            if found.bound_from is not None:
                found = scope.credentials.get(found.bound_from) or found
            staff = Permission.ISSUE_CREDENTIALS in principal.permissions
            if not (staff or holds(principal, found)):
                raise PermissionDenied("Only the credential's holder may send it to a wallet.")
            if found.status is not CredentialStatus.ACTIVE:
                raise InvalidInput(f"The credential is {found.status.value}: it cannot be sent.")
            if found.valid_until is not None and found.valid_until <= now:
                raise InvalidInput("The credential has expired: it cannot be sent.")
            code = secrets.token_urlsafe(32)
            pin = f"{secrets.randbelow(10**TX_CODE_DIGITS):0{TX_CODE_DIGITS}d}" if tx_code else None
            offer = CredentialOffer(
                id=new_id(),
                organisation_id=org.id,
                credential_id=found.id,
                created_by=principal.user_id,
                code_hash=hash_token(code),
                state=Oid4vciOfferState.OFFERED,
                created_at=now,
                expires_at=now + lifetime,
            )
            if pin is not None:
                offer.tx_code_hash = tx_code_hash(offer.id, pin)
            scope.oid4vci.add_offer(offer)
            uow.commit()
        issuer = issuer_identifier(self._base, org.slug)
        document = offer_document(issuer, code, tx_code=pin is not None)
        offer_uri = f"{issuer}/offers/{code}"
        compact = json.dumps(document, separators=(",", ":"))
        return MadeOffer(
            offer_id=offer.id,
            credential_offer=document,
            by_value=OFFER_SCHEME + "?" + urlencode({"credential_offer": compact}),
            by_reference=OFFER_SCHEME + "?" + urlencode({"credential_offer_uri": offer_uri}),
            offer_uri=offer_uri,
            tx_code=pin,
            expires_at=offer.expires_at,
        )

    def by_reference(self, org_slug: str, code: str) -> dict[str, Any]:
        """The offer behind a ``credential_offer_uri``, while its code is still unused and
        unexpired (afterwards: `NotFound`)."""
        if not code or len(code) > MAX_CODE_CHARS:
            raise NotFound("No such credential offer.")
        with self._uow() as uow:
            offer = self._offer(uow, org_slug, code)
        if offer is None or offer.state is not Oid4vciOfferState.OFFERED:
            raise NotFound("No such credential offer, or it was used already.")
        if offer.expires_at <= self._clock.now():
            raise NotFound("The credential offer has expired.")
        issuer = issuer_identifier(self._base, org_slug)
        return offer_document(issuer, code, tx_code=offer.tx_code_hash is not None)

    @staticmethod
    def _offer(uow: UnitOfWork, org_slug: str, code: str) -> CredentialOffer | None:
        org = uow.organisations.by_slug(org_slug)
        if org is None:
            return None
        return uow.tenant(org.id).oid4vci.offer_by_code(hash_token(code))
