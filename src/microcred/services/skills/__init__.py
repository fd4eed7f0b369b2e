"""Skills intelligence use cases: role profiles, people, gaps and search, applicants, the index."""
