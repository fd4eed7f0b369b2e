"""The LTI 1.3 claim rules of a launch (LTI Core 1.3 §5.3, Deep Linking 2.0 §4.4, AGS 2.0
§3.1), one by one, on claims that would otherwise pass."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from microcred.errors import InvalidInput, Unauthenticated
from microcred.services.lti import check_launch, parse_deployments

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def claims(**change: Any) -> dict[str, Any]:
    at = int(NOW.timestamp())
    base: dict[str, Any] = {
        "iss": "https://lms.example.org",
        "aud": "tool",
        "azp": "tool",
        "exp": at + 300,
        "iat": at,
        "nonce": "n-1",
        "sub": "user-1",
        "email": "lea@example.org",
        LTI + "version": "1.3.0",
        LTI + "message_type": "LtiResourceLinkRequest",
        LTI + "deployment_id": "d1",
        LTI + "target_link_uri": "https://issuer.test/lti/acme/launch?achievement=a-1",
        LTI + "resource_link": {"id": "link-1"},
        AGS: {"scope": [SCORE], "lineitem": "https://lms.example.org/items/1"},
    }
    for key, value in change.items():
        name = key.replace("__", "/") if key.startswith("http") else key
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return base


def check(c: dict[str, Any]) -> Any:
    return check_launch(
        c,
        issuer="https://lms.example.org",
        client_id="tool",
        nonce="n-1",
        deployments=["d1"],
        now=NOW,
    )


def test_a_good_resource_link_launch_gives_the_micro_credential_and_line_item() -> None:
    got = check(claims())
    assert got.achievement_id == "a-1" and got.lineitem == "https://lms.example.org/items/1"
    assert got.subject == "user-1" and got.deployment_id == "d1"
    custom = check(claims(**{LTI + "custom": {"achievement_id": "a-2"}}))
    assert custom.achievement_id == "a-2"  # the custom claim wins over the target's query
    no_score = check(claims(**{AGS: {"scope": [], "lineitem": "https://lms.example.org/items/1"}}))
    assert no_score.lineitem is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({LTI + "version": "1.1"}, "not 1.3.0"),
        ({LTI + "version": None}, "not 1.3.0"),
        ({LTI + "message_type": "LtiSubmissionReviewRequest"}, "message type"),
        ({LTI + "deployment_id": "d2"}, "not registered"),
        ({LTI + "deployment_id": ["d1"]}, "not registered"),
        ({LTI + "target_link_uri": None}, "target link"),
        ({LTI + "resource_link": {}}, "resource link id"),
        ({"aud": "other"}, "audience"),
        ({"azp": "other"}, "azp"),
        ({"iss": "https://evil.example.org"}, "issued by"),
        ({"nonce": "n-2"}, "nonce"),
        ({"exp": int(NOW.timestamp()) - 600}, "expired"),
        ({"sub": None}, "subject"),
    ],
)
def test_each_claim_rule_refuses_plainly(change: dict[str, Any], words: str) -> None:
    with pytest.raises(Unauthenticated, match=words):
        check(claims(**change))


def test_deep_linking_needs_its_settings_a_return_url_and_resource_links() -> None:
    settings = {
        "deep_link_return_url": "https://lms.example.org/dl",
        "accept_types": ["ltiResourceLink"],
        "data": {"x": 1},
    }
    dl = {LTI + "message_type": "LtiDeepLinkingRequest", LTI + "resource_link": None}
    got = check(claims(**dl, **{DL: settings}))
    assert got.return_url == "https://lms.example.org/dl" and got.data == {"x": 1}
    with pytest.raises(Unauthenticated, match="deep linking settings"):
        check(claims(**dl))
    with pytest.raises(Unauthenticated, match="return URL"):
        check(claims(**dl, **{DL: settings | {"deep_link_return_url": "javascript:x"}}))
    hostile = "https://lms.example.org; script-src *;/dl"
    with pytest.raises(Unauthenticated, match="return URL"):
        check(claims(**dl, **{DL: settings | {"deep_link_return_url": hostile}}))
    with pytest.raises(Unauthenticated, match="does not accept"):
        check(claims(**dl, **{DL: settings | {"accept_types": ["html"]}}))
    with pytest.raises(Unauthenticated, match="too large"):
        check(claims(**dl, **{DL: settings | {"data": "x" * 5000}}))


def test_deployment_ids_are_parsed_deduplicated_and_bounded() -> None:
    assert parse_deployments("1\n2, 3\n\n1") == ("1", "2", "3")
    for bad in ("", "  \n", ["a\x00"], 5, [str(i) for i in range(51)]):
        with pytest.raises(InvalidInput):
            parse_deployments(bad)
