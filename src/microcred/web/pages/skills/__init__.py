"""The manager's and HR's pages: skill-gap heatmaps, talent search, role fit, career paths and
credentials over time, every table downloadable as CSV."""

__all__: list[str] = []  # nothing here is for other packages
