"""Request dependencies: the container and the calling principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal
from microcred.errors import PermissionDenied, Unauthenticated


async def container(request: Request) -> Container:
    """The application container attached at start-up (an attribute read: on the event loop,
    so a request does not wait for a worker thread just to find it)."""
    found: Container = request.app.state.container
    return found


def principal(request: Request, c: Annotated[Container, Depends(container)]) -> Principal:
    """The user behind the ``Authorization: Bearer`` token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Send an API token as 'Authorization: Bearer <token>'.")
    return c.identity.authenticate(token.strip())


def require_instructor(p: Principal) -> None:
    """Only people who define or judge work see AI reliability and code-assignment settings
    (they name what the hidden tests look for); learners and viewers do not."""
    if not {Permission.MANAGE_ACHIEVEMENTS, Permission.REVIEW_SUBMISSIONS} & p.permissions:
        raise PermissionDenied(
            f"Your role ({p.role.value}) may not see assessment settings or AI reliability."
        )


ContainerDep = Annotated[Container, Depends(container)]
PrincipalDep = Annotated[Principal, Depends(principal)]
