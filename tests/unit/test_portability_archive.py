"""The export archive format on hostile input: zip-slip names, links, duplicates, zip bombs,
unknown format versions, a manifest rewritten without the passphrase, members not listed."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from microcred.errors import InvalidInput, PayloadTooLarge
from microcred.services.portability import ArchiveReader, ArchiveWriter, Limits, check_name
from microcred.services.portability.archive import derive_keys, new_kdf

PASS = "a passphrase long enough"
SALT = b"0123456789abcdef"


def _archive() -> bytes:
    kdf = new_kdf(SALT)
    keys = derive_keys(PASS, SALT, kdf["n"], kdf["r"], kdf["p"])
    out = io.BytesIO()
    writer = ArchiveWriter(out, keys, kdf)
    writer.write_lines("data/achievements.jsonl", [{"id": "a"}, {"id": "b"}])
    writer.write_bytes("blobs/" + "0" * 64, b"x")
    writer.finish({"organisations": []})
    return out.getvalue()


def _open(data: bytes, limits: Limits | None = None) -> ArchiveReader:
    return ArchiveReader(io.BytesIO(data), len(data), limits)


def _rezip(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            for name, body in change(info.filename, src.read(info)):
                dst.writestr(name, body)
    return out.getvalue()


def test_a_good_archive_opens_and_reads_back() -> None:
    reader = _open(_archive())
    reader.unlock(PASS)
    reader.verify_all()
    assert list(reader.lines("data/achievements.jsonl")) == [{"id": "a"}, {"id": "b"}]


@pytest.mark.parametrize(
    "name", ["../evil", "/etc/passwd", "a/../../b", "a\\b", "C:/x", "a//b", "", "./a"]
)
def test_unsafe_member_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput, match="unsafe name"):
        check_name(name)


def test_a_zip_slip_member_is_refused_on_opening() -> None:
    evil = _rezip(
        _archive(),
        lambda n, b: [(n, b)] + ([("../../outside", b"x")] if n == "manifest.json" else []),
    )
    with pytest.raises(InvalidInput, match="unsafe name"):
        _open(evil)


def test_a_zip_bomb_is_refused_before_it_is_read() -> None:
    bomb = _rezip(
        _archive(),
        lambda n, b: (
            [(n, b)] + ([("blobs/" + "1" * 64, b"\0" * (8 << 20))] if n == "manifest.json" else [])
        ),
    )
    with pytest.raises(PayloadTooLarge, match="expands too much"):
        _open(bomb)
    with pytest.raises(PayloadTooLarge, match="too large"):
        _open(_archive(), Limits(member_bytes=10))


def test_an_unknown_format_version_is_refused() -> None:
    def bump(name: str, body: bytes) -> list[tuple[str, bytes]]:
        if name == "manifest.json":
            body = json.dumps({**json.loads(body), "version": 99}).encode()
        return [(name, body)]

    with pytest.raises(InvalidInput, match="version 99"):
        _open(_rezip(_archive(), bump))


def test_a_rewritten_manifest_and_unlisted_members_are_refused() -> None:
    def relist(name: str, body: bytes) -> list[tuple[str, bytes]]:
        if name == "manifest.json":
            manifest = json.loads(body)
            manifest["members"]["data/achievements.jsonl"]["records"] = 5
            body = json.dumps(manifest).encode()
        return [(name, body)]

    with pytest.raises(InvalidInput, match="MAC"):
        _open(_rezip(_archive(), relist)).unlock(PASS)
    extra = _rezip(
        _archive(),
        lambda n, b: [(n, b)] + ([("data/users.jsonl", b"{}\n")] if n == "manifest.json" else []),
    )
    with pytest.raises(InvalidInput, match="not listed"):
        _open(extra).unlock(PASS)
    with pytest.raises(InvalidInput, match="passphrase"):
        _open(_archive()).unlock("not the passphrase")


def test_garbage_and_truncation_are_clear_errors() -> None:
    with pytest.raises(InvalidInput, match="not a zip"):
        _open(b"PK\x03\x04 this is not really a zip")
    data = _archive()
    with pytest.raises(InvalidInput):
        _open(data[:-30])
