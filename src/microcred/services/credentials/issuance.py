"""Issuing Open Badges 3.0 credentials: build, sign, verify, store — in one transaction."""

from __future__ import annotations

import enum
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from microcred.credentials.achievement_credential import (
    CredentialDraft,
    achievement_json,
    build,
)
from microcred.credentials.proofs import data_integrity, jwt
from microcred.credentials.status_list import status_list_entry
from microcred.credentials.verify import CheckStatus, Verifier
from microcred.crypto.did import did_web_to_url
from microcred.crypto.keys import Ed25519KeyPair
from microcred.domain.credential import (
    CredentialStatus,
    Evidence,
    IssuedCredential,
    Recipient,
)
from microcred.domain.identity import Organisation, Permission, Principal, normalise_email
from microcred.errors import Conflict, InvalidInput, MicrocredError, NotFound
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import TenantScope, UnitOfWork, UnitOfWorkFactory
from microcred.ports.webhooks import EventType
from microcred.services.credentials.directory import issuer_profile
from microcred.services.credentials.keys import ED25519, RS256, IssuerKeys, Signer
from microcred.services.credentials.status_lists import NoReservedPositions, StatusLists
from microcred.services.ids import new_id
from microcred.services.ledger.service import Ledger
from microcred.services.urls import PublicUrls
from microcred.services.webhooks import credential_data, emit
from microcred.transparency.entry import LogEvent

MAX_EVIDENCE = 50
#: transactions one issuance may take (a reservation, a drawn index already taken)
_ATTEMPTS = 8


class Suite(enum.StrEnum):
    """How an issued credential is secured."""

    EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
    EDDSA_JCS_2022 = "eddsa-jcs-2022"
    VC_JWT_EDDSA = "vc-jwt-eddsa"
    VC_JWT_RS256 = "vc-jwt-rs256"


@dataclass(slots=True)
class IssueRequest:
    """What the caller asks for."""

    achievement_id: str
    recipient: Recipient
    evidence: Sequence[Evidence] = ()
    suite: Suite = Suite.EDDSA_RDFC_2022
    results: Sequence[dict[str, Any]] = field(default_factory=list)
    #: when it was earned (``awardedDate``, ``validFrom``), if not now (bulk issuance)
    awarded: datetime | None = None
    #: when it expires, if not after the achievement's validity from ``awarded``
    valid_until: datetime | None = None


def _timestamp(moment: Any) -> str:
    return str(moment.replace(microsecond=0).isoformat().replace("+00:00", "Z"))


class IssuanceService:
    """Issues credentials for an organisation's achievements."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        keys: IssuerKeys,
        status_lists: StatusLists,
        urls: PublicUrls,
        ledger: Ledger,
    ) -> None:
        self._uow = uow
        self._ledger = ledger
        self._clock = clock
        self._keys = keys
        self._lists = status_lists
        self._urls = urls
        #: status lists this process has verified (by content), so each issuance does not
        #: verify its list's signature again: the list's window and bit still are checked
        self._verified_lists: dict[str, bool] = {}
        #: called in the issuing transaction with each new credential (e.g. to offer it first)
        self.after_issue: list[Callable[[UnitOfWork, IssuedCredential], object]] = []

    def issue(self, principal: Principal, request: IssueRequest) -> IssuedCredential:
        """Build, sign, verify and store a credential; nothing is stored if any step fails."""
        principal.require(Permission.ISSUE_CREDENTIALS)
        if len(request.evidence) > MAX_EVIDENCE:
            raise InvalidInput(f"At most {MAX_EVIDENCE} pieces of evidence may be attached.")
        org_id = principal.organisation_id
        for attempt in range(_ATTEMPTS):
            try:
                with self._uow() as uow:
                    issued = self.issue_within(uow, org_id, request, pooled=True)
                    uow.commit()
                return issued
            except NoReservedPositions as empty:
                self._reserve(org_id, empty)
            except Conflict:
                # another process drew the same random status index at the same moment (the
                # unique constraint refused ours): nothing was stored; draw again
                if attempt == _ATTEMPTS - 1:
                    raise
        raise Conflict("Could not allocate a status list entry; try again.")

    def _reserve(self, organisation_id: str, empty: NoReservedPositions) -> None:
        """Reserve a block of status positions in a short transaction of its own."""
        with self._uow() as uow:
            org = uow.organisations.get(organisation_id)
            if org is None:
                raise NotFound("Your organisation no longer exists.")
            scope = uow.tenant(org.id)
            signer = self._keys.signer(scope, org, ED25519)
            reservation = self._lists.reserve(scope, empty.purpose, signer, self._clock.now())
            uow.commit()
        self._lists.grant(reservation)

    def issue_within(
        self,
        uow: UnitOfWork,
        organisation_id: str,
        request: IssueRequest,
        *,
        pooled: bool = False,
    ) -> IssuedCredential:
        """Issue inside the caller's transaction (e.g. with the review decision that earned it):
        the credential, its status entry and its log entry commit or vanish together. With
        ``pooled``, the status index comes from this process's reserved block (see
        `StatusLists.allocate`) and `NoReservedPositions` may be raised."""
        if len(request.evidence) > MAX_EVIDENCE:
            raise InvalidInput(f"At most {MAX_EVIDENCE} pieces of evidence may be attached.")
        org = uow.organisations.get(organisation_id)
        if org is None:
            raise NotFound("Your organisation no longer exists.")
        issued = self._issue_in(uow.tenant(org.id), org, request, pooled)
        self._ledger.record(uow, LogEvent.ISSUED, issued)
        emit(uow, org.id, EventType.CREDENTIAL_ISSUED, credential_data(issued), issued.issued_at)
        for hook in self.after_issue:
            hook(uow, issued)
        return issued

    def bind(self, organisation_id: str, credential_id: str, holder_did: str) -> IssuedCredential:
        """:meth:`bind_within` in a transaction of its own."""
        with self._uow() as uow:
            copy = self.bind_within(uow, organisation_id, credential_id, holder_did)
            uow.commit()
        return copy

    def bind_within(
        self, uow: UnitOfWork, organisation_id: str, credential_id: str, holder_did: str
    ) -> IssuedCredential:
        """Re-issue a credential to a wallet that proved control of ``holder_did``: the same
        claims with ``credentialSubject.id`` set to that DID, a new id and status entry, signed
        with eddsa-rdfc-2022 (the suite wallets verify) and logged. Binding the same credential
        to the same DID again returns the copy made before. The copy's status follows the
        original's (see ``CredentialService.change_status``)."""
        holder = Recipient(did=holder_did)  # raises InvalidInput unless it is a DID
        assert holder.did is not None
        org = uow.organisations.get(organisation_id)
        scope = uow.tenant(organisation_id)
        original = scope.credentials.get(credential_id)
        if org is None or original is None:
            raise NotFound("No such credential in your organisation.")
        if original.bound_from is not None:
            original = scope.credentials.get(original.bound_from) or original
        now = self._clock.now()
        if original.status is not CredentialStatus.ACTIVE:
            raise InvalidInput(f"The credential is {original.status.value}: it cannot be sent.")
        if original.valid_until is not None and original.valid_until <= now:
            raise InvalidInput("The credential has expired: it cannot be sent.")
        for copy in scope.credentials.bound_copies(original.id):
            if copy.recipient_did == holder.did and copy.status is CredentialStatus.ACTIVE:
                return copy
        # a VC-JWT original stores its unsigned document: the copy gets a linked-data proof
        unsigned = {k: v for k, v in original.document.items() if k != "proof"}
        signer = self._keys.signer(scope, org, ED25519)
        status_record, index = self._lists.allocate(scope, original.status_purpose, signer, now)
        copy_id = new_id()
        list_url = self._urls.status_list(status_record.id)
        subject = dict(unsigned["credentialSubject"])
        subject["id"] = holder.did
        unsigned = unsigned | {
            "id": self._urls.credential(copy_id),
            "issuer": unsigned["issuer"] | {"id": signer.issuer_id},
            "credentialSubject": subject,
            "credentialStatus": status_list_entry(list_url, index, original.status_purpose.value),
        }
        document = self.sign_checked(
            scope, org, signer, unsigned, (list_url, status_record.signed_document)
        )
        copy = IssuedCredential(
            id=copy_id,
            organisation_id=org.id,
            achievement_id=original.achievement_id,
            credential_url=unsigned["id"],
            document=document,
            suite=Suite.EDDSA_RDFC_2022.value,
            recipient_email=original.recipient_email,
            recipient_did=holder.did,
            status=CredentialStatus.ACTIVE,
            status_purpose=original.status_purpose,
            status_list_id=status_record.id,
            status_index=index,
            key_id=signer.record.id,
            issued_at=now,
            valid_until=original.valid_until,
            private=original.private,
            bound_from=original.id,
        )
        scope.credentials.add(copy)
        self._ledger.record(uow, LogEvent.ISSUED, copy)
        return copy

    def sign_checked(
        self,
        scope: TenantScope,
        org: Organisation,
        signer: Signer,
        unsigned: dict[str, Any],
        status: tuple[str, str | None] | None = None,
    ) -> dict[str, Any]:
        """Sign a document with eddsa-rdfc-2022 and verify it as a stranger would before it
        leaves (``status``: its status list's URL and signed document, if it has an entry)."""
        document, _ = self._secure(scope, org, signer, unsigned, Suite.EDDSA_RDFC_2022)
        list_url, list_document = status if status else ("", None)
        self._verify_before_storing(scope, org, document, list_url, list_document)
        return document

    def current_issuer_id(self, org: Organisation) -> str | None:
        """The issuer id new credentials of ``org`` carry."""
        with self._uow() as uow:
            record = uow.tenant(org.id).keys.active(ED25519)
        return self._keys.issuer_id(org, record) if record else None

    def _issue_in(
        self, scope: TenantScope, org: Organisation, request: IssueRequest, pooled: bool = False
    ) -> IssuedCredential:
        achievement = scope.achievements.get(request.achievement_id)
        if achievement is None:
            raise NotFound("No such achievement in your organisation.")
        now = self._clock.now()
        signer = self._keys.signer(scope, org, ED25519)
        status_record, index = self._lists.allocate(
            scope, achievement.status_purpose, signer, now, pooled=pooled
        )
        credential_id = new_id()
        profile = issuer_profile(org, signer.issuer_id)
        awarded = request.awarded or now
        valid_until = request.valid_until or (
            awarded + timedelta(days=achievement.validity_days)
            if achievement.validity_days
            else None
        )
        list_url = self._urls.status_list(status_record.id)
        recipient = request.recipient
        if recipient.email:
            recipient = Recipient(email=normalise_email(recipient.email), name=recipient.name)
        draft = CredentialDraft(
            credential_id=self._urls.credential(credential_id),
            issuer=profile,
            achievement=achievement_json(
                achievement, self._urls.achievement(org.slug, achievement.id), profile
            ),
            recipient=recipient,
            salt=secrets.token_hex(16),
            awarded=_timestamp(awarded),
            valid_from=_timestamp(awarded),
            valid_until=_timestamp(valid_until) if valid_until else None,
            status=status_list_entry(list_url, index, achievement.status_purpose.value),
            evidence=request.evidence,
            results=request.results,
        )
        unsigned = build(draft)
        document, token = self._secure(scope, org, signer, unsigned, request.suite)
        self._verify_before_storing(
            scope,
            org,
            document if token is None else token,
            list_url,
            status_record.signed_document,
        )
        issued = IssuedCredential(
            id=credential_id,
            organisation_id=org.id,
            achievement_id=achievement.id,
            credential_url=draft.credential_id,
            document=document,
            suite=request.suite.value,
            recipient_email=recipient.email,
            recipient_did=recipient.did,
            status=CredentialStatus.ACTIVE,
            status_purpose=achievement.status_purpose,
            status_list_id=status_record.id,
            status_index=index,
            key_id=signer.record.id,
            issued_at=now,
            valid_until=valid_until,
            jwt=token,
        )
        scope.credentials.add(issued)
        return issued

    def _secure(
        self,
        scope: TenantScope,
        org: Organisation,
        signer: Signer,
        unsigned: dict[str, Any],
        suite: Suite,
    ) -> tuple[dict[str, Any], str | None]:
        assert isinstance(signer.key, Ed25519KeyPair)
        if suite is Suite.EDDSA_RDFC_2022 or suite is Suite.EDDSA_JCS_2022:
            signed = data_integrity.sign(
                unsigned,
                signer.key,
                verification_method=signer.verification_method,
                cryptosuite=data_integrity.Cryptosuite(suite.value),
                created=unsigned["validFrom"],
            )
            return signed, None
        if suite is Suite.VC_JWT_EDDSA:
            return unsigned, jwt.sign(unsigned, signer.key, kid=signer.verification_method)
        rsa = scope.keys.active(RS256) or self._keys.create(scope, self._clock.now(), RS256)
        rsa_signer = Signer(
            rsa,
            self._keys.unseal(rsa),
            self._keys.issuer_id(org, rsa),
            self._keys.verification_method(org, rsa),
        )
        return unsigned, jwt.sign(unsigned, rsa_signer.key, kid=rsa_signer.verification_method)

    def _verify_before_storing(
        self,
        scope: TenantScope,
        org: Organisation,
        credential: dict[str, Any] | str,
        list_url: str,
        status_document: str | None,
    ) -> None:
        documents: dict[str, Any] = {}
        if status_document:
            documents[list_url] = json.loads(status_document)
        if org.did_method == "web":
            did = self._urls.did_web(org.slug)
            documents[did_web_to_url(did)] = self._keys.did_document(org, scope.keys.list())
        report = Verifier(
            documents=documents, clock=self._clock.now, verified_lists=self._verified_lists
        ).verify(credential)
        failed = [c for c in report.checks if c.status is CheckStatus.FAILED]
        if failed or not report.verified:
            name, reason = (failed[0].check, failed[0].message) if failed else ("proof", "-")
            raise MicrocredError(
                f"The credential failed its own verification ({name}): {reason}",
                hint="Nothing was stored. Check the achievement's fields.",
            )
