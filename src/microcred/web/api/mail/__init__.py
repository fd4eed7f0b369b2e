"""E-mail offers over HTTP: offer policies and credentials' offers."""

from microcred.web.api.mail.schemas import OfferPolicyPublic, OfferPolicyUpdate, OfferPublic

__all__ = ["OfferPolicyPublic", "OfferPolicyUpdate", "OfferPublic"]
