"""Courses and pathways, enrolments, submitted evidence and progress."""
