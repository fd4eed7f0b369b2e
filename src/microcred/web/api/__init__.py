"""The REST API (FastAPI)."""

from microcred.web.api.app import create_app
from microcred.web.api.deps import require_instructor

__all__ = [
    "create_app",
    "require_instructor",
]
