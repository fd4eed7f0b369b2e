"""Implementations of the ports: database, HTTP, clock."""
