"""SCIM answers: ``application/scim+json`` bodies, and errors as RFC 7644 §3.12 ``Error``
messages (``status`` as a string, ``scimType`` where the RFC names one, a plain ``detail``)."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

MEDIA_TYPE = "application/scim+json"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def scim_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A SCIM JSON response."""
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def scim_error(status: int, detail: str, scim_type: str = "") -> Response:
    """A SCIM ``Error`` message."""
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status), "detail": detail[:1000]}
    if scim_type:
        body["scimType"] = scim_type
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'} if status == 401 else None
    return scim_json(body, status, headers)
