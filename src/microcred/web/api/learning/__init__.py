"""Pathways, enrolments, submissions, rubrics and the review queue over HTTP."""
