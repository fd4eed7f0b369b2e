"""Request dependencies: the container and the calling principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from microcred.bootstrap import Container
from microcred.domain.identity import Principal
from microcred.errors import Unauthenticated


def container(request: Request) -> Container:
    """The application container attached at start-up."""
    found: Container = request.app.state.container
    return found


def principal(request: Request, c: Annotated[Container, Depends(container)]) -> Principal:
    """The user behind the ``Authorization: Bearer`` token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Send an API token as 'Authorization: Bearer <token>'.")
    return c.identity.authenticate(token.strip())


ContainerDep = Annotated[Container, Depends(container)]
PrincipalDep = Annotated[Principal, Depends(principal)]
