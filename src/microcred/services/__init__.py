"""Use cases. Each takes a unit of work and the ports it needs; transactions begin and end here."""
