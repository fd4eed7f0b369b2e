"""The blob store on any S3-compatible object store (AWS S3, MinIO, Ceph, R2...), through boto3
(extra ``microcred[s3]``). Objects are named by their SHA-256, written once, re-checked on read."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from microcred.errors import ConfigurationError, InvalidInput, MicrocredError, NotFound

_SHA = re.compile(r"^[0-9a-f]{64}$")


class S3BlobStore:
    """Blobs in ``bucket`` under ``prefix``."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        prefix: str = "blobs/",
        client: Any = None,
    ) -> None:
        if not bucket:
            raise ConfigurationError("The S3 blob store needs a bucket.")
        self._bucket = bucket
        self._prefix = prefix
        if client is None:
            try:
                import boto3  # noqa: PLC0415
            except ImportError as exc:
                raise ConfigurationError(
                    "The S3 blob store needs: pip install 'microcred[s3]'."
                ) from exc
            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
            )
        self._client = client

    def _key(self, digest: str) -> str:
        if not _SHA.match(digest):
            raise InvalidInput("A blob is named by its SHA-256 in lowercase hex.")
        return f"{self._prefix}{digest[:2]}/{digest}"

    def put(self, data: bytes) -> str:
        """Store ``data`` once; its SHA-256 names it."""
        digest = hashlib.sha256(data).hexdigest()
        if self.exists(digest):
            return digest
        try:
            self._client.put_object(
                Bucket=self._bucket,
                Key=self._key(digest),
                Body=data,
                ContentType="application/octet-stream",
            )
        except Exception as exc:
            raise MicrocredError("The object store refused the file; try again.") from exc
        return digest

    def get(self, digest: str) -> bytes:
        """The blob; `NotFound` if absent or damaged."""
        key = self._key(digest)
        try:
            body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"]
            data = bytes(body.read())
        except Exception as exc:
            if _missing(exc):
                raise NotFound("No such file.") from None
            raise MicrocredError("The object store could not be read; try again.") from exc
        if hashlib.sha256(data).hexdigest() != digest:
            raise NotFound("The stored file is damaged.")
        return data

    def exists(self, digest: str) -> bool:
        """True when the blob is stored."""
        key = self._key(digest)
        try:
            self._client.head_object(Bucket=self._bucket, Key=key)
        except Exception as exc:
            if _missing(exc):
                return False
            raise MicrocredError("The object store could not be reached; try again.") from exc
        return True


def _missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code in {"404", "NoSuchKey", "NotFound"}
