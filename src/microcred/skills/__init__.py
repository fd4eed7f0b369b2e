"""Skills intelligence: taxonomies (ESCO, O*NET, custom) and skill matching from text."""
