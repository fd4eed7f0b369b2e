"""The wallet exchanges of one organisation: every query filters by it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from microcred.adapters.db.delivery.exchange_tables import WalletExchangeRow
from microcred.ports.delivery_exchanges import ExchangeState, WalletExchange


def _exchange(row: WalletExchangeRow) -> WalletExchange:
    return WalletExchange(
        token_hash=row.token_hash,
        organisation_id=row.organisation_id,
        credential_id=row.credential_id,
        user_id=row.user_id,
        challenge=row.challenge,
        state=ExchangeState(row.state),
        created_at=row.created_at,
        expires_at=row.expires_at,
        completed_at=row.completed_at,
        holder_did=row.holder_did,
        bound_credential_id=row.bound_credential_id,
    )


class SqlWalletExchanges:
    """Exchanges in the ``wallet_exchanges`` table."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id

    def add(self, exchange: WalletExchange) -> None:
        """Store a new exchange of this organisation."""
        assert exchange.organisation_id == self._org
        self._s.add(
            WalletExchangeRow(
                token_hash=exchange.token_hash,
                organisation_id=self._org,
                credential_id=exchange.credential_id,
                user_id=exchange.user_id,
                challenge=exchange.challenge,
                state=exchange.state.value,
                created_at=exchange.created_at,
                expires_at=exchange.expires_at,
                completed_at=exchange.completed_at,
                holder_did=exchange.holder_did,
                bound_credential_id=exchange.bound_credential_id,
            )
        )
        self._s.flush()

    def get(self, token_hash: str) -> WalletExchange | None:
        """The exchange with this token hash, if it is this organisation's."""
        row = self._s.scalar(
            select(WalletExchangeRow).where(
                WalletExchangeRow.token_hash == token_hash,
                WalletExchangeRow.organisation_id == self._org,
            )
        )
        return _exchange(row) if row is not None else None

    def complete(
        self, token_hash: str, holder_did: str, bound_credential_id: str, at: datetime
    ) -> bool:
        """One conditional UPDATE, so two wallets racing cannot both complete it."""
        done = self._s.execute(
            update(WalletExchangeRow)
            .where(
                WalletExchangeRow.token_hash == token_hash,
                WalletExchangeRow.organisation_id == self._org,
                WalletExchangeRow.state == ExchangeState.PENDING.value,
            )
            .values(
                state=ExchangeState.COMPLETED.value,
                holder_did=holder_did,
                bound_credential_id=bound_credential_id,
                completed_at=at,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(done, "rowcount", 0) == 1)

    def open_for(self, credential_id: str, now: datetime) -> int:
        """Unexpired pending exchanges of one credential."""
        return int(
            self._s.scalar(
                select(func.count())
                .select_from(WalletExchangeRow)
                .where(
                    WalletExchangeRow.organisation_id == self._org,
                    WalletExchangeRow.credential_id == credential_id,
                    WalletExchangeRow.state == ExchangeState.PENDING.value,
                    WalletExchangeRow.expires_at > now,
                )
            )
            or 0
        )
