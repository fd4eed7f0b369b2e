"""Pure checks of single sign-on: an ID token's claims (OpenID Connect Core §3.1.3.7) each
refused by name, the role mapping, the role-map text format, and PKCE's S256 challenge against
RFC 7636's own example."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from microcred.domain.identity import Role
from microcred.errors import InvalidInput, Unauthenticated
from microcred.services.identity import check_claims, code_challenge, mapped_role, parse_role_map

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())
GOOD: dict[str, Any] = {
    "iss": "https://idp.example",
    "aud": "client-1",
    "sub": "248289761001",
    "exp": T + 300,
    "iat": T - 5,
    "nonce": "n-0S6_WzA2Mj",
    "email": "jane@example.org",
    "email_verified": True,
    "name": "Jane Doe",
    "groups": ["staff", "trainers"],
}


def _check(claims: dict[str, Any]) -> Any:
    return check_claims(
        claims,
        issuer="https://idp.example",
        client_id="client-1",
        nonce="n-0S6_WzA2Mj",
        now=NOW,
        role_claim="groups",
    )


def test_good_claims_are_read() -> None:
    found = _check(GOOD)
    assert (found.subject, found.email, found.email_verified) == (
        "248289761001",
        "jane@example.org",
        True,
    )
    assert found.role_values == ("staff", "trainers") and found.name == "Jane Doe"
    assert _check({**GOOD, "aud": ["client-1"], "azp": "client-1"}).subject == "248289761001"
    assert _check({**GOOD, "groups": "solo"}).role_values == ("solo",)
    assert _check({**GOOD, "email_verified": "true"}).email_verified is False  # only JSON true


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"iss": "https://idp.example/"}, "issued by"),
        ({"iss": None}, "issued by"),
        ({"aud": "client-2"}, "audience"),
        ({"aud": ["client-2", "client-3"]}, "audience"),
        ({"aud": 7}, "audience"),
        ({"aud": ["client-1", "client-2"]}, "azp"),  # several audiences need azp = us
        ({"aud": ["client-1", "client-2"], "azp": "client-2"}, "azp"),
        ({"azp": "client-2"}, "azp"),
        ({"exp": T - 121}, "expired"),
        ({"exp": "tomorrow"}, "'exp'"),
        ({"exp": True}, "'exp'"),
        ({"iat": T + 121}, "in the future"),
        ({"iat": T - 3600}, "too old"),
        ({"iat": None}, "'iat'"),
        ({"nonce": "other"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"nonce": "é"}, "nonce"),
        ({"sub": ""}, "subject"),
        ({"sub": "x" * 256}, "subject"),
        ({"sub": 42}, "subject"),
    ],
)
def test_each_bad_claim_is_refused_by_name(change: dict[str, Any], message: str) -> None:
    with pytest.raises(Unauthenticated, match=message):
        _check({**GOOD, **change})


def test_a_missing_claim_is_refused() -> None:
    for name in ("iss", "aud", "exp", "iat", "nonce", "sub"):
        with pytest.raises(Unauthenticated):
            _check({k: v for k, v in GOOD.items() if k != name})


def test_clock_skew_is_allowed_within_bounds() -> None:
    assert _check({**GOOD, "exp": T - 60}).subject  # 60 s late: within the 120 s skew
    assert _check({**GOOD, "iat": T + 60}).subject


def test_the_most_privileged_mapped_role_wins() -> None:
    role_map = {"staff": "learner", "trainers": "reviewer", "leads": "admin"}
    assert mapped_role(("staff", "trainers"), role_map) is Role.REVIEWER
    assert mapped_role(("leads", "staff"), role_map) is Role.ADMIN
    assert mapped_role(("nobody",), role_map) is None
    assert mapped_role((), role_map) is None


def test_the_role_map_text() -> None:
    text = "staff = learner\n\n  a=b = issuer \r\nhr=employer_viewer"
    assert parse_role_map(text) == {"staff": "learner", "a=b": "issuer", "hr": "employer_viewer"}
    for bad, message in (
        ("staff learner", "is not 'value = role'"),
        ("staff = king", "'king' is not a role"),
        (" = learner", "Give the claim value"),
        ("\n".join(f"v{i} = learner" for i in range(51)), "at most 50"),
        ("x" * 101 + " = learner", "longer than 100"),
        (42, "must be 'value = role'"),
    ):
        with pytest.raises(InvalidInput, match=message):
            parse_role_map(bad)


def test_pkce_s256_matches_rfc_7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
