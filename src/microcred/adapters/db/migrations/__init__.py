__all__: list[str] = []  # nothing here is for other packages
