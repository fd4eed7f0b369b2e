"""Micro-credential definitions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from microcred.web.api.credentials.schemas import (
    AchievementCreate,
    AchievementPublic,
    AchievementUpdate,
)
from microcred.web.api.deps import ContainerDep, PrincipalDep

router = APIRouter(prefix="/api/v1/achievements", tags=["achievements"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create(body: AchievementCreate, p: PrincipalDep, c: ContainerDep) -> AchievementPublic:
    """Define a micro-credential."""
    return AchievementPublic.of(c.achievements.create(p, body.to_input()))


@router.get("")
def list_(
    p: PrincipalDep,
    c: ContainerDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[AchievementPublic]:
    """Your organisation's micro-credentials."""
    return [AchievementPublic.of(a) for a in c.achievements.list(p, offset, limit)]


@router.get("/{achievement_id}")
def get(achievement_id: str, p: PrincipalDep, c: ContainerDep) -> AchievementPublic:
    """One micro-credential."""
    return AchievementPublic.of(c.achievements.get(p, achievement_id))


@router.put("/{achievement_id}")
def update(
    achievement_id: str, body: AchievementUpdate, p: PrincipalDep, c: ContainerDep
) -> AchievementPublic:
    """Replace a micro-credential's definition (issued credentials are unchanged)."""
    return AchievementPublic.of(c.achievements.update(p, achievement_id, body.to_input()))
