"""The discovery documents (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas,
built once from the ``scim2-models`` resource models the endpoints serve."""

from __future__ import annotations

from functools import cache
from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Meta,
    Patch,
    ResourceType,
    ServiceProviderConfig,
    Sort,
    User,
)

from microcred.services.scim import MAX_COUNT

UserModel = User[EnterpriseUser]


def _dump(model: Any, meta: Meta | None = None) -> dict[str, Any]:
    if meta is not None:
        model.meta = meta
    found: dict[str, Any] = model.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return found


@cache
def service_provider_config(base: str) -> dict[str, Any]:
    """What this service supports: PATCH, filters (up to 200 results), sorting and ETags; no
    bulk operations or password changes; a bearer token."""
    config = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=True),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="The organisation's SCIM token, made on /admin/scim.",
                primary=True,
            )
        ],
    )
    meta = Meta(resource_type="ServiceProviderConfig", location=f"{base}/ServiceProviderConfig")
    return _dump(config, meta)


@cache
def resource_types(base: str) -> dict[str, dict[str, Any]]:
    """The User and Group resource types, by id."""
    found = {}
    for model in (UserModel, Group):
        resource_type = ResourceType.from_resource(model)
        meta = Meta(
            resource_type="ResourceType", location=f"{base}/ResourceTypes/{resource_type.id}"
        )
        found[str(resource_type.id)] = _dump(resource_type, meta)
    return found


@cache
def schemas(base: str) -> dict[str, dict[str, Any]]:
    """The User, enterprise User and Group schemas, by id."""
    found = {}
    for model in (User, EnterpriseUser, Group):
        schema = model.to_schema()
        meta = Meta(resource_type="Schema", location=f"{base}/Schemas/{schema.id}")
        found[str(schema.id)] = _dump(schema, meta)
    return found


def listed(items: list[dict[str, Any]]) -> dict[str, Any]:
    """A ListResponse of every item (discovery lists are not paged)."""
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(items),
        "startIndex": 1,
        "itemsPerPage": len(items),
        "Resources": items,
    }
