"""Learners bring credentials from elsewhere into their wallet: an OB 3.0 file or URL, a baked
PNG or SVG badge, an OB 2.0 hosted or signed assertion. Each is verified as far as its kind
allows and kept with every check, so what could not be verified is labelled, never hidden."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from microcred.credentials.baking import BadImage, detect, extract
from microcred.credentials.ob2 import is_ob2, jws_payload, verify_ob2
from microcred.credentials.parsing import load_json
from microcred.credentials.verify import Check, CheckStatus, VerificationReport, issuer_id
from microcred.domain.identity import Permission, Principal
from microcred.errors import (
    Conflict,
    InvalidInput,
    MicrocredError,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
)
from microcred.ports.clock import Clock
from microcred.ports.credentials import ImportedCredential
from microcred.ports.skills import CheckRecord
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.credentials.presented import (
    MAX_CREDENTIAL_BYTES,
    RecipientCheck,
    insist_on_status,
)
from microcred.services.credentials.verification import VerificationService
from microcred.services.ids import new_id

#: an uploaded file (a baked image may carry a picture besides the credential)
MAX_IMPORT_BYTES = 5_000_000
MAX_IMPORTS_PER_LEARNER = 200
MAX_URL = 2048

#: what each format is called on the page
FORMAT_WORDS = {
    "ob3": "Open Badges 3.0",
    "ob3-jwt": "Open Badges 3.0 (VC-JWT)",
    "ob2-hosted": "Open Badges 2.0, hosted",
    "ob2-signed": "Open Badges 2.0, signed",
}


def _text_of(data: bytes) -> tuple[str, str]:
    """The credential text in an uploaded file and where it came from (png, svg, file)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"A file to import may be at most {MAX_IMPORT_BYTES:,} bytes.")
    kind = detect(data)
    if kind is not None:
        return extract(data).text, kind.value
    try:
        return data.decode("utf-8-sig").strip(), "file"
    except UnicodeDecodeError:
        raise BadImage(
            "That file is not a credential: neither JSON, a signed token, nor a PNG or SVG badge."
        ) from None


def _parse(text: str) -> Mapping[str, Any] | str:
    """A JSON credential as an object, a compact JWS/JWT as text."""
    if len(text.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
        raise PayloadTooLarge(f"A credential may be at most {MAX_CREDENTIAL_BYTES:,} bytes.")
    if text.startswith("{"):
        document = load_json(text, max_bytes=MAX_CREDENTIAL_BYTES, what="the credential")
        if not isinstance(document, dict):
            raise InvalidInput("The credential is not a JSON object.")
        return document
    if text.count(".") == 2 and not any(c.isspace() for c in text):
        return text
    raise InvalidInput("That is not a credential: give a JSON file, a signed token or a badge.")


class CredentialImports:
    """A learner's imported credentials."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, verification: VerificationService):
        self._uow = uow
        self._clock = clock
        self._verification = verification

    def import_file(self, principal: Principal, data: bytes) -> ImportedCredential:
        """Import the credential in an uploaded file (JSON, a token, or a baked badge)."""
        text, source = _text_of(data)
        return self._import(principal, _parse(text), source, None)

    def import_text(self, principal: Principal, text: str) -> ImportedCredential:
        """Import a credential pasted as JSON or as a compact token."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("Paste a credential: JSON or a signed token.")
        return self._import(principal, _parse(text.strip()), "text", None)

    def import_url(self, principal: Principal, url: str) -> ImportedCredential:
        """Fetch a credential (an OB 3.0 credential or an OB 2.0 hosted assertion) from ``url``
        through the guarded client, and import it."""
        self._allowed(principal)
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise InvalidInput("Give the credential's https URL.")
        if len(url) > MAX_URL:
            raise InvalidInput(f"A URL may be at most {MAX_URL} characters.")
        fetch = self._fetch()
        document = dict(fetch(url))
        return self._import(principal, document, "url", url)

    def list(self, principal: Principal) -> list[ImportedCredential]:
        """The learner's imports, newest first."""
        self._allowed(principal)
        with self._uow() as uow:
            return list(uow.tenant(principal.organisation_id).imported.of_user(principal.user_id))

    def reverify(self, principal: Principal, imported_id: str) -> ImportedCredential:
        """Verify an import again (to learn of a revocation or a fixed issuer)."""
        found = self._own(principal, imported_id)
        presented = _parse(found.presented)
        fmt, name, issuer, checks = self._verify(principal, presented)
        now = self._clock.now()
        updated = replace(
            found,
            name=name,
            issuer=issuer,
            verified=_all_pass(checks),
            checks=checks,
            verified_at=now,
            format=fmt,
        )
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if scope.imported.get(imported_id) is None:
                raise NotFound("No such imported credential.")
            scope.imported.update(updated)
            scope.skills.bump()  # what counts as skill evidence may have changed
            uow.commit()
        return updated

    def delete(self, principal: Principal, imported_id: str) -> None:
        """Remove an import from the wallet."""
        self._own(principal, imported_id)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            scope.imported.delete(imported_id)
            scope.skills.bump()
            uow.commit()

    def _own(self, principal: Principal, imported_id: str) -> ImportedCredential:
        self._allowed(principal)
        with self._uow() as uow:
            found = uow.tenant(principal.organisation_id).imported.get(imported_id)
        if found is None or found.user_id != principal.user_id:
            raise NotFound("No such imported credential.")
        return found

    @staticmethod
    def _allowed(principal: Principal) -> None:
        if Permission.VIEW_OWN_CREDENTIALS not in principal.permissions:
            raise PermissionDenied("Only learners keep a wallet to import credentials into.")

    def _fetch(self) -> Any:
        budget = self._verification.budget()
        if budget is None:
            raise MicrocredError("This server fetches nothing from other sites (offline).")
        return budget

    def _import(
        self,
        principal: Principal,
        presented: Mapping[str, Any] | str,
        source: str,
        source_url: str | None,
    ) -> ImportedCredential:
        self._allowed(principal)
        with self._uow() as uow:
            held = uow.tenant(principal.organisation_id).imported.of_user(principal.user_id)
        if len(held) >= MAX_IMPORTS_PER_LEARNER:
            raise Conflict(f"A wallet holds at most {MAX_IMPORTS_PER_LEARNER} imports.")
        text = presented if isinstance(presented, str) else _dumps(presented)
        if any(h.presented == text for h in held):
            raise Conflict("That credential is already in your wallet.")
        fmt, name, issuer, checks = self._verify(principal, presented)
        now = self._clock.now()
        record = ImportedCredential(
            id=new_id(),
            organisation_id=principal.organisation_id,
            user_id=principal.user_id,
            source=source,
            format=fmt,
            presented=text,
            name=name,
            issuer=issuer,
            verified=_all_pass(checks),
            checks=checks,
            imported_at=now,
            verified_at=now,
            source_url=source_url,
        )
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            scope.imported.add(record)
            scope.skills.bump()
            uow.commit()
        return record

    def _verify(
        self, principal: Principal, presented: Mapping[str, Any] | str
    ) -> tuple[str, str | None, str | None, tuple[CheckRecord, ...]]:
        ob2 = jws_payload(presented) if isinstance(presented, str) else presented
        if ob2 is not None and is_ob2(ob2):
            report = verify_ob2(
                presented, self._fetch_or_refuse, self._clock.now(), principal.email.lower()
            )
            return (
                f"ob2-{report.method}",
                _text(report.badge.get("name")) or _text(ob2.get("name")),
                _text(report.issuer.get("name")) or _text(report.issuer.get("id")),
                _records(report.checks),
            )
        recipient = RecipientCheck(principal.email.lower(), (), who="the learner")
        try:
            verified = self._verification.verifier([recipient]).verify(presented)
        except MicrocredError as exc:
            verified = VerificationReport()
            verified.checks.append(Check("proof", CheckStatus.FAILED, exc.explain()))
        insist_on_status(verified)
        document = verified.credential or {}
        return (
            "ob3-jwt" if isinstance(presented, str) else "ob3",
            _ob3_name(document),
            _ob3_issuer(document),
            _records(verified.checks),
        )

    def _fetch_or_refuse(self, url: str) -> Mapping[str, Any]:
        return dict(self._fetch()(url))


def _all_pass(checks: tuple[CheckRecord, ...]) -> bool:
    """Verified: something was checked and nothing failed."""
    return bool(checks) and all(c.status != CheckStatus.FAILED.value for c in checks)


def _records(checks: list[Check]) -> tuple[CheckRecord, ...]:
    return tuple(CheckRecord(c.check, c.status.value, c.message[:1000]) for c in checks)


def _dumps(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _text(value: Any) -> str | None:
    return value.strip()[:500] if isinstance(value, str) and value.strip() else None


def _ob3_name(document: Mapping[str, Any]) -> str | None:
    subject = document.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    name = achievement.get("name") if isinstance(achievement, Mapping) else None
    return _text(name) or _text(document.get("name"))


def _ob3_issuer(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, Mapping) and _text(issuer.get("name")):
        return _text(issuer.get("name"))
    return _text(issuer_id(document))
