"""Account lifecycle: deactivating users, changing and resetting passwords, and the security
events an organisation's admins read."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from microcred.crypto.passwords import hash_password
from microcred.domain.identity import Permission, Principal, Role, SecurityEvent, User
from microcred.errors import Conflict, NotFound
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import TenantScope, UnitOfWorkFactory
from microcred.ports.webhooks import EventType
from microcred.services.identity.service import IdentityService, security_event
from microcred.services.webhooks import emit, utc_timestamp


@dataclass(frozen=True, slots=True)
class PasswordReset:
    """The outcome of an admin reset: the new password is shown once when it was generated."""

    user: User
    password: str | None


class AccountService:
    """What admins and users do to accounts beyond creating them."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, identity: IdentityService) -> None:
        self._uow = uow
        self._clock = clock
        self._identity = identity

    def _user(self, scope: TenantScope, user_id: str) -> User:
        user = scope.users.get(user_id) if isinstance(user_id, str) else None
        if user is None:
            raise NotFound("No such user.")
        return user

    def set_active(self, principal: Principal, user_id: str, active: bool) -> User:
        """Deactivate (every token and session revoked, sign-in refused) or reactivate a user."""
        principal.require(Permission.MANAGE_USERS)
        if user_id == principal.user_id and not active:
            raise Conflict("You cannot deactivate yourself.", hint="Ask another admin.")
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            user = self._user(scope, user_id)
            if user.active == active:
                return user
            user.active = active
            scope.users.update(user)
            revoked = 0 if active else scope.tokens.revoke_for_user(user.id, now)
            scope.security_events.add(
                security_event(
                    principal.organisation_id,
                    "user_activated" if active else "user_deactivated",
                    now,
                    f"{user.email} was {'reactivated' if active else 'deactivated'} by "
                    f"{principal.email}" + (f"; {revoked} token(s) revoked." if revoked else "."),
                    user_id=user.id,
                    actor_user_id=principal.user_id,
                )
            )
            if not active:
                data = {
                    "user_id": user.id,
                    "email": user.email,
                    "deactivated_at": utc_timestamp(now),
                }
                emit(uow, principal.organisation_id, EventType.PERSON_DEACTIVATED, data, now)
            uow.commit()
        return user

    def set_role(self, principal: Principal, user_id: str, role: Role) -> User:
        """Give a user another role (it applies to their next request); admins cannot change
        their own, so an organisation never loses its last admin by accident."""
        principal.require(Permission.MANAGE_USERS)
        if user_id == principal.user_id:
            raise Conflict("You cannot change your own role.", hint="Ask another admin.")
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            user = self._user(scope, user_id)
            if user.role is role:
                return user
            before, user.role = user.role, role
            scope.users.update(user)
            scope.security_events.add(
                security_event(
                    principal.organisation_id,
                    "role_changed",
                    now,
                    f"{principal.email} changed the role of {user.email} from {before.value} "
                    f"to {role.value}.",
                    user_id=user.id,
                    actor_user_id=principal.user_id,
                )
            )
            uow.commit()
        return user

    def change_password(
        self, principal: Principal, current: str, new: str, client: str | None = None
    ) -> None:
        """Change your own password (the current one is checked behind the sign-in throttle);
        every other token and session of yours is revoked."""
        with self._uow() as uow:
            org = uow.organisations.get(principal.organisation_id)
        if org is None:
            raise NotFound("No such organisation.")
        user = self._identity.check_password(org.slug, principal.email, current, client)
        if user.id != principal.user_id:
            raise NotFound("No such user.")
        digest = hash_password(new)
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            user = self._user(scope, principal.user_id)
            user.password_hash = digest
            scope.users.update(user)
            scope.tokens.revoke_for_user(user.id, now, except_token=principal.token_id)
            scope.security_events.add(
                security_event(
                    principal.organisation_id,
                    "password_changed",
                    now,
                    f"{user.email} changed their password; their other tokens were revoked.",
                    user_id=user.id,
                    actor_user_id=user.id,
                    client=client,
                )
            )
            uow.commit()

    def reset_password(
        self, principal: Principal, user_id: str, password: str | None = None
    ) -> PasswordReset:
        """An admin sets a user's password (a random one when none is given, shown once);
        every token and session of that user is revoked."""
        principal.require(Permission.MANAGE_USERS)
        generated = None if password else secrets.token_urlsafe(18)
        digest = hash_password(password or generated or "")
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            user = self._user(scope, user_id)
            user.password_hash = digest
            scope.users.update(user)
            scope.tokens.revoke_for_user(user.id, now)
            scope.security_events.add(
                security_event(
                    principal.organisation_id,
                    "password_reset",
                    now,
                    f"{principal.email} reset the password of {user.email}; "
                    "their tokens were revoked.",
                    user_id=user.id,
                    actor_user_id=principal.user_id,
                )
            )
            uow.commit()
        return PasswordReset(user, generated)

    def security_events(self, principal: Principal, limit: int = 100) -> list[SecurityEvent]:
        """The organisation's security events, newest first (admins)."""
        principal.require(Permission.MANAGE_USERS)
        with self._uow() as uow:
            return list(uow.tenant(principal.organisation_id).security_events.recent(limit))
