"""Skills-intelligence storage: tables and the organisation-bound repository."""
