"""A content-addressed blob store on local disk: ``<root>/ab/cd/<sha256>``, written atomically.

The same bytes are stored once; a blob is never rewritten; a crash mid-write leaves only a
temporary file, never a half blob under its name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from microcred.errors import InvalidInput, NotFound

_SHA = re.compile(r"^[0-9a-f]{64}$")


class LocalBlobStore:
    """Blobs under ``root``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, digest: str) -> Path:
        if not _SHA.match(digest):
            raise InvalidInput("A blob is named by its SHA-256 in lowercase hex.")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store ``data``; its SHA-256 (hex) names it."""
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        """The blob's bytes; `NotFound` if absent; re-checked against its name."""
        path = self._path(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotFound("No such file.") from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise NotFound("The stored file is damaged.")
        return data

    def exists(self, digest: str) -> bool:
        """True when the blob is stored."""
        return self._path(digest).exists()
