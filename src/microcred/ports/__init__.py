"""The interfaces services depend on, one module per feature; adapters implement them."""
