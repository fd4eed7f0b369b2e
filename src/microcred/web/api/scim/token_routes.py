"""The organisation's SCIM token through the API, for admins who script their set-up (the
page /admin/scim does the same): make one (shown once) or revoke it."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel

from microcred.errors import NotFound
from microcred.web.api.deps import ContainerDep, PrincipalDep

router = APIRouter(prefix="/api/v1/scim", tags=["identity"])


class ScimTokenPublic(BaseModel):
    """A new SCIM token (shown only in this answer) and the SCIM base URL."""

    token: str
    base_url: str


@router.post("/token", status_code=status.HTTP_201_CREATED)
def create_token(p: PrincipalDep, c: ContainerDep) -> ScimTokenPublic:
    """Make the organisation's SCIM token, replacing any earlier one."""
    return ScimTokenPublic(token=c.scim.tokens.create(p), base_url=c.scim.provisioning.base)


@router.delete("/token", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(p: PrincipalDep, c: ContainerDep) -> None:
    """Revoke the token; provisioning stops at once."""
    if not c.scim.tokens.revoke(p):
        raise NotFound("This organisation has no SCIM token.")
