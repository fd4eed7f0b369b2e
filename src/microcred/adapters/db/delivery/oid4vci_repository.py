"""The OpenID4VCI repository of one organisation: every query filters by it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from microcred.adapters.db.delivery.oid4vci_tables import Oid4vciNonceRow, Oid4vciOfferRow
from microcred.ports.oid4vci import CredentialOffer, Oid4vciOfferState


def _offer(row: Oid4vciOfferRow) -> CredentialOffer:
    return CredentialOffer(
        id=row.id,
        organisation_id=row.organisation_id,
        credential_id=row.credential_id,
        created_by=row.created_by,
        code_hash=row.code_hash,
        state=Oid4vciOfferState(row.state),
        created_at=row.created_at,
        expires_at=row.expires_at,
        tx_code_hash=row.tx_code_hash,
        tx_code_failures=row.tx_code_failures,
        access_token_hash=row.access_token_hash,
        token_expires_at=row.token_expires_at,
        issued_at=row.issued_at,
        holder_did=row.holder_did,
        bound_credential_id=row.bound_credential_id,
    )


class SqlOid4vci:
    """Offers and nonces in the ``oid4vci_*`` tables."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id

    def add_offer(self, offer: CredentialOffer) -> None:
        """Store a new offer (of this organisation)."""
        row = Oid4vciOfferRow(id=offer.id, organisation_id=self._org)
        self._fill(row, offer)
        self._s.add(row)
        self._s.flush()

    @staticmethod
    def _fill(row: Oid4vciOfferRow, offer: CredentialOffer) -> None:
        row.credential_id, row.created_by = offer.credential_id, offer.created_by
        row.code_hash, row.tx_code_hash = offer.code_hash, offer.tx_code_hash
        row.tx_code_failures, row.state = offer.tx_code_failures, offer.state.value
        row.access_token_hash, row.token_expires_at = (
            offer.access_token_hash,
            offer.token_expires_at,
        )
        row.created_at, row.expires_at = offer.created_at, offer.expires_at
        row.issued_at, row.holder_did = offer.issued_at, offer.holder_did
        row.bound_credential_id = offer.bound_credential_id

    def _one(self, query: Select[Oid4vciOfferRow], for_update: bool) -> Oid4vciOfferRow | None:
        query = query.where(Oid4vciOfferRow.organisation_id == self._org)
        return self._s.scalar(query.with_for_update() if for_update else query)

    def offer_by_code(self, code_hash: str, *, for_update: bool = False) -> CredentialOffer | None:
        """The offer whose pre-authorized code hashes to ``code_hash``."""
        row = self._one(
            select(Oid4vciOfferRow).where(Oid4vciOfferRow.code_hash == code_hash), for_update
        )
        return _offer(row) if row else None

    def offer_by_token(
        self, token_hash: str, *, for_update: bool = False
    ) -> CredentialOffer | None:
        """The offer whose access token hashes to ``token_hash``."""
        row = self._one(
            select(Oid4vciOfferRow).where(Oid4vciOfferRow.access_token_hash == token_hash),
            for_update,
        )
        return _offer(row) if row else None

    def save_offer(self, offer: CredentialOffer) -> None:
        """Write an offer's changed state back."""
        row = self._one(select(Oid4vciOfferRow).where(Oid4vciOfferRow.id == offer.id), False)
        if row is None:
            return
        self._fill(row, offer)
        self._s.flush()

    def add_nonce(self, nonce_hash: str, expires_at: datetime, now: datetime) -> None:
        """Store a nonce and forget this organisation's expired ones."""
        self._s.execute(
            delete(Oid4vciNonceRow).where(
                Oid4vciNonceRow.organisation_id == self._org, Oid4vciNonceRow.expires_at <= now
            )
        )
        self._s.add(
            Oid4vciNonceRow(nonce_hash=nonce_hash, organisation_id=self._org, expires_at=expires_at)
        )
        self._s.flush()

    def take_nonce(self, nonce_hash: str, now: datetime) -> bool:
        """Delete the nonce if it is this organisation's and unexpired; True if it was."""
        result = self._s.execute(
            delete(Oid4vciNonceRow).where(
                Oid4vciNonceRow.organisation_id == self._org,
                Oid4vciNonceRow.nonce_hash == nonce_hash,
                Oid4vciNonceRow.expires_at > now,
            )
        )
        return bool(getattr(result, "rowcount", 0) == 1)
