"""SCIM 2.0 provisioning: the organisation's bearer token and its Users and Groups."""

from microcred.services.scim.errors import ScimProblem
from microcred.services.scim.service import MAX_COUNT, ScimDocument, ScimProvisioning, ScimQuery
from microcred.services.scim.tokens import ScimTokens

__all__ = [
    "MAX_COUNT",
    "ScimDocument",
    "ScimProblem",
    "ScimProvisioning",
    "ScimQuery",
    "ScimTokens",
]
