"""Pathways, enrolments, submissions, rubrics and the review queue over HTTP."""

__all__: list[str] = []  # nothing here is for other packages
