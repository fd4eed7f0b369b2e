"""The LTI repository of one organisation: every query filters by it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from microcred.adapters.db.lti.tables import (
    LtiIdentityRow,
    LtiLineItemRow,
    LtiPendingRow,
    LtiPlatformRow,
    LtiToolKeyRow,
)
from microcred.ports.lti import (
    LtiIdentity,
    LtiLineItem,
    LtiPendingLogin,
    LtiPlatform,
    LtiToolKey,
)


def _platform(row: LtiPlatformRow) -> LtiPlatform:
    return LtiPlatform(
        id=row.id,
        organisation_id=row.organisation_id,
        name=row.name,
        issuer=row.issuer,
        client_id=row.client_id,
        deployment_ids=tuple(row.deployment_ids),
        auth_login_url=row.auth_login_url,
        auth_token_url=row.auth_token_url,
        jwks_url=row.jwks_url,
        just_in_time=row.just_in_time,
        enabled=row.enabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _line_item(row: LtiLineItemRow) -> LtiLineItem:
    return LtiLineItem(
        row.id,
        row.organisation_id,
        row.platform_id,
        row.user_id,
        row.subject,
        row.achievement_id,
        row.lineitem_url,
        row.created_at,
    )


def _count(result: object) -> int:
    return int(cast("CursorResult[Any]", result).rowcount or 0)


class SqlLti:
    """Platforms, tool keys, pending logins, identities and line items in the ``lti_*`` tables."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id

    def _platform_row(self, platform_id: str) -> LtiPlatformRow | None:
        return self._s.scalar(
            select(LtiPlatformRow).where(
                LtiPlatformRow.organisation_id == self._org, LtiPlatformRow.id == platform_id
            )
        )

    def platforms(self) -> Sequence[LtiPlatform]:
        """Every registered platform, oldest first."""
        rows = self._s.scalars(
            select(LtiPlatformRow)
            .where(LtiPlatformRow.organisation_id == self._org)
            .order_by(LtiPlatformRow.created_at, LtiPlatformRow.id)
        )
        return [_platform(r) for r in rows]

    def platform(self, platform_id: str) -> LtiPlatform | None:
        """One registration by id."""
        row = self._platform_row(platform_id)
        return _platform(row) if row else None

    def platform_for(self, issuer: str, client_id: str | None) -> LtiPlatform | None:
        """The registration of ``issuer`` (and ``client_id``)."""
        query = select(LtiPlatformRow).where(
            LtiPlatformRow.organisation_id == self._org, LtiPlatformRow.issuer == issuer
        )
        if client_id is not None:
            query = query.where(LtiPlatformRow.client_id == client_id)
        rows = list(self._s.scalars(query.limit(2)))
        return _platform(rows[0]) if len(rows) == 1 else None

    def save_platform(self, platform: LtiPlatform) -> None:
        """Store or replace a registration."""
        row = self._platform_row(platform.id)
        if row is None:
            row = LtiPlatformRow(id=platform.id, organisation_id=self._org)
            self._s.add(row)
        row.name, row.issuer, row.client_id = platform.name, platform.issuer, platform.client_id
        row.deployment_ids = list(platform.deployment_ids)
        row.auth_login_url, row.auth_token_url = platform.auth_login_url, platform.auth_token_url
        row.jwks_url, row.just_in_time = platform.jwks_url, platform.just_in_time
        row.enabled, row.created_at = platform.enabled, platform.created_at
        row.updated_at = platform.updated_at
        self._s.flush()

    def delete_platform(self, platform_id: str) -> bool:
        """Remove a registration with its pending logins and line items."""
        if self._platform_row(platform_id) is None:
            return False
        for table in (LtiPendingRow, LtiLineItemRow):
            self._s.execute(
                delete(table).where(
                    table.organisation_id == self._org, table.platform_id == platform_id
                )
            )
        self._s.execute(
            delete(LtiPlatformRow).where(
                LtiPlatformRow.organisation_id == self._org, LtiPlatformRow.id == platform_id
            )
        )
        return True

    def tool_keys(self) -> Sequence[LtiToolKey]:
        """The tool's keys, newest first."""
        rows = self._s.scalars(
            select(LtiToolKeyRow)
            .where(LtiToolKeyRow.organisation_id == self._org)
            .order_by(LtiToolKeyRow.created_at.desc(), LtiToolKeyRow.kid)
        )
        return [LtiToolKey(r.kid, r.organisation_id, r.sealed_private, r.created_at) for r in rows]

    def add_tool_key(self, key: LtiToolKey) -> None:
        """Store a new key."""
        self._s.add(
            LtiToolKeyRow(
                kid=key.kid,
                organisation_id=self._org,
                sealed_private=key.sealed_private,
                created_at=key.created_at,
            )
        )
        self._s.flush()

    def add_pending(self, pending: LtiPendingLogin) -> None:
        """Record a login sent to the platform."""
        self._s.add(
            LtiPendingRow(
                state_hash=pending.state_hash,
                organisation_id=self._org,
                platform_id=pending.platform_id,
                nonce=pending.nonce,
                browser_hash=pending.browser_hash,
                created_at=pending.created_at,
                used_at=None,
            )
        )
        self._s.flush()

    def take_pending(self, state_hash: str, now: datetime) -> LtiPendingLogin | None:
        """Mark the pending login used (one conditional UPDATE: of two launches racing with the
        same ``state`` only one wins) and return it; None when unknown or already used."""
        won = _count(
            self._s.execute(
                update(LtiPendingRow)
                .where(
                    LtiPendingRow.state_hash == state_hash,
                    LtiPendingRow.organisation_id == self._org,
                    LtiPendingRow.used_at.is_(None),
                )
                .values(used_at=now)
            )
        )
        row = self._s.get(LtiPendingRow, state_hash) if won == 1 else None
        if row is None:
            return None
        return LtiPendingLogin(
            row.state_hash,
            row.organisation_id,
            row.platform_id,
            row.nonce,
            row.browser_hash,
            row.created_at,
            now,
        )

    def prune_pending(self, before: datetime) -> int:
        """Forget pending logins started before ``before``."""
        return _count(
            self._s.execute(
                delete(LtiPendingRow).where(
                    LtiPendingRow.organisation_id == self._org, LtiPendingRow.created_at < before
                )
            )
        )

    def _identity_row(self, issuer: str, subject: str) -> LtiIdentityRow | None:
        return self._s.scalar(
            select(LtiIdentityRow).where(
                LtiIdentityRow.organisation_id == self._org,
                LtiIdentityRow.issuer == issuer,
                LtiIdentityRow.subject == subject,
            )
        )

    def identity(self, issuer: str, subject: str) -> LtiIdentity | None:
        """The user linked to the platform's ``subject``, if any."""
        row = self._identity_row(issuer, subject)
        if row is None:
            return None
        return LtiIdentity(
            row.organisation_id,
            row.issuer,
            row.subject,
            row.user_id,
            row.created_at,
            row.last_launch_at,
        )

    def save_identity(self, identity: LtiIdentity) -> None:
        """Link a platform user to a user, or record another launch of a linked one."""
        row = self._identity_row(identity.issuer, identity.subject)
        if row is None:
            row = LtiIdentityRow(
                organisation_id=self._org,
                issuer=identity.issuer,
                subject=identity.subject,
                created_at=identity.created_at,
            )
            self._s.add(row)
        row.user_id, row.last_launch_at = identity.user_id, identity.last_launch_at
        self._s.flush()

    def save_line_item(self, item: LtiLineItem) -> None:
        """Store the line item, or point the known one at ``item.achievement_id``."""
        row = self._s.scalar(
            select(LtiLineItemRow).where(
                LtiLineItemRow.organisation_id == self._org,
                LtiLineItemRow.platform_id == item.platform_id,
                LtiLineItemRow.user_id == item.user_id,
                LtiLineItemRow.lineitem_url == item.lineitem_url,
            )
        )
        if row is None:
            row = LtiLineItemRow(
                id=item.id,
                organisation_id=self._org,
                platform_id=item.platform_id,
                user_id=item.user_id,
                lineitem_url=item.lineitem_url,
                created_at=item.created_at,
            )
            self._s.add(row)
        row.subject, row.achievement_id = item.subject, item.achievement_id
        self._s.flush()

    def line_item(self, item_id: str) -> LtiLineItem | None:
        """One line item by id."""
        row = self._s.scalar(
            select(LtiLineItemRow).where(
                LtiLineItemRow.organisation_id == self._org, LtiLineItemRow.id == item_id
            )
        )
        return _line_item(row) if row else None

    def line_items_for(self, user_id: str, achievement_id: str) -> Sequence[LtiLineItem]:
        """The line items a user's result on ``achievement_id`` goes to."""
        rows = self._s.scalars(
            select(LtiLineItemRow).where(
                LtiLineItemRow.organisation_id == self._org,
                LtiLineItemRow.user_id == user_id,
                LtiLineItemRow.achievement_id == achievement_id,
            )
        )
        return [_line_item(r) for r in rows]
