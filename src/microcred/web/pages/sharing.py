"""Sharing a credential: LinkedIn's "Add to profile" link for certifications and the Open Graph
(and Twitter card) metadata of its public page. Pure functions over our own stored record, never
over the document's claims, and never with the recipient's e-mail or other personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

#: LinkedIn's documented "Add to profile" endpoint (no offline copy of its documentation here)
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"
#: LinkedIn truncates longer certification names and organisation names
_MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class ShareRecord:
    """What a share link or card says about a credential, from the issuer's stored record."""

    credential_id: str
    credential_url: str
    achievement_name: str
    organisation_name: str
    issued_at: datetime
    valid_until: datetime | None = None


def linkedin_add_url(record: ShareRecord) -> str:
    """LinkedIn's "Add to profile" link with the certification filled in: name, organisation,
    issue (and expiry, when it has one) year and month, the credential's URL and id. Every value
    is URL-encoded (``&``, ``#``, spaces and non-ASCII text survive intact)."""
    params: list[tuple[str, str]] = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", _clean(record.achievement_name)),
        ("organizationName", _clean(record.organisation_name)),
        ("issueYear", str(record.issued_at.year)),
        ("issueMonth", str(record.issued_at.month)),
    ]
    if record.valid_until is not None:
        params += [
            ("expirationYear", str(record.valid_until.year)),
            ("expirationMonth", str(record.valid_until.month)),
        ]
    params += [("certUrl", record.credential_url), ("certId", record.credential_id)]
    return f"{LINKEDIN_ADD}?{urlencode(params)}"


def open_graph(record: ShareRecord, *, image_url: str | None, revoked: bool) -> dict[str, str]:
    """The Open Graph and Twitter card properties of a credential's public page (``property`` or
    ``name`` → content). ``image_url`` is an absolute PNG URL or None (most consumers refuse
    SVG, so a credential with only an SVG badge gets no image)."""
    title = _clean(record.achievement_name) + (" (revoked)" if revoked else "")
    description = (
        f"Awarded by {_clean(record.organisation_name)} on "
        f"{record.issued_at.day} {record.issued_at:%B %Y}. A verifiable Open Badges 3.0 "
        "credential: check it on this page."
    )
    meta = {
        "og:type": "website",
        "og:site_name": "microcred",
        "og:title": title,
        "og:description": description,
        "og:url": record.credential_url,
        "twitter:card": "summary_large_image" if image_url else "summary",
        "twitter:title": title,
        "twitter:description": description,
    }
    if image_url:
        meta |= {
            "og:image": image_url,
            "og:image:type": "image/png",
            "og:image:alt": f"The badge of {title}",
            "twitter:image": image_url,
        }
    return meta


def _clean(text: str) -> str:
    """One line of at most ``_MAX_TEXT`` characters (control characters and runs of white space
    become single spaces)."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return flat[:_MAX_TEXT] or "Micro-credential"
