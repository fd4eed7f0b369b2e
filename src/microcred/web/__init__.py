"""HTTP: the JSON API and server-rendered pages."""
