"""Open Badges 3.0 and CLR 2.0 JSON Schema validation with the schemas shipped in the package.

The 1EdTech schemas declare draft 2019-09 but use only keywords whose meaning is the same in
draft-07 (no ``$ref`` with siblings, no ``unevaluated*``, no anchors), so a compiled draft-07
validator (fastjsonschema, ~4x faster) decides; the reference 2019-09 validator (jsonschema)
explains failures. Tests check that both agree.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft201909Validator, FormatChecker

ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
_OB_SCHEMA_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
_FILES = {
    _OB_SCHEMA_BASE + name: name
    for name in (
        "ob_v3p0_achievementcredential_schema.json",
        "ob_v3p0_endorsementcredential_schema.json",
        "ob_v3p0_profile_schema.json",
    )
}
CLR_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)
_FILES[CLR_CREDENTIAL_SCHEMA] = "clr_v2p0_clrcredential_schema.json"
#: credential types that the AchievementCredential schema applies to
OB_CREDENTIAL_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
#: the credential type that the CLR 2.0 ClrCredential schema applies to
CLR_CREDENTIAL_TYPE = "ClrCredential"


@cache
def _schema(schema_id: str) -> dict[str, Any]:
    text = (
        resources.files("microcred.credentials").joinpath("schemas", _FILES[schema_id]).read_text()
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


#: compiling a schema takes about a second of CPU: concurrent first verifications wait for one
#: compilation instead of each running their own (and starving every other thread of the GIL)
_BUILD_LOCK = threading.Lock()


@cache
def _build_validator(schema_id: str) -> Draft201909Validator:
    return Draft201909Validator(_schema(schema_id), format_checker=FormatChecker())


def _validator(schema_id: str) -> Draft201909Validator:
    with _BUILD_LOCK:
        return _build_validator(schema_id)


@cache
def _compile(schema_id: str) -> Any:
    schema = dict(_schema(schema_id), **{"$schema": "http://json-schema.org/draft-07/schema#"})
    return fastjsonschema.compile(schema)


def _compiled(schema_id: str) -> Any:
    with _BUILD_LOCK:
        return _compile(schema_id)


def is_valid(document: Mapping[str, Any], schema_id: str = ACHIEVEMENT_CREDENTIAL_SCHEMA) -> bool:
    """True when ``document`` satisfies the schema (the fast, compiled check)."""
    try:
        _compiled(schema_id)(document)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def known_schema(schema_id: str) -> bool:
    """True when ``schema_id`` is one of the bundled schemas."""
    return schema_id in _FILES


def schema_errors(
    document: Mapping[str, Any], schema_id: str = ACHIEVEMENT_CREDENTIAL_SCHEMA, limit: int = 5
) -> list[str]:
    """Plain-language schema violations (at most ``limit``); empty when the document is valid."""
    if is_valid(document, schema_id):
        return []
    errors = []
    for err in sorted(_validator(schema_id).iter_errors(document), key=lambda e: list(e.path)):
        where = ".".join(str(p) for p in err.absolute_path) or "the credential"
        message = err.message if len(err.message) < 200 else err.message[:200] + "…"
        errors.append(f"{where}: {message}")
        if len(errors) >= limit:
            break
    return errors


def warm() -> None:
    """Compile the OB 3.0 schema now (about a second of CPU), not during the first requests."""
    _compiled(ACHIEVEMENT_CREDENTIAL_SCHEMA)
    _validator(ACHIEVEMENT_CREDENTIAL_SCHEMA)
