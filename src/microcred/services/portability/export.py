"""``microcred export``: everything organisations have, in one archive (docs/export.md)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from microcred.crypto.sealing import Sealer
from microcred.domain.identity import Permission, Principal
from microcred.errors import NotFound
from microcred.ports import PortableStore, Row
from microcred.ports.clock import Clock
from microcred.ports.learning import BlobStore
from microcred.services.portability.archive import (
    ArchiveWriter,
    check_passphrase,
    derive_keys,
    new_kdf,
)
from microcred.services.portability.sealed import reseal


@dataclass(slots=True)
class ExportSummary:
    """What an export wrote."""

    counts: dict[str, int]
    blobs: int
    missing_blobs: list[str] = field(default_factory=list)


def _blobs_of(kind: str, row: Row) -> list[str]:
    if kind == "submissions" and isinstance(row.get("parts"), list):
        return [p["blob"] for p in row["parts"] if isinstance(p, dict) and p.get("blob")]
    if kind == "code_assignments" and row.get("tests_blob"):
        return [str(row["tests_blob"])]
    return []


class OrganisationExport:
    """Writes organisations (their records, evidence files and keys, re-sealed under a
    passphrase) and the instance's whole transparency log into an archive."""

    def __init__(
        self,
        store: PortableStore,
        blobs: BlobStore,
        sealer: Sealer,
        clock: Clock,
        public_base_url: str,
        log_origin: str,
    ) -> None:
        self._store = store
        self._blobs = blobs
        self._sealer = sealer
        self._clock = clock
        self._base = public_base_url
        self._origin = log_origin

    def export_own(self, principal: Principal, target: IO[bytes], passphrase: str) -> ExportSummary:
        """The caller's organisation (admins only)."""
        principal.require(Permission.MANAGE_ORGANISATION)
        return self.write(target, passphrase, [principal.organisation_id])

    def write(
        self,
        target: IO[bytes],
        passphrase: str,
        organisation_ids: Sequence[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> ExportSummary:
        """Write the archive to ``target`` (None: every organisation of the instance);
        ``progress(kinds written, kinds in all)`` after each kind of record."""
        check_passphrase(passphrase)
        salt = os.urandom(16)
        kdf = new_kdf(salt)
        keys = derive_keys(passphrase, salt, kdf["n"], kdf["r"], kdf["p"])
        archive_sealer = Sealer([keys.seal_secret])
        writer = ArchiveWriter(target, keys, kdf)
        wanted: set[str] = set()
        counts: dict[str, int] = {}
        with self._store.snapshot() as snap:
            orgs = list(snap.rows("organisations", organisation_ids))
            if organisation_ids is not None and len(orgs) != len(set(organisation_ids)):
                raise NotFound("No such organisation to export.")
            ids = [str(o["id"]) for o in orgs]
            for kind in self._store.kinds():

                def rows(kind: str = kind) -> Iterator[Row]:
                    for row in snap.rows(kind, ids):
                        wanted.update(_blobs_of(kind, row))
                        yield reseal(kind, row, self._sealer, archive_sealer)

                counts[kind] = writer.write_lines(f"data/{kind}.jsonl", rows())
                if progress is not None:
                    progress(len(counts), len(self._store.kinds()))
        missing: list[str] = []
        for digest in sorted(wanted):
            try:
                writer.write_bytes(f"blobs/{digest}", self._blobs.get(digest))
            except NotFound:
                missing.append(digest)
        fields: dict[str, Any] = {
            "created_at": self._clock.now().isoformat(),
            "public_base_url": self._base,
            "log_origin": self._origin,
            "schema_revision": self._store.schema_revision(),
            "organisations": [{"id": o["id"], "slug": o["slug"], "name": o["name"]} for o in orgs],
            "counts": counts,
            "missing_blobs": missing,
        }
        writer.finish(fields)
        return ExportSummary(counts, len(wanted) - len(missing), missing)
