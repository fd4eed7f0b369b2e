"""SCIM 2.0 provisioning over HTTP (``/scim/v2``) and the token endpoints."""

from microcred.web.api.scim.responses import scim_error

__all__ = ["scim_error"]
