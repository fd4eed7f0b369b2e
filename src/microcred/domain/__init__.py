"""Pure entities and rules. Standard library only."""
