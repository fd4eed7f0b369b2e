"""The LTI platform registrations over HTTP."""

__all__: list[str] = []  # the router is included by the app
