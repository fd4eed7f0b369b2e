"""SCIM documents in and out, through ``scim2-models`` (RFC 7643 resources as pydantic models):
a body is validated against the User (with the enterprise extension) or Group schema, a
stored resource is rendered with its ``id`` and ``meta``, and a PATCH is applied as RFC 7644
§3.5.2 says."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from scim2_models import (
    Context,
    EnterpriseUser,
    Group,
    Meta,
    PatchOp,
    Resource,
    ResponseParameters,
    SCIMException,
    User,
)

from microcred.ports import ScimKind, ScimRecord
from microcred.services.scim.errors import ScimProblem

UserModel = User[EnterpriseUser]
MODELS: dict[str, type[Resource[Any]]] = {"User": UserModel, "Group": Group}
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#: pydantic error types that mean the body does not follow the schema's structure
_STRUCTURE = {"extra_forbidden", "schema_error", "model_type", "dict_type", "list_type"}


def etag(version: int) -> str:
    """The weak ETag (and ``meta.version``) of a resource's version."""
    return f'W/"{version}"'


def _problem(exc: ValidationError | SCIMException) -> ScimProblem:
    if isinstance(exc, SCIMException):
        return ScimProblem(exc.detail, status=exc.status, scim_type=exc.scim_type)
    errors = exc.errors(include_url=False, include_input=False)
    parts = []
    for error in errors[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if not isinstance(p, int))
        parts.append(f"{where or 'body'}: {error.get('msg', 'invalid')}"[:300])
    kinds = {str(e.get("type", "")) for e in errors}
    if any("mutab" in k for k in kinds):
        scim_type = "mutability"
    elif kinds & _STRUCTURE:
        scim_type = "invalidSyntax"
    else:
        scim_type = "invalidValue"
    return ScimProblem(
        "The resource does not fit the schema: " + "; ".join(parts), scim_type=scim_type
    )


def _with_manager_ref(payload: dict[str, Any], base: str) -> dict[str, Any]:
    """Entra and Okta send the enterprise ``manager`` as ``{"value": id}``; the model wants its
    ``$ref`` too, which is the manager's location here."""
    extension = payload.get(ENTERPRISE)
    if isinstance(extension, dict):
        manager = extension.get("manager")
        if isinstance(manager, str):
            manager = {"value": manager}
        if isinstance(manager, dict) and isinstance(manager.get("value"), str):
            if "$ref" not in manager:
                manager = {**manager, "$ref": f"{base}/Users/{manager['value']}"}
            payload = {**payload, ENTERPRISE: {**extension, "manager": manager}}
    return payload


def _manager_operations(body: dict[str, Any], base: str) -> dict[str, Any]:
    """Entra patches the manager as ``{"path": "<enterprise>:manager", "value": "<id>"}``, or
    a whole-resource value carrying the extension: both get the ``$ref`` the model wants."""
    operations = body.get("Operations")
    if not isinstance(operations, list):
        return body
    fixed: list[Any] = []
    for given in operations:
        op = given
        if isinstance(given, dict):
            path, value = given.get("path"), given.get("value")
            if isinstance(path, str) and path.lower() == f"{ENTERPRISE}:manager".lower():
                if isinstance(value, str):
                    value = {"value": value}
                if isinstance(value, dict) and isinstance(value.get("value"), str):
                    value = {"$ref": f"{base}/Users/{value['value']}", **value}
                op = {**given, "value": value}
            elif isinstance(value, dict):
                op = {**given, "value": _with_manager_ref(value, base)}
        fixed.append(op)
    return {**body, "Operations": fixed}


def parse(kind: ScimKind, payload: object, base: str, *, replacing: bool = False) -> Resource[Any]:
    """A creation (or replacement) body as a resource; a schema break is a ``ScimProblem``."""
    if not isinstance(payload, dict):
        raise ScimProblem("The body must be a JSON object.", scim_type="invalidSyntax")
    ctx = Context.RESOURCE_REPLACEMENT_REQUEST if replacing else Context.RESOURCE_CREATION_REQUEST
    payload = {k: v for k, v in payload.items() if k not in ("id", "meta")}
    try:
        return MODELS[kind].model_validate(_with_manager_ref(payload, base), scim_ctx=ctx)
    except (ValidationError, SCIMException) as exc:
        raise _problem(exc) from None


def stored(resource: Resource[Any]) -> dict[str, Any]:
    """What is kept of a resource: its JSON form without ``id``, ``meta`` or write-only values."""
    found: dict[str, Any] = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    found.pop("id", None)
    found.pop("meta", None)
    return found


def loaded(record: ScimRecord, base: str) -> Resource[Any]:
    """A stored record as its resource, with ``id`` and ``meta``."""
    resource = MODELS[record.kind].model_validate(record.document)
    resource.id = record.id
    resource.meta = Meta(
        resource_type=record.kind,
        created=record.created_at,
        last_modified=record.updated_at,
        location=f"{base}/{record.kind}s/{record.id}",
        version=etag(record.version),
    )
    return resource


def parameters(
    kind: ScimKind, attributes: str | None, excluded: str | None
) -> ResponseParameters[Any] | None:
    """The ``attributes`` / ``excludedAttributes`` query parameters (comma-separated)."""
    if not attributes and not excluded:
        return None
    if attributes and excluded:
        raise ScimProblem(
            "Send attributes or excludedAttributes, not both.", scim_type="invalidValue"
        )
    try:
        bound: Any = ResponseParameters[MODELS[kind]]  # type: ignore[valid-type]
        found: ResponseParameters[Any] = bound.model_validate(
            {"attributes": attributes, "excludedAttributes": excluded}
        )
        return found
    except (ValidationError, SCIMException, ValueError):
        raise ScimProblem(
            "attributes and excludedAttributes name attribute paths.", scim_type="invalidValue"
        ) from None


def rendered(
    record: ScimRecord, base: str, params: ResponseParameters[Any] | None = None
) -> dict[str, Any]:
    """A record as the JSON a response carries."""
    found: dict[str, Any] = loaded(record, base).model_dump(
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=params
    )
    return found


def patched(record: ScimRecord, body: object, base: str) -> Resource[Any]:
    """The record's resource with a PatchOp applied (all operations or none)."""
    if not isinstance(body, dict):
        raise ScimProblem("The body must be a JSON object.", scim_type="invalidSyntax")
    model = MODELS[record.kind]
    resource = loaded(record, base)
    try:
        operation = PatchOp[model].model_validate(  # type: ignore[valid-type]
            _manager_operations(body, base), scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
        operation.patch(resource)
        # the result must still be a valid resource (required attributes, types)
        return model.model_validate(
            _with_manager_ref(stored(resource), base), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
        )
    except (ValidationError, SCIMException) as exc:
        raise _problem(exc) from None
