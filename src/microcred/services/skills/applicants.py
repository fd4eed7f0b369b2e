"""External applicants and the Open Badges 3.0 credentials they present.

A presented credential (JSON-LD or VC-JWT, optionally with a C2SP tlog-proof and the tlog-policy
to check it under) is verified before its skills count: signature, issuer, validity, status
(a credential that declares a status must have it checked), the transparency log when a proof is
given, and that it was issued to this applicant (``recipient``). It is stored with every check
either way, so a credential that fails is shown with its reason, never silently dropped. Only
verified credentials feed the skills index. Re-verify to pick up a later revocation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from microcred.credentials.parsing import parse_datetime
from microcred.credentials.verify import (
    Check,
    CheckStatus,
    ExtraCheck,
    VerificationReport,
    Verifier,
    issuer_id,
)
from microcred.domain.credential import Recipient
from microcred.domain.identity import Permission, Principal, normalise_email
from microcred.errors import Conflict, InvalidInput, MicrocredError, NotFound
from microcred.ports.clock import Clock
from microcred.ports.skills import Applicant, CheckRecord, PresentedCredential
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.credentials.presented import (
    RecipientCheck,
    insist_on_status,
    presented_text,
)
from microcred.services.ids import new_id
from microcred.services.ledger.log_verification import LogProofCheck
from microcred.services.skills.evidence import credential_name, document_skills
from microcred.transparency.policy import Policy
from microcred.transparency.proof import TlogProof

MAX_CREDENTIALS_PER_APPLICANT = 100
MAX_DIDS = 20

#: makes a verifier that also runs the given checks
VerifierFactory = Callable[[Sequence[ExtraCheck]], Verifier]


@dataclass(frozen=True, slots=True)
class ApplicantView:
    """An applicant and every credential they presented."""

    applicant: Applicant
    credentials: tuple[PresentedCredential, ...]


class ApplicantService:
    """External applicants of an organisation and their presented credentials."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, verifier: VerifierFactory) -> None:
        self._uow = uow
        self._clock = clock
        self._verifier = verifier

    def create(
        self, principal: Principal, *, name: str, email: str, dids: Sequence[str] = ()
    ) -> Applicant:
        """Record an applicant (a person who is not a user)."""
        principal.require(Permission.MANAGE_APPLICANTS)
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise InvalidInput("An applicant's name has 1–200 characters.")
        if len(dids) > MAX_DIDS:
            raise InvalidInput(f"At most {MAX_DIDS} DIDs per applicant.")
        for did in dids:
            Recipient(did=did)
        applicant = Applicant(
            new_id(),
            principal.organisation_id,
            name.strip(),
            normalise_email(email),
            tuple(dict.fromkeys(dids)),
            self._clock.now(),
        )
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if scope.skills.applicant_by_email(applicant.email) is not None:
                raise Conflict(f"{applicant.email} is already an applicant.")
            scope.skills.add_applicant(applicant)
            uow.commit()
        return applicant

    def list(
        self, principal: Principal, offset: int = 0, limit: int = 50
    ) -> tuple[list[ApplicantView], int]:
        """A page of applicants (oldest first) with their credentials, and how many there are."""
        principal.require(Permission.MANAGE_APPLICANTS)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            t = scope.skills
            found = [
                ApplicantView(a, tuple(t.presented_of(a.id)))
                for a in t.list_applicants(offset=offset, limit=limit)
            ]
            return found, t.count_applicants()

    def get(self, principal: Principal, applicant_id: str) -> ApplicantView:
        """One applicant with every credential presented and its checks."""
        principal.require(Permission.MANAGE_APPLICANTS)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            found = scope.skills.get_applicant(applicant_id)
            if found is None:
                raise NotFound("No such applicant in your organisation.")
            return ApplicantView(found, tuple(scope.skills.presented_of(applicant_id)))

    def delete(self, principal: Principal, applicant_id: str) -> None:
        """Forget an applicant and what they presented."""
        principal.require(Permission.MANAGE_APPLICANTS)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if not scope.skills.delete_applicant(applicant_id):
                raise NotFound("No such applicant in your organisation.")
            scope.skills.bump()
            uow.commit()

    def _verify(
        self,
        applicant: Applicant,
        credential: Mapping[str, Any] | str,
        proof: str | None,
        policy: str | None,
    ) -> VerificationReport:
        extra: list[ExtraCheck] = [RecipientCheck(applicant.email, applicant.dids)]
        if proof is not None:
            if policy is None:
                raise InvalidInput(
                    "A tlog-proof needs the tlog-policy to check it under.",
                    hint="Give the policy of the issuer's log that you trust (its /log/policy).",
                )
            now = self._clock.now
            extra.append(
                LogProofCheck(
                    TlogProof.parse(proof), Policy.parse(policy), lambda: int(now().timestamp())
                )
            )
        elif policy is not None:
            Policy.parse(policy)
        try:
            report = self._verifier(extra).verify(credential)
        except MicrocredError as exc:
            report = VerificationReport()
            report.checks.append(Check("proof", CheckStatus.FAILED, exc.explain()))
        insist_on_status(report)
        return report

    def _record(
        self,
        base: PresentedCredential,
        report: VerificationReport,
    ) -> PresentedCredential:
        doc = report.credential or {}
        return replace(
            base,
            credential_uri=str(doc["id"])[:2048] if isinstance(doc.get("id"), str) else None,
            issuer=(issuer_id(doc) or "")[:2048] or None,
            name=credential_name(doc),
            verified=report.verified,
            checks=tuple(CheckRecord(c.check, c.status.value, c.message) for c in report.checks),
            skills=document_skills(doc),
            valid_from=parse_datetime(doc.get("validFrom", doc.get("issuanceDate"))),
            valid_until=parse_datetime(doc.get("validUntil", doc.get("expirationDate"))),
            verified_at=self._clock.now(),
        )

    def present(
        self,
        principal: Principal,
        applicant_id: str,
        credential: Mapping[str, Any] | str,
        *,
        tlog_proof: str | None = None,
        tlog_policy: str | None = None,
    ) -> PresentedCredential:
        """Verify a credential the applicant presents and keep it with its checks; its skills
        count only if every check passed."""
        principal.require(Permission.MANAGE_APPLICANTS)
        text = presented_text(credential)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            applicant = scope.skills.get_applicant(applicant_id)
            if applicant is None:
                raise NotFound("No such applicant in your organisation.")
            if len(scope.skills.presented_of(applicant_id)) >= MAX_CREDENTIALS_PER_APPLICANT:
                raise Conflict(
                    f"An applicant may present at most {MAX_CREDENTIALS_PER_APPLICANT} credentials."
                )
        report = self._verify(applicant, credential, tlog_proof, tlog_policy)
        now = self._clock.now()
        base = PresentedCredential(
            new_id(),
            principal.organisation_id,
            applicant_id,
            text,
            tlog_proof,
            tlog_policy,
            None,
            None,
            None,
            False,
            (),
            (),
            None,
            None,
            now,
            now,
        )
        record = self._record(base, report)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if scope.skills.get_applicant(applicant_id) is None:
                raise NotFound("No such applicant in your organisation.")
            scope.skills.add_presented(record)
            scope.skills.bump()
            uow.commit()
        return record

    def reverify(
        self, principal: Principal, applicant_id: str, credential_id: str
    ) -> PresentedCredential:
        """Verify a presented credential again (e.g. to learn of a revocation since)."""
        principal.require(Permission.MANAGE_APPLICANTS)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            applicant = scope.skills.get_applicant(applicant_id)
            found = scope.skills.get_presented(applicant_id, credential_id)
        if applicant is None or found is None:
            raise NotFound("No such presented credential in your organisation.")
        presented: Mapping[str, Any] | str = (
            json.loads(found.presented) if found.presented.startswith("{") else found.presented
        )
        record = self._record(
            found, self._verify(applicant, presented, found.tlog_proof, found.tlog_policy)
        )
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if scope.skills.get_presented(applicant_id, credential_id) is None:
                raise NotFound("No such presented credential in your organisation.")
            scope.skills.update_presented(record)
            scope.skills.bump()
            uow.commit()
        return record
