"""SCIM 2.0 provisioning over HTTP (``/scim/v2``)."""
