"""Checking uploaded evidence before it is stored: size, type (by content, not by name), safe
file names, and archives that unpack safely (no path traversal, no bombs)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from microcred.domain.learning import PartKind, SubmissionPart
from microcred.errors import InvalidInput, PayloadTooLarge

#: checks that an archive unpacks safely; raises `InvalidInput` / `PayloadTooLarge`
ArchiveCheck = Callable[[str, bytes], None]

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")
_TYPES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"PK\x03\x04": "application/zip",
    b"\x1f\x8b": "application/gzip",
}
ARCHIVES = {"application/zip", "application/gzip"}


@dataclass(frozen=True, slots=True)
class Upload:
    """A file as received."""

    filename: str
    data: bytes


def sniff(data: bytes) -> str:
    """The content type by magic bytes (UTF-8 text when nothing else matches), or refuse."""
    for magic, kind in _TYPES.items():
        if data.startswith(magic):
            return kind
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "The file is not a supported type (PDF, PNG, JPEG, ZIP, tar.gz or UTF-8 text)."
        ) from None
    if "\x00" in text:
        raise InvalidInput("The file is not a supported type (binary data).")
    return "text/plain"


def safe_filename(name: str) -> str:
    """The base name, with only harmless characters, at most 120 of them."""
    base = posixpath.basename(name.replace("\\", "/")).strip()
    cleaned = _SAFE_NAME.sub("_", base)[:120].lstrip(".")
    return cleaned or "file"


def check_link(url: str) -> str:
    """An absolute http(s) URL of reasonable length."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or len(url) > 2048:
        raise InvalidInput("A link must be an absolute http(s) URL (at most 2,048 characters).")
    return url.strip()


def check_upload(
    upload: Upload, kind: PartKind, *, max_bytes: int, archive_check: ArchiveCheck
) -> str:
    """Validate one upload; its content type."""
    if len(upload.data) > max_bytes:
        raise PayloadTooLarge(
            f"{safe_filename(upload.filename)} is larger than {max_bytes // 1_000_000} MB."
        )
    if not upload.data:
        raise InvalidInput(f"{safe_filename(upload.filename)} is empty.")
    content_type = sniff(upload.data)
    if kind is PartKind.CODE:
        if content_type not in ARCHIVES and content_type != "text/plain":
            raise InvalidInput("Code is submitted as a ZIP or tar.gz archive, or a source file.")
        archive_check(upload.filename, upload.data)
    elif content_type in ARCHIVES:
        archive_check(upload.filename, upload.data)
    return content_type


def text_part(text: str, max_chars: int = 50_000) -> SubmissionPart:
    """A written answer."""
    if not text.strip():
        raise InvalidInput("A written answer must not be empty.")
    if len(text) > max_chars:
        raise PayloadTooLarge(f"A written answer has at most {max_chars:,} characters.")
    return SubmissionPart(PartKind.TEXT, text=text)
