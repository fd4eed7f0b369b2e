"""Implementations of the ports: database, HTTP, clock."""

from microcred.adapters.blobs import LocalBlobStore
from microcred.adapters.blobs_s3 import S3BlobStore
from microcred.adapters.clock import SystemClock
from microcred.adapters.witness_client import HttpWitnessClient

__all__ = [
    "HttpWitnessClient",
    "LocalBlobStore",
    "S3BlobStore",
    "SystemClock",
]
