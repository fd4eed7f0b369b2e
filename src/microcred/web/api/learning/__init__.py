"""Pathways, enrolments and submissions over HTTP (rubrics, review queue: `web.api.review`)."""
