"""microcred as an LTI 1.3 / LTI Advantage tool: platform registrations per organisation, the
tool's keys and JWKS, third-party-initiated login and launch validation, Deep Linking, and
scores back to the platform through Assignment and Grade Services."""

from microcred.services.lti.claims import LaunchClaims, check_launch
from microcred.services.lti.deep_linking import DeepLinking, DeepLinkResponse, Picker
from microcred.services.lti.grades import SCORE_JOB, LtiGrades, queue_scores, score_of
from microcred.services.lti.launch import Launched, LoginRedirect, LtiLaunches
from microcred.services.lti.registrations import (
    LtiRegistrations,
    PlatformSettings,
    ToolKeys,
    ToolUrls,
    key_context,
    parse_deployments,
)

__all__ = [
    "SCORE_JOB",
    "DeepLinkResponse",
    "DeepLinking",
    "LaunchClaims",
    "Launched",
    "LoginRedirect",
    "LtiGrades",
    "LtiLaunches",
    "LtiRegistrations",
    "Picker",
    "PlatformSettings",
    "ToolKeys",
    "ToolUrls",
    "check_launch",
    "key_context",
    "parse_deployments",
    "queue_scores",
    "score_of",
]
