"""The command line (Typer)."""

__all__: list[str] = []  # nothing here is for other packages
