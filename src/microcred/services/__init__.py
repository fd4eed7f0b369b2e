"""Use cases. Each takes a unit of work and the ports it needs; transactions begin and end here."""

from microcred.services.jobs import BackgroundWorker, Handler, JobRunner
from microcred.services.urls import PublicUrls

__all__ = [
    "BackgroundWorker",
    "Handler",
    "JobRunner",
    "PublicUrls",
]
