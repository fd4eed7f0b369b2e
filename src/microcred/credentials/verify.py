"""Verifying credentials: a list of named checks, each passed, failed or skipped, with a reason.

Checks: ``context`` (every term defined, only bundled contexts), ``schema`` (OB 3.0 JSON
Schema), ``proof`` (Data Integrity or VC-JWT signature), ``issuer`` (the issuer controls the
signing key), ``validity`` (validFrom / validUntil) and ``status`` (Bitstring Status List).
Later layers (transparency log, witnesses, anchors) append their own checks. `Check` and
`CheckStatus` are defined in ``microcred.domain.verification`` and re-exported here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from microcred.credentials import jsonld
from microcred.credentials.contexts import CONTEXT_URLS
from microcred.credentials.parsing import parse_datetime
from microcred.credentials.proofs import data_integrity, jwt
from microcred.credentials.resolver import Fetcher, KeyResolver, ResolvedKey
from microcred.credentials.schema import (
    CLR_CREDENTIAL_SCHEMA,
    CLR_CREDENTIAL_TYPE,
    OB_CREDENTIAL_TYPES,
    known_schema,
    schema_errors,
)
from microcred.credentials.schema import warm as _warm_schema
from microcred.credentials.status_list import Bitstring
from microcred.domain.verification import Check, CheckStatus
from microcred.errors import MicrocredError, Offline

__all__ = [
    "VC_V1",
    "VC_V2",
    "Check",
    "CheckStatus",
    "ExtraCheck",
    "VerificationReport",
    "Verifier",
    "issuer_id",
    "warm",
]

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
_PURPOSE_WORDS = {"revocation": "revoked", "suspension": "suspended"}


@dataclass(slots=True)
class VerificationReport:
    """Every check run on one credential."""

    checks: list[Check] = field(default_factory=list)
    credential: dict[str, Any] | None = None

    @property
    def verified(self) -> bool:
        """True when no check failed and the proof passed."""
        return any(c.check == "proof" and c.status is CheckStatus.PASSED for c in self.checks) and (
            all(c.status is not CheckStatus.FAILED for c in self.checks)
        )

    def get(self, name: str) -> Check | None:
        """The check called ``name``, if it ran."""
        return next((c for c in self.checks if c.check == name), None)

    def to_json(self) -> dict[str, Any]:
        """``{"verified": …, "checks": [...]}``."""
        return {"verified": self.verified, "checks": [c.to_json() for c in self.checks]}


#: a pluggable check: (credential as presented, parsed document) -> named checks
ExtraCheck = Callable[[Mapping[str, Any] | str, Mapping[str, Any]], list[Check]]


def _passed(name: str, message: str) -> Check:
    return Check(name, CheckStatus.PASSED, message)


def _failed(name: str, message: str) -> Check:
    return Check(name, CheckStatus.FAILED, message)


def _skipped(name: str, message: str) -> Check:
    return Check(name, CheckStatus.SKIPPED, message)


def issuer_id(document: Mapping[str, Any]) -> str | None:
    """The credential's issuer identifier (``issuer`` or ``issuer.id``)."""
    issuer = document.get("issuer")
    value = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return value if isinstance(value, str) else None


class _MemoCanonizer:
    """Canonicalise each distinct document once per verification (context + proof share it)."""

    def __init__(self) -> None:
        self._memo: dict[bytes, str] = {}

    def __call__(self, document: Mapping[str, Any]) -> str:
        key = json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8", "replace")
        if key not in self._memo:
            self._memo[key] = jsonld.canonize(document)
        return self._memo[key]


#: verified status lists a `Verifier` remembers at most (then it starts again)
_VERIFIED_LISTS_KEPT = 256


@dataclass(slots=True)
class Verifier:
    """Verifies credentials. Offline unless a fetcher is given.

    ``documents`` pre-seeds DID / controller documents and status-list credentials by URL, so
    an offline verification can still check what the caller supplied.
    """

    fetch: Fetcher | None = None
    documents: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    check_status: bool = True
    #: further named checks (e.g. the transparency log's), given the credential as presented
    #: (a JSON object or a VC-JWT) and its parsed document
    extra_checks: Sequence[ExtraCheck] = ()
    #: status list credentials verified before, by the SHA-256 of their JSON: the same bytes
    #: are not verified again (their validity window and bits still are checked every time)
    verified_lists: MutableMapping[str, bool] | None = None
    _resolver: KeyResolver = field(init=False)

    def __post_init__(self) -> None:
        self._resolver = KeyResolver(self.fetch, self.documents)

    @property
    def offline(self) -> bool:
        """True when nothing will be fetched."""
        return self.fetch is None

    def verify(self, credential: Mapping[str, Any] | str) -> VerificationReport:
        """Run every check on a JSON-LD credential or a VC-JWT string."""
        report = VerificationReport()
        canon = _MemoCanonizer()
        keys: list[ResolvedKey | None]
        if isinstance(credential, str):
            result = jwt.verify(credential, self._resolver)
            if result.credential is None:
                report.checks.append(_failed("proof", result.reason))
                return report
            document: Mapping[str, Any] = result.credential
            report.credential = dict(document)
            report.checks.append(self._context_check(document, canon))
            report.checks.append(_schema_check(document))
            report.checks.append(
                _passed("proof", result.reason) if result.valid else _failed("proof", result.reason)
            )
            keys = [result.key] if result.valid else []
        elif isinstance(credential, Mapping):
            document = credential
            report.credential = dict(document)
            report.checks.append(self._context_check(document, canon))
            report.checks.append(_schema_check(document))
            results = data_integrity.verify(document, self._resolver, canonize=canon)
            failed = [r for r in results if not r.valid]
            if failed:
                report.checks.append(_failed("proof", failed[0].reason))
            else:
                report.checks.append(_passed("proof", " ".join(r.reason for r in results)))
            keys = [r.key for r in results if r.valid]
        else:
            report.checks.append(_failed("proof", "The credential is neither JSON nor a JWT."))
            return report
        report.checks.append(_issuer_check(document, keys))
        report.checks.append(self._validity_check(document))
        report.checks.append(self._status_check(document))
        for extra in self.extra_checks:
            report.checks.extend(extra(credential, document))
        return report

    def _context_check(self, document: Mapping[str, Any], canon: _MemoCanonizer) -> Check:
        ctx = document.get("@context")
        ctx_list = ctx if isinstance(ctx, list) else [ctx]
        if not ctx_list or ctx_list[0] not in (VC_V2, VC_V1):
            return _failed("context", "The first @context must be the W3C credentials context.")
        remote = [c for c in ctx_list if isinstance(c, str) and c not in CONTEXT_URLS]
        if remote:
            return _failed(
                "context",
                f"The context {remote[0][:120]} is not one microcred knows; it is never fetched.",
            )
        try:
            canon({k: v for k, v in document.items() if k != "proof"})
        except MicrocredError as exc:
            return _failed("context", exc.explain())
        return _passed("context", "Every property and type is defined by a known context.")

    def _validity_check(self, document: Mapping[str, Any]) -> Check:
        now = self.clock()
        start_raw = document.get("validFrom", document.get("issuanceDate"))
        end_raw = document.get("validUntil", document.get("expirationDate"))
        start, end = parse_datetime(start_raw), parse_datetime(end_raw)
        if start_raw is not None and start is None:
            return _failed("validity", "validFrom is not a valid date-time.")
        if end_raw is not None and end is None:
            return _failed("validity", "validUntil is not a valid date-time.")
        if start and end and end < start:
            return _failed("validity", "validUntil comes before validFrom.")
        if start and now < start:
            return _failed("validity", f"The credential is not valid until {start_raw}.")
        if end and now > end:
            return _failed("validity", f"The credential expired on {end_raw}.")
        if end:
            return _passed("validity", f"Valid from {start_raw} until {end_raw}.")
        return _passed("validity", f"Valid since {start_raw}; it does not expire.")

    def _status_check(self, document: Mapping[str, Any]) -> Check:
        status = document.get("credentialStatus")
        if status is None:
            return _skipped("status", "The credential declares no status; it cannot be revoked.")
        if not self.check_status:
            return _skipped("status", "Status checking was turned off.")
        entries = status if isinstance(status, list) else [status]
        messages = []
        for entry in entries:
            check = self._one_status(document, entry)
            if check.status is not CheckStatus.PASSED:
                return check
            messages.append(check.message)
        return _passed("status", " ".join(messages))

    def _one_status(self, document: Mapping[str, Any], entry: Any) -> Check:
        if not isinstance(entry, Mapping) or entry.get("type") != "BitstringStatusListEntry":
            kind = entry.get("type") if isinstance(entry, Mapping) else type(entry).__name__
            return _skipped("status", f"The status type {kind!r} is not supported.")
        purpose = entry.get("statusPurpose")
        url = entry.get("statusListCredential")
        try:
            index = int(str(entry.get("statusListIndex")))
        except ValueError:
            return _failed("status", "statusListIndex is not a number.")
        if not isinstance(url, str) or index < 0:
            return _failed("status", "The status entry is malformed.")
        try:
            if url in self.documents:
                listing: Mapping[str, Any] = self.documents[url]
            elif self.fetch is None:
                return _skipped(
                    "status",
                    f"Offline: the status list {url} was not checked. Verify online, or pass "
                    "the status list, to know whether the credential was revoked.",
                )
            else:
                listing = self.fetch(url)
        except Offline:
            return _skipped(
                "status",
                f"Offline: the status list {url} was not checked. Verify online, or pass "
                "the status list, to know whether the credential was revoked.",
            )
        except MicrocredError as exc:
            return _failed("status", f"The status list {url} could not be read: {exc.explain()}")
        stale = _stale_list(listing, url, self.clock())
        if stale is not None:
            return stale
        # the list itself must be a genuine, unexpired credential from the same issuer
        digest = None
        if self.verified_lists is not None:
            text = json.dumps(listing, sort_keys=True, ensure_ascii=False)
            digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
        if digest is None or self.verified_lists is None or digest not in self.verified_lists:
            inner = Verifier(
                documents=self.documents, fetch=self.fetch, clock=self.clock, check_status=False
            ).verify(listing)
            if not inner.verified:
                bad = next(c for c in inner.checks if c.status is CheckStatus.FAILED)
                return _failed("status", f"The status list is not trustworthy: {bad.message}")
            if digest is not None and self.verified_lists is not None:
                if len(self.verified_lists) >= _VERIFIED_LISTS_KEPT:
                    self.verified_lists.clear()
                self.verified_lists[digest] = True
        if issuer_id(listing) != issuer_id(document):
            return _failed("status", "The status list was issued by someone else.")
        subject = listing.get("credentialSubject")
        if not isinstance(subject, Mapping) or subject.get("statusPurpose") != purpose:
            return _failed("status", "The status list's purpose differs from the entry's.")
        try:
            bits = Bitstring.decode(subject.get("encodedList"))  # type: ignore[arg-type]
            flagged = bits.get(index)
        except MicrocredError as exc:
            return _failed("status", exc.explain())
        word = _PURPOSE_WORDS.get(str(purpose), f"flagged for {purpose}")
        if flagged:
            return _failed("status", f"The issuer has {word} this credential.")
        return _passed("status", f"Not {word} (status list {url}, entry {index}).")


def _stale_list(listing: Mapping[str, Any], url: str, now: datetime) -> Check | None:
    """A failed check when the status list's validity window has ended: a stale copy (an old
    list replayed, or a cache) must not decide that a credential is still good."""
    raw = listing.get("validUntil") if isinstance(listing, Mapping) else None
    if raw is None:
        return None
    until = parse_datetime(raw)
    if until is None:
        return _failed("status", f"The status list {url} has an invalid validUntil.")
    if now > until:
        return _failed(
            "status",
            f"The status list expired on {raw}: this copy is stale and cannot show whether "
            "the credential was revoked since. Fetch the issuer's current list.",
        )
    return None


def warm() -> None:
    """Compile the OB 3.0 schema and process the bundled credential contexts once, so the first
    verifications of a new process do not all pay (and fight over) that CPU work at once."""
    _warm_schema()
    for context in (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://www.w3.org/ns/credentials/status/v1",
    ):
        sample = {
            "@context": [VC_V2, context],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:warm",
            "credentialSubject": {"id": "did:example:subject"},
        }
        try:
            jsonld.canonize(sample)
        except MicrocredError:  # warming is an optimisation; verification reports real errors
            continue


def _schema_check(document: Mapping[str, Any]) -> Check:
    types = document.get("type")
    type_list = types if isinstance(types, list) else [types]
    clr = CLR_CREDENTIAL_TYPE in type_list
    if not clr and not OB_CREDENTIAL_TYPES.intersection(t for t in type_list if isinstance(t, str)):
        return _skipped("schema", "Not an Open Badges credential; no OB 3.0 schema applies.")
    declared = document.get("credentialSchema")
    for schema in declared if isinstance(declared, list) else ([declared] if declared else []):
        sid = schema.get("id") if isinstance(schema, Mapping) else None
        if isinstance(sid, str) and not known_schema(sid):
            return _failed("schema", f"The declared schema {sid[:120]} is not one microcred ships.")
    if clr:
        errors = schema_errors(document, CLR_CREDENTIAL_SCHEMA)
        if errors:
            return _failed("schema", "Not a valid CLR 2.0 ClrCredential: " + "; ".join(errors))
        return _passed("schema", "Valid against the CLR 2.0 ClrCredential JSON Schema.")
    errors = schema_errors(document)
    if errors:
        return _failed("schema", "Not a valid OB 3.0 AchievementCredential: " + "; ".join(errors))
    return _passed("schema", "Valid against the OB 3.0 AchievementCredential JSON Schema.")


def _issuer_check(document: Mapping[str, Any], keys: list[ResolvedKey | None]) -> Check:
    issuer = issuer_id(document)
    if issuer is None:
        return _failed("issuer", "The credential names no issuer.")
    if not keys:
        return _skipped("issuer", "The proof did not verify, so the issuer's key was not checked.")
    for key in keys:
        if key is None or key.controller is None:
            return _failed(
                "issuer",
                f"Nobody confirmed that {issuer} controls the signing key "
                f"{key.method_id if key else ''}: its controller document was not available.",
            )
        if key.controller != issuer:
            return _failed(
                "issuer",
                f"The signing key {key.method_id} is controlled by {key.controller}, "
                f"not by the issuer {issuer}.",
            )
    return _passed("issuer", f"The issuer {issuer} controls the signing key.")
