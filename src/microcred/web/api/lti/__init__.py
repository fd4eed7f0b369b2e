"""The LTI platform registrations over HTTP."""
