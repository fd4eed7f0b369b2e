"""Skills intelligence over HTTP: routes beside their API models."""
