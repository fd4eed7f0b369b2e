"""Identifiers."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """A random UUID (v4) as text."""
    return str(uuid.uuid4())
