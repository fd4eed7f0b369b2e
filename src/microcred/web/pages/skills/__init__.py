"""The manager's and HR's pages: skill-gap heatmaps, talent search, role fit, career paths and
credentials over time, every table downloadable as CSV."""

from microcred.web.pages.skills.export import csv_response, filename

__all__ = [
    "csv_response",
    "filename",
]
