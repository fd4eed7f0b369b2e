"""The export archive: a zip whose ``manifest.json`` lists every member with its SHA-256 and size,
keyed (HMAC-SHA256) with a key derived from the export passphrase, so a changed, added, removed or
truncated member — or a manifest rewritten to match — is refused before anything is written.

Reading is defensive: member names are checked (no absolute paths, ``..``, backslashes, links or
duplicates: zip-slip), declared and actual sizes must agree, members are read with caps (zip
bombs), lines of JSON Lines are bounded, and nothing is ever unpacked to disk.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from microcred.errors import InvalidInput, PayloadTooLarge

FORMAT = "microcred-export"
VERSION = 1
MANIFEST = "manifest.json"
MIN_PASSPHRASE = 12
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
_NAME = re.compile(r"^[A-Za-z0-9._@+=-]+(/[A-Za-z0-9._@+=-]+)*$")
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Limits:
    """How big an archive and its parts may be."""

    archive_bytes: int = 8 << 30
    member_bytes: int = 1 << 30
    members: int = 1_000_000
    manifest_bytes: int = 64 << 20
    line_bytes: int = 16 << 20
    #: a member may unpack to at most this many times its compressed size (beyond 1 MiB)
    ratio: int = 1000


@dataclass(frozen=True, slots=True)
class Keys:
    """What a passphrase yields: a secret for sealing keys, and the manifest's MAC key."""

    seal_secret: str
    mac_key: bytes


def check_passphrase(passphrase: str) -> None:
    """Refuse a passphrase too short to protect signing keys."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(
            f"The export passphrase must have at least {MIN_PASSPHRASE} characters: it protects "
            "the organisation's signing keys inside the archive."
        )


def derive_keys(passphrase: str, salt: bytes, n: int, r: int, p: int) -> Keys:
    """scrypt(passphrase, salt) split into a sealing secret and a MAC key."""
    if not (2**10 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
        raise InvalidInput("The archive's key-derivation parameters are out of range.")
    out = hashlib.scrypt(passphrase.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 << 20, dklen=64)
    return Keys(seal_secret=out[:32].hex(), mac_key=out[32:])


def _canonical(manifest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "mac"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _check_value(keys: Keys) -> str:
    return hmac.new(keys.mac_key, b"microcred-export-passphrase", "sha256").hexdigest()


def check_name(name: str) -> str:
    """``name`` if it is a safe relative member path, else `InvalidInput` (zip-slip)."""
    if (
        len(name) > 512
        or not _NAME.match(name)
        or any(part in (".", "..") for part in name.split("/"))
    ):
        raise InvalidInput(f"The archive holds a member with an unsafe name: {name[:80]!r}.")
    return name


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


class ArchiveWriter:
    """Writes members (hashing them as they go), then the keyed manifest."""

    def __init__(self, target: IO[bytes], keys: Keys, kdf: dict[str, Any]) -> None:
        self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        self._keys = keys
        self._kdf = kdf
        self.members: dict[str, dict[str, Any]] = {}

    def write_lines(self, name: str, rows: Iterable[dict[str, Any]]) -> int:
        """A JSON Lines member, one object a line; how many lines."""
        digest, size, count = hashlib.sha256(), 0, 0
        with self._zip.open(check_name(name), "w", force_zip64=True) as out:
            for row in rows:
                line = _dumps(row) + b"\n"
                out.write(line)
                digest.update(line)
                size += len(line)
                count += 1
        self.members[name] = {"sha256": digest.hexdigest(), "size": size, "records": count}
        return count

    def write_bytes(self, name: str, data: bytes) -> None:
        """A member holding ``data``."""
        self._zip.writestr(check_name(name), data)
        self.members[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

    def finish(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Write the manifest (``fields`` plus the member list, KDF and MAC) and close."""
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            **fields,
            "kdf": self._kdf,
            "passphrase_check": _check_value(self._keys),
            "members": dict(sorted(self.members.items())),
        }
        manifest["mac"] = hmac.new(self._keys.mac_key, _canonical(manifest), "sha256").hexdigest()
        self._zip.writestr(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
        self._zip.close()
        return manifest


def new_kdf(salt: bytes) -> dict[str, Any]:
    """The manifest's ``kdf`` object for a fresh salt."""
    return {"name": "scrypt", "salt": salt.hex(), **_SCRYPT}


def _broken(exc: BaseException) -> InvalidInput:
    return InvalidInput(
        f"The archive is truncated or damaged ({type(exc).__name__}); nothing was imported."
    )


class ArchiveReader:
    """An archive opened for import: names, sizes and the manifest checked on opening."""

    def __init__(self, source: IO[bytes], size: int, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        if size > self.limits.archive_bytes:
            raise PayloadTooLarge(f"The archive is larger than {self.limits.archive_bytes} bytes.")
        try:
            self._zip = zipfile.ZipFile(source)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise InvalidInput(
                "This is not a microcred export: it is not a zip archive, or it is truncated."
            ) from exc
        if len(infos) > self.limits.members:
            raise PayloadTooLarge(f"The archive holds more than {self.limits.members} members.")
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = check_name(info.filename)
            if info.is_dir() or stat.S_ISLNK(info.external_attr >> 16):
                raise InvalidInput(f"The archive member {name!r} is a folder or a link.")
            if name in self._infos:
                raise InvalidInput(f"The archive holds {name!r} twice.")
            self._check_size(info, self.limits.member_bytes)
            self._infos[name] = info
        if MANIFEST not in self._infos:
            raise InvalidInput("This is not a microcred export: it has no manifest.json.")
        raw = self._read_capped(MANIFEST, self.limits.manifest_bytes)
        try:
            manifest = json.loads(raw)
        except (ValueError, RecursionError):
            raise InvalidInput("The archive's manifest.json is not valid JSON.") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise InvalidInput("This is not a microcred export (its manifest says otherwise).")
        if manifest.get("version") != VERSION:
            raise InvalidInput(
                f"The archive is in export format version {manifest.get('version')!r}; this "
                f"microcred reads version {VERSION}.",
                hint="Import it with the microcred version that made it, or a newer one.",
            )
        self.manifest: dict[str, Any] = manifest

    def _check_size(self, info: zipfile.ZipInfo, cap: int) -> None:
        if info.file_size > cap:
            raise PayloadTooLarge(f"The archive member {info.filename!r} is too large.")
        if info.file_size > (1 << 20) and info.file_size > self.limits.ratio * max(
            info.compress_size, 1
        ):
            raise PayloadTooLarge(
                f"The archive member {info.filename!r} expands too much (a zip bomb?)."
            )

    def _read_capped(self, name: str, cap: int) -> bytes:
        try:
            with self._zip.open(self._infos[name]) as handle:
                data = handle.read(cap + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise _broken(exc) from exc
        if len(data) > cap:
            raise PayloadTooLarge(f"The archive member {name!r} is too large.")
        return data

    def unlock(self, passphrase: str) -> Keys:
        """Derive the keys, check the passphrase, then the manifest's MAC and member list."""
        kdf = self.manifest.get("kdf")
        try:
            if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
                raise ValueError("kdf")
            salt = bytes.fromhex(kdf["salt"])
            n, r, p = (int(kdf[k]) for k in ("n", "r", "p"))
        except (KeyError, ValueError, TypeError):
            raise InvalidInput("The archive's key-derivation parameters are malformed.") from None
        keys = derive_keys(passphrase, salt, n, r, p)
        check = self.manifest.get("passphrase_check")
        if not isinstance(check, str) or not hmac.compare_digest(check, _check_value(keys)):
            raise InvalidInput("The passphrase does not open this archive.")
        mac = self.manifest.get("mac")
        expected = hmac.new(keys.mac_key, _canonical(self.manifest), "sha256").hexdigest()
        if not isinstance(mac, str) or not hmac.compare_digest(mac, expected):
            raise InvalidInput("The archive's manifest was altered: its MAC does not match.")
        members = self.manifest.get("members")
        if not isinstance(members, dict):
            raise InvalidInput("The archive's manifest lists no members.")
        listed, present = set(members), set(self._infos) - {MANIFEST}
        if listed != present:
            extra = sorted(present - listed) or sorted(listed - present)
            raise InvalidInput(
                f"The archive's members do not match its manifest ({extra[0]!r} is "
                + ("not listed)." if present - listed else "missing).")
            )
        for name, entry in members.items():
            if not isinstance(entry, dict) or entry.get("size") != self._infos[name].file_size:
                raise InvalidInput(f"The archive member {name!r} does not have its listed size.")
        return keys

    def names(self, prefix: str = "") -> list[str]:
        """Member names under ``prefix``, sorted."""
        return sorted(n for n in self._infos if n.startswith(prefix) and n != MANIFEST)

    def verify_all(self) -> None:
        """Read every member once and compare it with its listed SHA-256."""
        for name in self.names():
            self._stream(name, lambda _chunk: None)

    def _stream(self, name: str, sink: Any) -> None:
        entry = self.manifest["members"][name]
        digest, seen = hashlib.sha256(), 0
        try:
            with self._zip.open(self._infos[name]) as handle:
                while chunk := handle.read(_CHUNK):
                    seen += len(chunk)
                    if seen > entry["size"]:
                        raise PayloadTooLarge(f"The archive member {name!r} is larger than listed.")
                    digest.update(chunk)
                    sink(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise _broken(exc) from exc
        if seen != entry["size"] or not hmac.compare_digest(
            digest.hexdigest(), str(entry.get("sha256"))
        ):
            raise InvalidInput(f"The archive member {name!r} was altered (SHA-256 mismatch).")

    def read(self, name: str) -> bytes:
        """A whole member, checked against its hash."""
        buffer = io.BytesIO()
        self._stream(name, buffer.write)
        return buffer.getvalue()

    def lines(self, name: str) -> Iterator[dict[str, Any]]:
        """The objects of a JSON Lines member (call after `verify_all`)."""
        try:
            with self._zip.open(self._infos[name]) as handle:
                reader = io.BufferedReader(handle)  # type: ignore[type-var]
                number = 0
                while line := reader.readline(self.limits.line_bytes + 1):
                    number += 1
                    if len(line) > self.limits.line_bytes or not line.endswith(b"\n"):
                        raise PayloadTooLarge(f"{name} line {number} is too long or cut off.")
                    yield _object(line, name, number)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise _broken(exc) from exc


def _reject_constant(value: str) -> Any:
    raise ValueError(value)


def _object(line: bytes, name: str, number: int) -> dict[str, Any]:
    try:
        value = json.loads(line, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise InvalidInput(f"{name} line {number} is not valid JSON.") from None
    if not isinstance(value, dict):
        raise InvalidInput(f"{name} line {number} is not a JSON object.")
    return value
