"""What anyone may read of the transparency log (C2SP tlog-tiles, tlog-policy, tlog-proof) and
what an organisation's key holders see of its health: size, checkpoint, witnesses, anchors."""

from __future__ import annotations

from base64 import b64decode
from binascii import Error as Base64Error
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from microcred.domain.identity import Permission, Principal
from microcred.errors import NotFound
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.ledger.service import (
    LogKeys,
    NotYetLogged,
    latest_note,
    log_policy,
    tlog_proof,
)
from microcred.services.ledger.witnessing import WitnessEndpoint
from microcred.transparency.cosignature import cosignature_timestamp
from microcred.transparency.note import MalformedNote
from microcred.transparency.tiles import TILE_WIDTH, encode_entry_bundle, parse_tile_path, tile_at


@dataclass(frozen=True, slots=True)
class Tile:
    """A hash tile or entry bundle; a partial one may still grow, a full one never changes."""

    body: bytes
    partial: bool


@dataclass(frozen=True, slots=True)
class WitnessStatus:
    """What the log knows of one configured witness."""

    name: str
    url: str
    size: int | None
    cosigned_at: datetime | None


@dataclass(frozen=True, slots=True)
class LogHealth:
    """The log as its operators watch it."""

    size: int
    checkpoint: str | None
    quorum: int
    witnesses: list[WitnessStatus]
    anchors: list[tuple[int, int, str, int | None, int | None]]


def cosigned_at(line: str) -> datetime | None:
    """The time inside a cosignature/v1 line (``— name base64``), or None if it has none."""
    try:
        raw = b64decode(line.strip().rsplit(" ", 1)[-1], validate=True)
        return datetime.fromtimestamp(cosignature_timestamp(raw[4:]), UTC)
    except (Base64Error, ValueError, MalformedNote, OverflowError, OSError):
        return None


class PublicLog:
    """Reads of the log for the web and the CLI, so neither reaches into storage."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        keys: LogKeys,
        endpoints: Sequence[WitnessEndpoint],
        quorum: int,
        log_url: str,
    ) -> None:
        self._uow = uow
        self._keys = keys
        self._endpoints = list(endpoints)  # in configured order: the policy numbers them so
        self._quorum = quorum
        self._log_url = log_url

    def checkpoint(self) -> str:
        """The latest checkpoint, with every cosignature it has."""
        with self._uow() as uow:
            return latest_note(uow, 0)

    def tile(self, path: str) -> Tile:
        """A tile by its tlog-tiles path below ``tile/`` (``NotFound`` beyond the tree)."""
        requested = parse_tile_path("tile/" + path)
        with self._uow() as uow:
            latest = uow.ledger.latest_checkpoint()
            available = tile_at(requested.level, requested.index, latest[0] if latest else 0)
            if available is None or available.width < requested.width:
                raise NotFound("That tile does not exist (yet).")
            first = requested.index * TILE_WIDTH
            last = first + requested.width
            if requested.is_entries:
                body = encode_entry_bundle(uow.ledger.entries(first, last))
            else:
                body = b"".join(uow.ledger.nodes(requested.tree_level, first, last))
        return Tile(body, requested.is_partial)

    def policy(self) -> str:
        """A C2SP tlog-policy: the log's key, its witnesses and the quorum it asks for."""
        with self._uow() as uow:
            verifier = self._keys.verifier(uow)
        if verifier is None:
            raise NotFound("The log has no key yet (nothing has been logged).")
        witnesses = [(e.verifier.vkey, e.url) for e in self._endpoints]
        return log_policy(verifier.vkey, self._log_url, witnesses, self._quorum)

    def credential_proof(self, credential_id: str) -> str:
        """The tlog-proof of a credential's issuance, against a quorum-cosigned checkpoint."""
        with self._uow() as uow:
            if uow.public.credential(credential_id) is None:
                raise NotFound("No such credential.")
            return tlog_proof(uow, credential_id, self._quorum).format()

    def credential_proofs(self, credential_ids: Sequence[str]) -> Iterator[tuple[str, str | None]]:
        """Each credential's tlog-proof (None when it has none yet), read in one unit of work
        (a static export asks for thousands)."""
        with self._uow() as uow:
            for credential_id in credential_ids:
                try:
                    yield credential_id, tlog_proof(uow, credential_id, self._quorum).format()
                except (NotFound, NotYetLogged):
                    yield credential_id, None

    def health(self, principal: Principal) -> LogHealth:
        """Size, checkpoint, each witness's latest cosignature and its age, anchor receipts."""
        principal.require(Permission.MANAGE_KEYS)
        with self._uow() as uow:
            latest = uow.ledger.latest_checkpoint()
            witnesses = []
            for endpoint in sorted(self._endpoints, key=lambda e: e.name):
                size = uow.ledger.witness_size(endpoint.name)
                lines = dict(uow.ledger.cosignatures(size)) if size else {}
                line = lines.get(endpoint.name)
                at = cosigned_at(line) if line is not None else None
                witnesses.append(WitnessStatus(endpoint.name, endpoint.url, size, at))
            anchors = uow.ledger.anchors()
        size, checkpoint = (latest[0], latest[2]) if latest else (0, None)
        return LogHealth(size, checkpoint, self._quorum, witnesses, anchors)
