"""What every API model shares: field types, strict input (``XCreate`` / ``XUpdate``), errors."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Url = Annotated[str, StringConstraints(min_length=8, max_length=2048)]
#: checked by the domain (``normalise_email``); internal domains such as .test are allowed
EmailStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]


class Strict(BaseModel):
    """Unknown fields are refused, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")


class ErrorPublic(BaseModel):
    """Every error answer."""

    error: str
    message: str
