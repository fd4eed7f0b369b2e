"""``microcred import``: an archive into a fresh, empty instance, all or nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from microcred.crypto.sealing import Sealer
from microcred.errors import Conflict, InvalidInput
from microcred.ports import PortableStore, Row
from microcred.ports.learning import BlobStore
from microcred.services.portability.archive import ArchiveReader, Limits
from microcred.services.portability.sealed import reseal

_BLOB = re.compile(r"^blobs/[0-9a-f]{64}$")
_BATCH = 500


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import wrote."""

    organisations: list[str]
    counts: Mapping[str, int]
    blobs: int


class OrganisationImport:
    """Checks an archive completely, then writes it in one transaction."""

    def __init__(
        self, store: PortableStore, blobs: BlobStore, sealer: Sealer, public_base_url: str
    ) -> None:
        self._store = store
        self._blobs = blobs
        self._sealer = sealer
        self._base = public_base_url

    def run(
        self, source: IO[bytes], size: int, passphrase: str, limits: Limits | None = None
    ) -> ImportSummary:
        """Import; `InvalidInput` or `Conflict` with nothing written on any problem."""
        reader = ArchiveReader(source, size, limits)
        keys = reader.unlock(passphrase)
        manifest = reader.manifest
        if manifest.get("public_base_url") != self._base:
            raise InvalidInput(
                f"The archive was made at {manifest.get('public_base_url')!r} but this instance "
                f"serves {self._base!r}: credential ids name their base URL, so they would not "
                "verify here.",
                hint="Set MICROCRED_PUBLIC_BASE_URL to the archive's base URL.",
            )
        kinds = list(self._store.kinds())
        data = {f"data/{k}.jsonl": k for k in kinds}
        for name in reader.names():
            if name not in data and not _BLOB.match(name) and not name.startswith("public/"):
                raise InvalidInput(f"The archive holds {name!r}, which this version does not know.")
        occupied = self._store.occupied()
        if occupied:
            raise Conflict(
                f"This instance is not empty (it has {', '.join(occupied[:3])}); an archive is "
                "imported only into a fresh instance.",
                hint="Point MICROCRED_DATABASE_URL at a new database and run `microcred db "
                "upgrade` first.",
            )
        reader.verify_all()  # every member against its SHA-256 before anything is written
        orgs = manifest.get("organisations")
        if not isinstance(orgs, list) or not all(isinstance(o, dict) for o in orgs):
            raise InvalidInput("The archive's manifest lists no organisations.")
        org_ids = {str(o.get("id")) for o in orgs}
        blob_names = reader.names("blobs/")
        for name in blob_names:
            if manifest["members"][name].get("sha256") != name.removeprefix("blobs/"):
                raise InvalidInput(f"The evidence file {name!r} does not match its name.")
        opener = Sealer([keys.seal_secret])

        def batches() -> Iterator[tuple[str, Sequence[Row]]]:
            for name, kind in data.items():
                if name not in manifest["members"]:
                    continue
                listed = manifest["members"][name].get("records")
                batch: list[Row] = []
                seen = 0
                for row in reader.lines(name):
                    seen += 1
                    owner = row.get("id") if kind == "organisations" else row.get("organisation_id")
                    if (kind == "organisations" or "organisation_id" in row) and (
                        str(owner) not in org_ids
                    ):
                        raise InvalidInput(f"{name} line {seen} belongs to another organisation.")
                    batch.append(reseal(kind, row, opener, self._sealer))
                    if len(batch) >= _BATCH:
                        yield kind, batch
                        batch = []
                if listed != seen:
                    raise InvalidInput(
                        f"{name} holds {seen} records but its manifest lists {listed}."
                    )
                yield kind, batch

        # evidence files are content-addressed: until the records naming them are committed
        # they are unreachable, so a failed load leaves nothing anyone can see
        for name in blob_names:
            self._blobs.put(reader.read(name))
        counts = self._store.load(batches())
        return ImportSummary(sorted(str(o.get("slug")) for o in orgs), counts, len(blob_names))
