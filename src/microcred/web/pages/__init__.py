"""Server-rendered pages: public credential pages and verification for people."""

from microcred.web.pages.routes import credential_page, wants_html
from microcred.web.pages.session import COOKIE, viewer

__all__ = [
    "COOKIE",
    "credential_page",
    "viewer",
    "wants_html",
]
