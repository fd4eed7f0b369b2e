"""Pathways, enrolments and submissions over HTTP (rubrics, review queue: `web.api.review`)."""

__all__: list[str] = []  # nothing here is for other packages
