"""Open Badges 3.0 JSON Schema validation with the schemas shipped in the package."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft201909Validator, FormatChecker

ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
_FILES = {
    ACHIEVEMENT_CREDENTIAL_SCHEMA: "ob_v3p0_achievementcredential_schema.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json":
        "ob_v3p0_endorsementcredential_schema.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_profile_schema.json":
        "ob_v3p0_profile_schema.json",
}
#: credential types that the AchievementCredential schema applies to
OB_CREDENTIAL_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})


@cache
def _validator(schema_id: str) -> Draft201909Validator:
    text = resources.files("microcred.credentials").joinpath("schemas", _FILES[schema_id]).read_text()
    return Draft201909Validator(json.loads(text), format_checker=FormatChecker())


def known_schema(schema_id: str) -> bool:
    """True when ``schema_id`` is one of the bundled schemas."""
    return schema_id in _FILES


def schema_errors(document: Mapping[str, Any], schema_id: str = ACHIEVEMENT_CREDENTIAL_SCHEMA,
                  limit: int = 5) -> list[str]:
    """Plain-language schema violations (at most ``limit``); empty when the document is valid."""
    errors = []
    for err in sorted(_validator(schema_id).iter_errors(document), key=lambda e: list(e.path)):
        where = ".".join(str(p) for p in err.absolute_path) or "the credential"
        message = err.message if len(err.message) < 200 else err.message[:200] + "…"
        errors.append(f"{where}: {message}")
        if len(errors) >= limit:
            break
    return errors
