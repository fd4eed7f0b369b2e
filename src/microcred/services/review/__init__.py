"""Reviewing evidence: rubrics, AI and code review, the reviewer queue and decisions."""
