"""The single sign-on repository of one organisation: every query filters by it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from microcred.adapters.db.identity.sso_tables import SsoIdentityRow, SsoPendingRow, SsoProviderRow
from microcred.ports.sso import PendingSignIn, SsoIdentity, SsoProvider


def _provider(row: SsoProviderRow) -> SsoProvider:
    return SsoProvider(
        organisation_id=row.organisation_id,
        display_name=row.display_name,
        issuer=row.issuer,
        client_id=row.client_id,
        sealed_secret=row.sealed_secret,
        role_claim=row.role_claim,
        role_map=dict(row.role_map),
        default_role=row.default_role,
        just_in_time=row.just_in_time,
        password_sign_in=row.password_sign_in,
        enabled=row.enabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _identity(row: SsoIdentityRow) -> SsoIdentity:
    return SsoIdentity(
        row.organisation_id,
        row.issuer,
        row.subject,
        row.user_id,
        row.created_at,
        row.last_sign_in_at,
    )


class SqlSso:
    """Providers, pending sign-ins and identities in the ``sso_*`` tables."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id

    def _provider_row(self) -> SsoProviderRow | None:
        return self._s.get(SsoProviderRow, self._org)

    def provider(self) -> SsoProvider | None:
        """The organisation's provider, if it registered one."""
        row = self._provider_row()
        return _provider(row) if row else None

    def save_provider(self, provider: SsoProvider) -> None:
        """Store or replace the organisation's provider."""
        row = self._provider_row()
        if row is None:
            row = SsoProviderRow(organisation_id=self._org)
            self._s.add(row)
        row.display_name, row.issuer = provider.display_name, provider.issuer
        row.client_id, row.sealed_secret = provider.client_id, provider.sealed_secret
        row.role_claim, row.role_map = provider.role_claim, dict(provider.role_map)
        row.default_role, row.just_in_time = provider.default_role, provider.just_in_time
        row.password_sign_in, row.enabled = provider.password_sign_in, provider.enabled
        row.created_at, row.updated_at = provider.created_at, provider.updated_at
        row.updated_by = provider.updated_by
        self._s.flush()

    def delete_provider(self) -> bool:
        """Remove the provider (and every pending sign-in); False if there was none."""
        if self._provider_row() is None:
            return False
        self._s.execute(delete(SsoPendingRow).where(SsoPendingRow.organisation_id == self._org))
        self._s.execute(delete(SsoProviderRow).where(SsoProviderRow.organisation_id == self._org))
        return True

    def add_pending(self, pending: PendingSignIn) -> None:
        """Record a sign-in sent to the provider."""
        self._s.add(
            SsoPendingRow(
                state_hash=pending.state_hash,
                organisation_id=self._org,
                nonce=pending.nonce,
                code_verifier=pending.code_verifier,
                browser_hash=pending.browser_hash,
                created_at=pending.created_at,
                used_at=None,
            )
        )
        self._s.flush()

    def take_pending(self, state_hash: str, now: datetime) -> PendingSignIn | None:
        """Mark the pending sign-in used (one conditional UPDATE, so two callbacks racing with
        the same ``state`` cannot both win) and return it; None when unknown or already used."""
        result = cast(
            "CursorResult[Any]",
            self._s.execute(
                update(SsoPendingRow)
                .where(
                    SsoPendingRow.state_hash == state_hash,
                    SsoPendingRow.organisation_id == self._org,
                    SsoPendingRow.used_at.is_(None),
                )
                .values(used_at=now)
            ),
        )
        if result.rowcount != 1:
            return None
        row = self._s.get(SsoPendingRow, state_hash)
        if row is None:
            return None
        return PendingSignIn(
            row.state_hash,
            row.organisation_id,
            row.nonce,
            row.code_verifier,
            row.browser_hash,
            row.created_at,
            now,
        )

    def prune_pending(self, before: datetime) -> int:
        """Forget pending sign-ins started before ``before`` (used or not)."""
        result = cast(
            "CursorResult[Any]",
            self._s.execute(
                delete(SsoPendingRow).where(
                    SsoPendingRow.organisation_id == self._org, SsoPendingRow.created_at < before
                )
            ),
        )
        return int(result.rowcount or 0)

    def _identity_row(self, issuer: str, subject: str) -> SsoIdentityRow | None:
        return self._s.scalar(
            select(SsoIdentityRow).where(
                SsoIdentityRow.organisation_id == self._org,
                SsoIdentityRow.issuer == issuer,
                SsoIdentityRow.subject == subject,
            )
        )

    def identity(self, issuer: str, subject: str) -> SsoIdentity | None:
        """The user linked to the provider's ``subject``, if any."""
        row = self._identity_row(issuer, subject)
        return _identity(row) if row else None

    def save_identity(self, identity: SsoIdentity) -> None:
        """Link a subject to a user, or record another sign-in of a linked one."""
        row = self._identity_row(identity.issuer, identity.subject)
        if row is None:
            row = SsoIdentityRow(
                organisation_id=self._org,
                issuer=identity.issuer,
                subject=identity.subject,
                created_at=identity.created_at,
            )
            self._s.add(row)
        row.user_id, row.last_sign_in_at = identity.user_id, identity.last_sign_in_at
        self._s.flush()

    def identities(self) -> Sequence[SsoIdentity]:
        """Every linked subject, oldest first."""
        rows = self._s.scalars(
            select(SsoIdentityRow)
            .where(SsoIdentityRow.organisation_id == self._org)
            .order_by(SsoIdentityRow.created_at, SsoIdentityRow.id)
        )
        return [_identity(r) for r in rows]

    def delete_identities(self) -> int:
        """Unlink every subject (when the provider's issuer changes)."""
        result = cast(
            "CursorResult[Any]",
            self._s.execute(
                delete(SsoIdentityRow).where(SsoIdentityRow.organisation_id == self._org)
            ),
        )
        return int(result.rowcount or 0)
