"""Blob stores: local disk, and S3 over HTTP. The S3 endpoint is moto's server, a stand-in for a
real S3-compatible store (none can run here offline); the adapter talks plain S3 HTTP to it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from microcred.adapters.blobs import LocalBlobStore
from microcred.adapters.blobs_s3 import S3BlobStore
from microcred.errors import InvalidInput, NotFound


@pytest.fixture(scope="module")
def s3_endpoint():
    server_mod = pytest.importorskip("moto.server")
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _stores(tmp_path: Path, endpoint: str):
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket="evidence")
    return [
        LocalBlobStore(tmp_path / "blobs"),
        S3BlobStore(
            "evidence",
            endpoint_url=endpoint,
            region="us-east-1",
            access_key="test",
            secret_key="test",
        ),
    ]


def test_content_addressed_round_trip(tmp_path: Path, s3_endpoint: str) -> None:
    for store in _stores(tmp_path, s3_endpoint):
        data = b"evidence \x00\x01 bytes"
        digest = store.put(data)
        assert digest == hashlib.sha256(data).hexdigest()
        assert store.put(data) == digest  # stored once
        assert store.get(digest) == data and store.exists(digest)
        missing = hashlib.sha256(b"other").hexdigest()
        assert not store.exists(missing)
        with pytest.raises(NotFound):
            store.get(missing)
        for bad in ("../../etc/passwd", "ABC", "0" * 63):
            with pytest.raises(InvalidInput):
                store.get(bad)


def test_a_damaged_local_blob_is_refused(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    digest = store.put(b"original")
    path = tmp_path / digest[:2] / digest[2:4] / digest
    path.write_bytes(b"tampered")
    with pytest.raises(NotFound, match="damaged"):
        store.get(digest)
