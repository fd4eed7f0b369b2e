"""E-mail storage: credential offers, offer policies, opt-outs and the mail log."""

from microcred.adapters.db.mail.repository import SqlMail, SqlMailLinks

__all__ = ["SqlMail", "SqlMailLinks"]
