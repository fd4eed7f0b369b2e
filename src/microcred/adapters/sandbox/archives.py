"""Unpacking a submission *in memory*: an archive (zip, tar, tar.gz) or a single file.

Refuses path traversal, links that point out, devices, zip bombs and oversized members; nothing
touches disk.
"""

from __future__ import annotations

import io
import posixpath
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from microcred.adapters.sandbox.limits import MiB
from microcred.assessment.code_review import CodeSubmission
from microcred.errors import InvalidInput, PayloadTooLarge


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Bounds on what a submission may unpack to."""

    max_upload_bytes: int = 10 * MiB
    max_files: int = 500
    max_total_bytes: int = 20 * MiB
    max_file_bytes: int = 5 * MiB
    #: Largest uncompressed/compressed ratio, checked once a member exceeds ``ratio_floor_bytes``.
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * MiB
    max_path_chars: int = 200
    max_depth: int = 16


_IGNORED_PREFIXES = ("__MACOSX/",)
_IGNORED_NAMES = {".DS_Store", "Thumbs.db"}


def safe_relative_path(name: str, limits: ArchiveLimits = ArchiveLimits()) -> str:
    """``name`` as a normalised relative POSIX path, or :class:`InvalidInput` if it could escape."""
    if not name or "\x00" in name:
        raise InvalidInput("An archive member has an empty or invalid name.")
    if "\\" in name:
        raise InvalidInput(f"Archive member {name[:80]!r} uses backslashes; use '/' in paths.")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise InvalidInput(f"Archive member {name[:80]!r} has an absolute path.")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InvalidInput(f"Archive member {name[:80]!r} points outside the archive ('..').")
    if not parts:
        raise InvalidInput(f"Archive member {name[:80]!r} has no file name.")
    path = "/".join(parts)
    if len(path) > limits.max_path_chars or len(parts) > limits.max_depth:
        raise InvalidInput(f"Archive member {path[:80]!r}… has too long a path.")
    return path


class _Collector:
    """Accumulates validated files and enforces the count and size budgets."""

    def __init__(self, limits: ArchiveLimits) -> None:
        self.limits = limits
        self.files: dict[str, bytes] = {}
        self.names: set[str] = set()
        self.total = 0

    def admit(self, name: str, declared_size: int) -> str | None:
        """Validate a member before reading it; ``None`` means skip it (OS junk)."""
        if name.startswith(_IGNORED_PREFIXES) or posixpath.basename(name) in _IGNORED_NAMES:
            return None
        path = safe_relative_path(name, self.limits)
        if path in self.names:
            raise InvalidInput(f"Archive member {path!r} appears twice.")
        if len(self.names) >= self.limits.max_files:
            raise PayloadTooLarge(f"The archive holds more than {self.limits.max_files} files.")
        self._check_size(path, declared_size)
        self.names.add(path)
        return path

    def _check_size(self, path: str, size: int) -> None:
        if size > self.limits.max_file_bytes:
            raise PayloadTooLarge(
                f"Archive member {path!r} is larger than {_size(self.limits.max_file_bytes)}."
            )
        if self.total + size > self.limits.max_total_bytes:
            raise PayloadTooLarge(
                f"The archive unpacks to more than {_size(self.limits.max_total_bytes)}."
            )

    def add(self, path: str, data: bytes) -> None:
        """Store a member's bytes, re-checking the size it really had."""
        self._check_size(path, len(data))
        self.files[path] = data
        self.total += len(data)


def _size(n: int) -> str:
    return f"{n / MiB:g} MiB" if n >= MiB else f"{n} bytes"


def _read_zip(data: bytes, limits: ArchiveLimits) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise InvalidInput(f"The zip archive is damaged: {exc}.") from None
    if len(infos) > limits.max_files * 2:
        raise PayloadTooLarge(f"The archive holds more than {limits.max_files} files.")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_total_bytes:
        raise PayloadTooLarge(f"The archive unpacks to more than {_size(limits.max_total_bytes)}.")
    out = _Collector(limits)
    for info in infos:
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip records no file type
        if info.is_dir():
            continue
        if kind == stat.S_IFLNK:
            raise InvalidInput(f"Archive member {info.filename[:80]!r} is a symbolic link.")
        if kind not in (0, stat.S_IFREG):
            raise InvalidInput(f"Archive member {info.filename[:80]!r} is not a regular file.")
        if info.flag_bits & 0x1:
            raise InvalidInput(f"Archive member {info.filename[:80]!r} is encrypted.")
        path = out.admit(info.filename, info.file_size)
        if path is None:
            continue
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise PayloadTooLarge(
                f"Archive member {path!r} is compressed more than {limits.max_ratio:g}:1 "
                "(a zip bomb?)."
            )
        try:
            with archive.open(info) as member:
                content = member.read(limits.max_file_bytes + 1)
        except (zipfile.BadZipFile, NotImplementedError, zlib.error, EOFError, ValueError) as exc:
            raise InvalidInput(f"Archive member {path!r} cannot be read: {exc}.") from None
        out.add(path, content)
    return out.files


def _gunzip(data: bytes, limits: ArchiveLimits) -> bytes:
    """Decompress gzip, stopping as soon as the output exceeds what a tar may hold."""
    cap = limits.max_total_bytes + (limits.max_files + 2) * 1024 + 64 * 1024
    inflater = zlib.decompressobj(wbits=31)
    try:
        raw = inflater.decompress(data, cap + 1)
    except zlib.error as exc:
        raise InvalidInput(f"The gzip stream is damaged: {exc}.") from None
    if len(raw) > cap or inflater.unconsumed_tail:
        raise PayloadTooLarge(f"The archive unpacks to more than {_size(limits.max_total_bytes)}.")
    if len(raw) > limits.ratio_floor_bytes and len(raw) > limits.max_ratio * len(data):
        raise PayloadTooLarge(
            f"The archive is compressed more than {limits.max_ratio:g}:1 (a gzip bomb?)."
        )
    return raw


def _read_tar(raw: bytes, limits: ArchiveLimits) -> dict[str, bytes]:
    out = _Collector(limits)
    links: list[tuple[str, str, bool]] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as archive:
            _read_tar_members(archive, out, links, limits)
    except tarfile.TarError as exc:
        raise InvalidInput(f"The tar archive is damaged: {exc}.") from None
    for path, target, symbolic in links:
        out.add(path, _resolve_link(out.files, path, target, symbolic))
    return out.files


def _read_tar_members(
    archive: tarfile.TarFile,
    out: _Collector,
    links: list[tuple[str, str, bool]],
    limits: ArchiveLimits,
) -> None:
    """Collect regular files; remember links to resolve once every file is known."""
    for member in archive:
        if member.isdir():
            continue
        if member.issym() or member.islnk():
            path = out.admit(member.name, 0)
            if path is not None:
                links.append((path, member.linkname, member.issym()))
            continue
        if not member.isreg():
            kind = "a device" if (member.ischr() or member.isblk()) else "not a regular file"
            raise InvalidInput(f"Archive member {member.name[:80]!r} is {kind}.")
        path = out.admit(member.name, member.size)
        if path is None:
            continue
        handle = archive.extractfile(member)
        out.add(path, handle.read(limits.max_file_bytes + 1) if handle else b"")


def _resolve_link(files: Mapping[str, bytes], path: str, target: str, symbolic: bool) -> bytes:
    """A link inside the archive becomes a copy of its target; one pointing out is refused."""
    if not target or target.startswith("/"):
        raise InvalidInput(f"Link {path!r} points outside the archive ({target[:80]!r}).")
    joined = posixpath.join(posixpath.dirname(path), target) if symbolic else target
    resolved = posixpath.normpath(joined)
    if resolved.startswith("../") or resolved == "..":
        raise InvalidInput(f"Link {path!r} points outside the archive ({target[:80]!r}).")
    if resolved not in files:
        raise InvalidInput(f"Link {path!r} points to {target[:80]!r}, which is not a file in it.")
    return files[resolved]


def _strip_common_root(files: dict[str, bytes]) -> dict[str, bytes]:
    """``project/a.py, project/b.py`` → ``a.py, b.py`` (archives made by zipping a folder)."""
    tops = {p.split("/", 1)[0] for p in files}
    if len(tops) != 1 or any("/" not in p for p in files):
        return files
    return {p.split("/", 1)[1]: data for p, data in files.items()}


def read_submission(
    submission: CodeSubmission, limits: ArchiveLimits = ArchiveLimits()
) -> dict[str, bytes]:
    """Unpack a submission in memory into ``relative path → bytes``; nothing touches disk."""
    data = submission.content
    if len(data) > limits.max_upload_bytes:
        raise PayloadTooLarge(f"The submission is larger than {_size(limits.max_upload_bytes)}.")
    lower = submission.filename.lower()
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06") or lower.endswith(".zip"):
        files = _read_zip(data, limits)
    elif data[:2] == b"\x1f\x8b":
        files = _read_tar(_gunzip(data, limits), limits)
    elif data[257:262] == b"ustar" or lower.endswith(".tar"):
        files = _read_tar(data, limits)
    else:
        name = safe_relative_path(posixpath.basename(submission.filename) or "", limits)
        if len(data) > limits.max_file_bytes:
            raise PayloadTooLarge(f"The file is larger than {_size(limits.max_file_bytes)}.")
        return {name: data}
    if not files:
        raise InvalidInput("The archive contains no files.")
    return _strip_common_root(files)
