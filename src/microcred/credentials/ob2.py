"""Open Badges 2.0 assertions, verified as far as 2.0 allows.

OB 2.0 (IMS Global, 2018) has two verification methods: a **hosted** assertion is fetched
again from its own ``id`` on the issuer's domain; a **signed** assertion is a compact JWS
(RS256) whose key (``verification.creator``) the issuer's profile lists. Neither has a status
list or a transparency log: a hosted assertion says ``revoked`` itself, a signed one is looked
up in the issuer's ``revocationList``. Every remote document comes through the injected
``fetch`` (the guarded client in the product).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from microcred.credentials.parsing import load_json, parse_datetime
from microcred.domain.credential import identity_hash
from microcred.domain.verification import Check, CheckStatus
from microcred.errors import MicrocredError

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
MAX_JWS_BYTES = 512_000

#: fetches one JSON document by URL; raises MicrocredError with a plain reason
Fetch = Callable[[str], Mapping[str, Any]]


def is_ob2(document: Mapping[str, Any]) -> bool:
    """True for an OB 2.0 document (its context, or an ``Assertion`` with a ``badge``)."""
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    return OB2_CONTEXT in contexts or (document.get("type") == "Assertion" and "badge" in document)


def jws_payload(token: str) -> dict[str, Any] | None:
    """The JSON payload of a compact JWS, or None when ``token`` is not one."""
    parts = token.strip().split(".")
    if len(parts) != 3 or len(token) > MAX_JWS_BYTES:
        return None
    try:
        payload = load_json(_b64(parts[1]), what="the JWS payload")
    except (MicrocredError, ValueError):
        return None
    return payload if isinstance(payload, dict) else None


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass(slots=True)
class Ob2Report:
    """What the checks of an OB 2.0 assertion found."""

    method: str
    checks: list[Check] = field(default_factory=list)
    assertion: dict[str, Any] = field(default_factory=dict)
    badge: dict[str, Any] = field(default_factory=dict)
    issuer: dict[str, Any] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        """Every check ran and passed."""
        return bool(self.checks) and all(c.status is CheckStatus.PASSED for c in self.checks)

    def add(self, name: str, ok: bool, message: str) -> bool:
        """Record one check; returns ``ok``."""
        self.checks.append(Check(name, CheckStatus.PASSED if ok else CheckStatus.FAILED, message))
        return ok


def verify_ob2(
    presented: Mapping[str, Any] | str,
    fetch: Fetch,
    now: datetime,
    recipient_email: str,
) -> Ob2Report:
    """Check an OB 2.0 assertion (a JSON object, or a compact JWS when signed) for the learner
    with ``recipient_email``."""
    token = presented if isinstance(presented, str) else None
    assertion = jws_payload(presented) if isinstance(presented, str) else dict(presented)
    report = Ob2Report("signed" if token is not None else "hosted")
    if assertion is None:
        report.add("format", False, "Not an OB 2.0 assertion: the text is not a signed JWS.")
        return report
    if not _shape(report, assertion, token is not None):
        return report
    report.assertion = assertion
    if not _documents(report, assertion, fetch):
        return report
    if token is not None:
        _signature(report, token, fetch)
        _revocation_list(report, fetch)
    else:
        _hosted(report, fetch)
    _validity(report, now)
    _recipient(report, recipient_email)
    return report


def _shape(report: Ob2Report, assertion: Mapping[str, Any], signed: bool) -> bool:
    verification = assertion.get("verification")
    kind = verification.get("type") if isinstance(verification, Mapping) else None
    problems = [
        what
        for what, ok in (
            ("an id", isinstance(assertion.get("id"), str)),
            ("type Assertion", _has_type(assertion, "Assertion")),
            ("a recipient", isinstance(assertion.get("recipient"), Mapping)),
            ("a badge", isinstance(assertion.get("badge"), str | Mapping)),
            ("an issuedOn date", parse_datetime(assertion.get("issuedOn")) is not None),
            ("a verification method", kind in ("hosted", "HostedBadge", "signed", "SignedBadge")),
        )
        if not ok
    ]
    if problems:
        return report.add(
            "format", False, "Not an OB 2.0 assertion: it lacks " + ", ".join(problems) + "."
        )
    if signed != (kind in ("signed", "SignedBadge")):
        return report.add(
            "format",
            False,
            "The assertion says it is verified by signature but came without one."
            if not signed
            else "A signed assertion must say its verification type is 'signed'.",
        )
    return report.add("format", True, "An Open Badges 2.0 assertion.")


def _has_type(document: Mapping[str, Any], name: str) -> bool:
    kind = document.get("type")
    return kind == name or (isinstance(kind, list) and name in kind)


def _get(fetch: Fetch, value: Any, what: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, str):
        raise MicrocredError(f"The {what} is neither a URL nor an object.")
    return dict(fetch(value))


def _documents(report: Ob2Report, assertion: Mapping[str, Any], fetch: Fetch) -> bool:
    """The badge class and its issuer profile."""
    try:
        report.badge = _get(fetch, assertion["badge"], "badge class")
        report.issuer = _get(fetch, report.badge.get("issuer"), "issuer profile")
    except MicrocredError as exc:
        return report.add(
            "issuer", False, f"Its badge class or issuer could not be read: {exc.explain()}"
        )
    if not _has_type(report.badge, "BadgeClass") or (
        not _has_type(report.issuer, "Issuer") and not _has_type(report.issuer, "Profile")
    ):
        return report.add(
            "issuer", False, "Its badge class or issuer profile is not of the right type."
        )
    return True


def _hosted(report: Ob2Report, fetch: Fetch) -> None:
    url = str(report.assertion["id"])
    try:
        fetched = dict(fetch(url))
    except MicrocredError as exc:
        report.add(
            "hosted",
            False,
            f"The assertion could not be fetched again from {url[:120]}: {exc.explain()}",
        )
        return
    # the issuer revokes a hosted assertion by marking the hosted copy: compare the rest
    if _canonical(_claims(fetched)) != _canonical(_claims(report.assertion)):
        report.add("hosted", False, f"The assertion at {url[:120]} differs from the one given.")
        return
    report.add("hosted", True, f"Fetched again from {url[:120]}, unchanged.")
    host = urlsplit(url).hostname or ""
    origins = {urlsplit(str(report.issuer.get(k, ""))).hostname for k in ("id", "url")}
    policy = report.issuer.get("verification")
    if isinstance(policy, Mapping):
        allowed = policy.get("allowedOrigins")
        origins |= set(allowed if isinstance(allowed, list) else [allowed]) - {None}
    issuer = str(report.issuer.get("name", "the issuer"))[:80]
    report.add(
        "issuer",
        host in origins,
        f"Hosted at {host}, the issuer's own domain."
        if host in origins
        else f"Hosted at {host}, which {issuer} does not name as its own.",
    )
    if report.assertion.get("revoked") is True or fetched.get("revoked") is True:
        reason = str(fetched.get("revocationReason") or "no reason given")[:300]
        report.add("revocation", False, f"Revoked by its issuer ({reason}).")
    else:
        report.add("revocation", True, "Not revoked: the hosted assertion does not say so.")


def _claims(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in ("revoked", "revocationReason")}


def _canonical(document: Mapping[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _signature(report: Ob2Report, token: str, fetch: Fetch) -> None:
    header_part, payload_part, signature_part = token.strip().split(".")
    try:
        header = json.loads(_b64(header_part))
        signature = _b64(signature_part)
    except (ValueError, binascii.Error):
        report.add("signature", False, "The JWS header or signature is not valid base64url JSON.")
        return
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        report.add("signature", False, "OB 2.0 signatures are RS256; this one is not.")
        return
    creator = report.assertion["verification"].get("creator")
    try:
        key_document = dict(fetch(str(creator))) if isinstance(creator, str) else {}
        public = serialization.load_pem_public_key(
            str(key_document.get("publicKeyPem", "")).encode()
        )
    except (MicrocredError, ValueError) as exc:
        reason = exc.explain() if isinstance(exc, MicrocredError) else "it holds no PEM public key"
        report.add(
            "signature", False, f"The signing key {str(creator)[:120]} could not be read: {reason}"
        )
        return
    listed = report.issuer.get("publicKey")
    listed_keys = listed if isinstance(listed, list) else [listed]
    owner_ok = key_document.get("owner") == report.issuer.get("id") and (
        creator in listed_keys
        or any(isinstance(k, Mapping) and k.get("id") == creator for k in listed_keys)
    )
    if not isinstance(public, rsa.RSAPublicKey):
        report.add("signature", False, "The signing key is not an RSA key.")
        return
    try:
        public.verify(
            signature, f"{header_part}.{payload_part}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature:
        report.add("signature", False, "The signature does not match the assertion.")
        return
    report.add(
        "signature",
        owner_ok,
        f"Signed (RS256) with {str(creator)[:120]}, a key of the issuer."
        if owner_ok
        else "The signature is valid, but the issuer's profile does not list the key that made it.",
    )


def _revocation_list(report: Ob2Report, fetch: Fetch) -> None:
    url = report.issuer.get("revocationList")
    if not isinstance(url, str):
        report.add("revocation", True, "The issuer publishes no revocation list: nothing revoked.")
        return
    try:
        listing = dict(fetch(url))
    except MicrocredError as exc:
        report.add(
            "revocation", False, f"The issuer's revocation list could not be read: {exc.explain()}"
        )
        return
    revoked = listing.get("revokedAssertions")
    entries = revoked if isinstance(revoked, list) else []
    own = report.assertion["id"]
    for entry in entries:
        entry_id = entry.get("id") if isinstance(entry, Mapping) else entry
        if entry_id == own:
            reason = entry.get("revocationReason") if isinstance(entry, Mapping) else None
            report.add(
                "revocation",
                False,
                f"Revoked by its issuer ({str(reason or 'no reason given')[:300]}).",
            )
            return
    report.add("revocation", True, "Not on the issuer's revocation list.")


def _validity(report: Ob2Report, now: datetime) -> None:
    issued = parse_datetime(report.assertion.get("issuedOn"))
    expires = parse_datetime(report.assertion.get("expires"))
    if issued is not None and issued > now:
        report.add("validity", False, f"Issued in the future ({issued:%Y-%m-%d}).")
    elif expires is not None and expires <= now:
        report.add("validity", False, f"Expired on {expires:%Y-%m-%d}.")
    elif expires is not None and issued is not None and expires < issued:
        report.add("validity", False, "It expires before it was issued.")
    else:
        report.add(
            "validity", True, "Within its dates." if expires else "Issued; it does not expire."
        )


def _recipient(report: Ob2Report, email: str) -> None:
    recipient = report.assertion["recipient"]
    identity = recipient.get("identity")
    if recipient.get("type") != "email" or not isinstance(identity, str):
        report.add(
            "recipient", False, "It names its recipient by something other than an e-mail address."
        )
        return
    if recipient.get("hashed") is True:
        salt = recipient.get("salt") if isinstance(recipient.get("salt"), str) else ""
        ok = identity.lower() == identity_hash(email, str(salt))
    else:
        ok = identity.strip().lower() == email
    report.add(
        "recipient",
        ok,
        f"Issued to {email}."
        if ok
        else "Issued to someone else: its recipient is not your e-mail address.",
    )
