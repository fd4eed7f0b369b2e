"""Earner acceptance: a credential of an achievement marked "offer before issuing" is kept
private and offered to its earner by e-mail; the single-use, expiring claim link (only its
SHA-256 stored) lets them accept it (it becomes visible) or decline it (it is revoked, with the
reason in its status history and the transparency log; never deleted)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from microcred.domain.credential import IssuedCredential
from microcred.domain.identity import Permission, Principal, SecurityEvent
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.ports.clock import Clock
from microcred.ports.mail import MailKind, Offer, OfferState
from microcred.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from microcred.services.credentials.status import CredentialService, holds
from microcred.services.ids import new_id
from microcred.services.notifications import queue_mail, schedule_scan, token_hash

log = logging.getLogger("microcred.offers")

DECLINED_REASON = "Declined by its earner."
MAX_TOKEN = 100


@dataclass(frozen=True, slots=True)
class ClaimView:
    """What the claim page shows before the earner chooses."""

    offer: Offer
    credential: IssuedCredential
    achievement_name: str
    organisation_name: str


class CredentialOffers:
    """Offers of credentials to their earners, and the earners' answers."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, credentials: CredentialService
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._credentials = credentials

    # --- the issuer's side -------------------------------------------------------------------
    def after_issue(self, uow: UnitOfWork, credential: IssuedCredential) -> Offer | None:
        """In the issuing transaction: offer the credential when its achievement says so
        (only to an e-mail recipient), and keep the lifecycle scan queued."""
        if credential.recipient_email is None:
            return None
        scope = uow.tenant(credential.organisation_id)
        now = self._clock.now()
        schedule_scan(uow, credential.organisation_id, now + timedelta(minutes=1))
        if not scope.mail.offer_first(credential.achievement_id):
            return None
        offer = Offer(
            id=new_id(),
            organisation_id=credential.organisation_id,
            credential_id=credential.id,
            email=credential.recipient_email.lower(),
            state=OfferState.OFFERED,
            created_at=now,
            sent=1,
            last_sent_at=now,
        )
        scope.credentials.set_private(credential.id, True)
        credential.private = True
        scope.mail.add_offer(offer)
        queue_mail(uow, offer.organisation_id, MailKind.OFFER, f"{offer.id}:1", offer.email, now)
        return offer

    def set_offer_first(self, principal: Principal, achievement_id: str, on: bool) -> bool:
        """Offer (``on``) or directly issue the achievement's future credentials."""
        principal.require(Permission.MANAGE_ACHIEVEMENTS)
        if not isinstance(on, bool):
            raise InvalidInput("Say true or false.")
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if scope.achievements.get(achievement_id) is None:
                raise NotFound("No such achievement in your organisation.")
            scope.mail.set_offer_first(achievement_id, on)
            uow.commit()
        return on

    def offer_first(self, principal: Principal, achievement_id: str) -> bool:
        """Whether the achievement's credentials are offered first."""
        principal.require(Permission.VIEW_ACHIEVEMENTS)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if scope.achievements.get(achievement_id) is None:
                raise NotFound("No such achievement in your organisation.")
            return scope.mail.offer_first(achievement_id)

    def offer_of(self, principal: Principal, credential_id: str) -> Offer | None:
        """The credential's offer (staff and its holder), or None when it was not offered."""
        self._credentials.get(principal, credential_id)  # NotFound unless they may see it
        with self._uow() as uow:
            return uow.tenant(principal.organisation_id).mail.offer_for(credential_id)

    def resend(self, principal: Principal, credential_id: str) -> Offer:
        """E-mail a pending offer again with a fresh claim link (the old one stops working)."""
        principal.require(Permission.ISSUE_CREDENTIALS)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            offer = scope.mail.offer_for(credential_id)
            if offer is None:
                raise NotFound("That credential was not offered.")
            if offer.state is not OfferState.OFFERED:
                raise Conflict(f"The offer was already {offer.state.value}.")
            now = self._clock.now()
            offer.sent += 1
            offer.last_sent_at = now
            scope.mail.save_offer(offer)
            queue_mail(
                uow,
                offer.organisation_id,
                MailKind.OFFER,
                f"{offer.id}:{offer.sent}",
                offer.email,
                now,
            )
            uow.commit()
        return offer

    # --- the earner's side -------------------------------------------------------------------
    def _find(self, uow: UnitOfWork, token: str, *, lock: bool) -> Offer:
        if not isinstance(token, str) or not 20 <= len(token) <= MAX_TOKEN or not token.isascii():
            raise NotFound("This claim link is not valid.")
        found = uow.mail_links().offer_by_token(token_hash(token))
        if found is None:
            raise NotFound(
                "This claim link is not valid: it was already used, replaced by a newer "
                "e-mail, or mistyped."
            )
        offer = uow.tenant(found[0]).mail.offer(found[1], for_update=lock)
        if offer is None or offer.token_hash != token_hash(token):
            raise NotFound("This claim link is not valid.")
        if offer.state is not OfferState.OFFERED:
            raise Conflict(f"This credential was already {offer.state.value}.")
        expires = offer.token_expires_at
        if expires is None or expires <= self._clock.now():
            raise Conflict(
                "This claim link has expired.",
                hint="Ask the issuer to send the offer again; a new link will be e-mailed.",
            )
        return offer

    def view(self, token: str) -> ClaimView:
        """What the claim link offers (changes nothing: mail scanners follow links)."""
        with self._uow() as uow:
            offer = self._find(uow, token, lock=False)
            scope = uow.tenant(offer.organisation_id)
            credential = scope.credentials.get(offer.credential_id)
            org = uow.organisations.get(offer.organisation_id)
            if credential is None or org is None:
                raise NotFound("This claim link is not valid.")
            achievement = scope.achievements.get(credential.achievement_id)
        name = achievement.name if achievement else "Micro-credential"
        return ClaimView(offer, credential, name, org.name)

    def answer(self, token: str, accept: bool) -> Offer:
        """Accept or decline through the claim link; the link then stops working."""
        with self._uow() as uow:
            offer = self._find(uow, token, lock=True)
            self._decide(uow, offer, accept, None)
            uow.commit()
        return offer

    def answer_signed_in(self, principal: Principal, credential_id: str, accept: bool) -> Offer:
        """Accept or decline from the wallet: only the credential's holder."""
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            credential = scope.credentials.get(credential_id)
            if credential is None or not holds(principal, credential):
                raise NotFound("No such credential offered to you.")
            offer = scope.mail.offer_for(credential_id)
            if offer is None:
                raise NotFound("No such credential offered to you.")
            offer = scope.mail.offer(offer.id, for_update=True) or offer
            if offer.state is not OfferState.OFFERED:
                raise Conflict(f"This credential was already {offer.state.value}.")
            self._decide(uow, offer, accept, principal.user_id)
            uow.commit()
        return offer

    def pending(self, principal: Principal) -> set[str]:
        """Ids of the principal's credentials that wait for their answer."""
        with self._uow() as uow:
            found = uow.tenant(principal.organisation_id).mail.pending_offers(principal.email)
        return {o.credential_id for o in found}

    def _decide(self, uow: UnitOfWork, offer: Offer, accept: bool, actor: str | None) -> None:
        scope = uow.tenant(offer.organisation_id)
        now = self._clock.now()
        if accept:
            scope.credentials.set_private(offer.credential_id, False)
        else:
            self._credentials.revoke_within(
                uow, offer.organisation_id, offer.credential_id, DECLINED_REASON, actor
            )
        offer.state = OfferState.ACCEPTED if accept else OfferState.DECLINED
        offer.decided_at = now
        offer.token_hash = None  # single use
        offer.token_expires_at = None
        scope.mail.save_offer(offer)
        scope.security_events.add(
            SecurityEvent(
                new_id(),
                offer.organisation_id,
                f"credential.{offer.state.value}",
                now,
                f"Credential {offer.credential_id} {offer.state.value} by its earner.",
                actor_user_id=actor,
            )
        )
        log.info("credential %s %s by its earner", offer.credential_id, offer.state.value)
