"""Learning storage: pathways, enrolments, submissions (and, for now, rubrics)."""
