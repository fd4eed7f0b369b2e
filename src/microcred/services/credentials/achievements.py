"""Defining micro-credentials (OB 3.0 Achievements)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from microcred.credentials.achievement_credential import (
    CredentialDraft,
    IssuerProfile,
    achievement_json,
    build,
)
from microcred.credentials.jsonld import canonize
from microcred.credentials.schema import schema_errors
from microcred.credentials.status_list import status_list_entry
from microcred.domain.achievement import (
    Achievement,
    Alignment,
    Image,
    ResultDescription,
    StatusPurpose,
)
from microcred.domain.credential import Recipient
from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, JsonLdError, NotFound
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.ids import new_id
from microcred.services.urls import PublicUrls

MAX_ALIGNMENTS = 100
#: ids one `AchievementService.get_many` call reads at most
MAX_LOOKUP = 5_000
#: the longest search text
MAX_QUERY = 200
MAX_RESULTS = 50


@dataclass(slots=True)
class AchievementInput:
    """What a caller says about a micro-credential."""

    name: str
    description: str
    criteria_narrative: str
    achievement_type: str = "MicroCredential"
    alignments: list[Alignment] = field(default_factory=list)
    effort_hours: float | None = None
    image: Image | None = None
    validity_days: int | None = None
    result_descriptions: list[ResultDescription] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    status_purpose: StatusPurpose = StatusPurpose.REVOCATION


def _check_sizes(data: AchievementInput) -> None:
    if len(data.name) > 300:
        raise InvalidInput("The name is longer than 300 characters.")
    for text, what in ((data.description, "description"), (data.criteria_narrative, "criteria")):
        if len(text) > 20_000:
            raise InvalidInput(f"The {what} is longer than 20,000 characters.")
    if len(data.alignments) > MAX_ALIGNMENTS:
        raise InvalidInput(f"At most {MAX_ALIGNMENTS} skill alignments are allowed.")
    if len(data.result_descriptions) > MAX_RESULTS:
        raise InvalidInput(f"At most {MAX_RESULTS} result descriptions are allowed.")
    if len(data.tags) > 50 or any(len(t) > 100 for t in data.tags):
        raise InvalidInput("At most 50 tags of up to 100 characters are allowed.")


def check_issuable(achievement: Achievement) -> None:
    """Refuse a definition whose credentials could not be issued (an ``image`` or other value
    that is not a valid IRI, say): a trial credential goes through the JSON-LD and schema
    checks that issuance runs, so the error comes when the definition is saved."""
    trial = "https://trial.invalid"
    issuer = IssuerProfile(id="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", name="x")
    document = build(
        CredentialDraft(
            credential_id=f"{trial}/credentials/1",
            issuer=issuer,
            achievement=achievement_json(achievement, f"{trial}/achievements/1", issuer),
            recipient=Recipient(email="trial@example.org"),
            salt="0" * 32,
            awarded="2025-01-01T00:00:00Z",
            valid_from="2025-01-01T00:00:00Z",
            valid_until="2026-01-01T00:00:00Z" if achievement.validity_days else None,
            status=status_list_entry(f"{trial}/status/1", 0, achievement.status_purpose.value),
        )
    )
    try:
        canonize(document)
    except JsonLdError as exc:
        raise InvalidInput(
            f"Credentials for this definition could not be issued: {exc.message}"
        ) from exc
    problems = schema_errors(document)
    if problems:
        raise InvalidInput(
            "Credentials for this definition would not match the OB 3.0 schema: "
            + "; ".join(problems)
        )


class AchievementService:
    """Creates, updates and reads micro-credential definitions."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, urls: PublicUrls) -> None:
        self._uow = uow
        self._clock = clock
        self._urls = urls

    def create(self, principal: Principal, data: AchievementInput) -> Achievement:
        """Define a new micro-credential in the principal's organisation."""
        principal.require(Permission.MANAGE_ACHIEVEMENTS)
        _check_sizes(data)
        now = self._clock.now()
        achievement = Achievement(
            id=new_id(),
            organisation_id=principal.organisation_id,
            created_at=now,
            updated_at=now,
            **{f: getattr(data, f) for f in AchievementInput.__slots__},
        )
        check_issuable(achievement)
        with self._uow() as uow:
            uow.tenant(principal.organisation_id).achievements.add(achievement)
            uow.commit()
        return achievement

    def update(
        self, principal: Principal, achievement_id: str, data: AchievementInput
    ) -> Achievement:
        """Replace a definition's fields; credentials already issued keep what they say."""
        principal.require(Permission.MANAGE_ACHIEVEMENTS)
        _check_sizes(data)
        with self._uow() as uow:
            repo = uow.tenant(principal.organisation_id).achievements
            current = repo.get(achievement_id)
            if current is None:
                raise NotFound("No such achievement in your organisation.")
            updated = replace(
                current,
                updated_at=self._clock.now(),
                **{f: getattr(data, f) for f in AchievementInput.__slots__},
            )
            check_issuable(updated)
            repo.update(updated)
            uow.commit()
        return updated

    def get(self, principal: Principal, achievement_id: str) -> Achievement:
        """One definition of the principal's organisation."""
        principal.require(Permission.VIEW_ACHIEVEMENTS)
        with self._uow() as uow:
            found = uow.tenant(principal.organisation_id).achievements.get(achievement_id)
        if found is None:
            raise NotFound("No such achievement in your organisation.")
        return found

    def get_many(
        self, principal: Principal, achievement_ids: Iterable[str]
    ) -> dict[str, Achievement]:
        """Those of the ids that are the principal's organisation's, by id (at most
        `MAX_LOOKUP`; others are left out)."""
        principal.require(Permission.VIEW_ACHIEVEMENTS)
        ids = list(dict.fromkeys(achievement_ids))
        if len(ids) > MAX_LOOKUP:
            raise InvalidInput(f"Ask for at most {MAX_LOOKUP:,} micro-credentials at a time.")
        with self._uow() as uow:
            found = uow.tenant(principal.organisation_id).achievements.get_many(ids)
        return {a.id: a for a in found}

    def search(self, principal: Principal, text: str, limit: int = 20) -> list[Achievement]:
        """Definitions whose name holds every word of ``text`` (case aside), by name; with no
        words, the first ``limit`` by name."""
        principal.require(Permission.VIEW_ACHIEVEMENTS)
        if len(text) > MAX_QUERY:
            raise InvalidInput(f"Search with at most {MAX_QUERY} characters.")
        with self._uow() as uow:
            repo = uow.tenant(principal.organisation_id).achievements
            return list(repo.search(text, limit=limit))

    def list(self, principal: Principal, offset: int = 0, limit: int = 50) -> list[Achievement]:
        """Definitions of the principal's organisation, oldest first."""
        principal.require(Permission.VIEW_ACHIEVEMENTS)
        with self._uow() as uow:
            return list(
                uow.tenant(principal.organisation_id).achievements.list(offset=offset, limit=limit)
            )
