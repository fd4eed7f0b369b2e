"""Rubrics, measured trust, code assignments and the human review queue over HTTP."""
