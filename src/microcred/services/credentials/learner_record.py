"""A learner's record as a signed CLR 2.0 ``ClrCredential``: every credential they hold, with
the courses and pathways that join them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

from microcred.credentials.achievement_credential import IssuerProfile, achievement_json
from microcred.credentials.clr import (
    Association,
    AssociationType,
    ClrDraft,
    achievement_id_of,
    build_clr,
)
from microcred.domain.credential import CredentialStatus, IssuedCredential
from microcred.domain.identity import Organisation, Permission, Principal, normalise_email
from microcred.domain.pathway import Pathway, achievements_in
from microcred.errors import NotFound, PermissionDenied
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import TenantScope, UnitOfWorkFactory
from microcred.services.credentials.directory import issuer_profile
from microcred.services.credentials.issuance import IssuanceService
from microcred.services.credentials.keys import ED25519, IssuerKeys
from microcred.services.ids import new_id
from microcred.services.urls import PublicUrls

#: a record holds at most this many credentials (about 5 KB each); beyond it, ``partial``
MAX_RECORD_CREDENTIALS = 1000
_PAGE = 200


class LearnerRecords:
    """Signs CLR 2.0 records of learners' credentials on request (not stored, not logged: the
    credentials inside carry their own proofs and log entries)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        keys: IssuerKeys,
        urls: PublicUrls,
        issuance: IssuanceService,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keys = keys
        self._urls = urls
        self._issuance = issuance

    def record(self, principal: Principal, email: str | None = None) -> dict[str, Any]:
        """The signed record of ``email`` (default: the principal's own). Learners get only
        their own; staff who view credentials may ask for anyone in their organisation."""
        wanted = normalise_email(email or principal.email)
        if wanted != normalise_email(principal.email):
            principal.require(Permission.VIEW_CREDENTIALS)
        elif not {Permission.VIEW_CREDENTIALS, Permission.VIEW_OWN_CREDENTIALS} & set(
            principal.permissions
        ):
            raise PermissionDenied("Your role may not view credentials.")
        with self._uow() as uow:
            org = uow.organisations.get(principal.organisation_id)
            if org is None:
                raise NotFound("Your organisation no longer exists.")
            scope = uow.tenant(org.id)
            held, partial = _held(scope, wanted)
            if not held:
                raise NotFound("There are no active credentials to put in a record yet.")
            return self._sign(scope, org, wanted, held, partial)

    def _sign(
        self,
        scope: TenantScope,
        org: Organisation,
        email: str,
        held: list[IssuedCredential],
        partial: bool,
    ) -> dict[str, Any]:
        signer = self._keys.signer(scope, org, ED25519)
        profile = issuer_profile(org, signer.issuer_id)
        in_record = {a for a in (achievement_id_of(c.document) for c in held) if a is not None}
        achievements, associations = self._structure(scope, org, profile, in_record)
        now = self._clock.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
        draft = ClrDraft(
            record_id=f"urn:uuid:{new_id()}",
            name=f"Learner record from {org.name}",
            description=f"Every active credential {org.name} issued to this learner, "
            "with the courses and pathways they belong to.",
            issuer=profile,
            valid_from=now,
            email=email,
            salt=secrets.token_hex(16),
            credentials=[c.document for c in held],
            achievements=achievements,
            associations=associations,
            partial=partial,
        )
        return self._issuance.sign_checked(scope, org, signer, build_clr(draft))

    def _structure(
        self, scope: TenantScope, org: Organisation, profile: IssuerProfile, in_record: set[str]
    ) -> tuple[list[dict[str, Any]], list[Association]]:
        """Pathway achievements the record's credentials belong to, and the associations."""
        extra: dict[str, dict[str, Any]] = {}
        links: list[Association] = []
        for pathway in scope.pathways.list():
            url = self._urls.achievement(org.slug, pathway.achievement_id)
            members = {
                self._urls.achievement(org.slug, m): m for m in achievements_in(pathway.requirement)
            }
            held_parts = [m for m in members if m in in_record]
            if not held_parts:
                continue
            if url not in in_record and url not in extra:
                achievement = scope.achievements.get(pathway.achievement_id)
                if achievement is None:
                    continue
                extra[url] = achievement_json(achievement, url, profile)
            links += [Association(AssociationType.IS_PART_OF, m, url) for m in held_parts]
            links += _prerequisites(self._urls, org.slug, pathway, in_record)
        return list(extra.values()), _unique(links)


def _held(scope: TenantScope, email: str) -> tuple[list[IssuedCredential], bool]:
    """The learner's active credentials with a linked-data proof, and whether any were left
    out (VC-JWT ones, which a ClrCredential cannot embed, or past the size cap)."""
    held: list[IssuedCredential] = []
    partial = False
    for credential in _all_active(scope, email):
        if credential.jwt is not None or "proof" not in credential.document:
            partial = True
        elif len(held) >= MAX_RECORD_CREDENTIALS:
            return held, True
        else:
            held.append(credential)
    return held, partial


def _all_active(scope: TenantScope, email: str) -> Iterator[IssuedCredential]:
    offset = 0
    while True:
        page = scope.credentials.list(
            recipient_email=email, status=CredentialStatus.ACTIVE, offset=offset, limit=_PAGE
        )
        yield from page
        if len(page) < _PAGE:
            return
        offset += _PAGE


def _prerequisites(
    urls: PublicUrls, slug: str, pathway: Pathway, in_record: set[str]
) -> list[Association]:
    links = []
    for target, before in pathway.prerequisites.items():
        target_url = urls.achievement(slug, target)
        for source in before:
            source_url = urls.achievement(slug, source)
            if source_url in in_record and target_url in in_record:
                links.append(Association(AssociationType.PRECEDES, source_url, target_url))
    return links


def _unique(links: list[Association]) -> list[Association]:
    return list(dict.fromkeys(links))
