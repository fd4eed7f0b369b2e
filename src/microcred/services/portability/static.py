"""``microcred export --static DIR``: the public part of an instance as plain files at the URL
paths the server serves, so any static web host keeps credentials verifiable after microcred is
switched off (docs/export.md, "Static export").

What is written: every public credential (the signed JSON at its id, ``/credentials/<id>``,
with its C2SP tlog-proof beside it), every status list (re-signed with a long validity window:
the list can no longer change), each organisation's DID document (``/orgs/<slug>/did.json``),
the transparency log's checkpoint, policy and every tile of the latest tree (C2SP tlog-tiles),
and the HTML pages of organisations and achievements, rendered by the server's own templates
(the boundary supplies them). Private credentials stay out.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from microcred.domain.credential import IssuedCredential
from microcred.domain.identity import Organisation
from microcred.errors import InvalidInput, NotFound
from microcred.ports.clock import Clock
from microcred.ports.credentials import StatusListRecord
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.credentials import IssuerKeys, PublicDocuments, StatusLists
from microcred.services.ledger import PublicLog
from microcred.services.urls import PublicUrls
from microcred.transparency import ENTRIES, TILE_WIDTH, Tile, tile_counts

JSON = "application/json"
VC_JSON = "application/vc+ld+json"
DID_JSON = "application/did+json"
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
OCTETS = "application/octet-stream"
#: the issuers' DIDs in the DCC's "dcc-legacy" registry format (docs/wallets.md)
REGISTRY_PATH = "registry/dcc-legacy.json"
#: a static copy's status lists are valid this long by default (the copy cannot change them)
DEFAULT_STATUS_DAYS = 3650


@dataclass(frozen=True, slots=True)
class StaticFile:
    """One file of the site: its URL path (no leading slash), bytes and media type."""

    path: str
    body: bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class PageRequest:
    """An HTML page the boundary renders with the server's templates: ``url`` is the path the
    server answers, ``path`` where its file goes (``…/index.html``: a folder URL)."""

    url: str
    path: str


#: renders one page's URL path to HTML bytes (the web layer's templates)
PageRenderer = Callable[[str], bytes]


@dataclass(slots=True)
class StaticSummary:
    """What a static export wrote."""

    files: int = 0
    bytes: int = 0
    credentials: int = 0
    skipped_private: int = 0
    status_lists: int = 0
    tiles: int = 0
    pages: int = 0
    log_size: int = 0


def tile_paths(size: int) -> list[str]:
    """Every C2SP tlog-tiles path (below ``tile/``) a client of a tree of ``size`` reads: full
    tiles at every level, the partial ones, and the entry bundles."""
    paths: list[str] = []
    for level, full, width in tile_counts(size):
        tiles = [Tile(level, index, TILE_WIDTH) for index in range(full)]
        if width:
            tiles.append(Tile(level, full, width))
        paths += [t.path.removeprefix("tile/") for t in tiles]
        if level == 0:
            bundles = [Tile(ENTRIES, t.index, t.width) for t in tiles]
            paths += [t.path.removeprefix("tile/") for t in bundles]
    return paths


class StaticSite:
    """Produces the files of the static site; the boundary writes them."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        public: PublicDocuments,
        public_log: PublicLog,
        keys: IssuerKeys,
        urls: PublicUrls,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._public = public
        self._log = public_log
        self._keys = keys
        self._urls = urls
        self._clock = clock

    def pages(self, organisation_ids: Sequence[str] | None = None) -> list[PageRequest]:
        """The organisation and achievement pages to render."""
        found: list[PageRequest] = []
        with self._uow() as uow:
            for org in uow.organisations.list():
                if organisation_ids is not None and org.id not in organisation_ids:
                    continue
                base = f"orgs/{org.slug}"
                found.append(PageRequest(f"/{base}", f"{base}/index.html"))
                scope = uow.tenant(org.id)
                offset = 0
                while batch := scope.achievements.list(offset=offset, limit=200):
                    for a in batch:
                        url = f"/{base}/achievements/{a.id}"
                        found.append(PageRequest(url, f"{url[1:]}/index.html"))
                    offset += len(batch)
        return found

    def files(
        self,
        summary: StaticSummary,
        organisation_ids: Sequence[str] | None = None,
        status_days: int = DEFAULT_STATUS_DAYS,
    ) -> Iterator[StaticFile]:
        """Every data file of the site (credentials, status lists, DID documents, the log)."""
        if not 1 <= status_days <= 36500:
            raise InvalidInput("The status lists' validity must be between 1 and 36500 days.")
        with self._uow() as uow:
            orgs = {
                o.id: o
                for o in uow.organisations.list()
                if organisation_ids is None or o.id in organisation_ids
            }
            credentials = [c for c in uow.public.all_credentials() if c.organisation_id in orgs]
            lists = [s for s in uow.public.all_status_lists() if s.organisation_id in orgs]
            latest = uow.ledger.latest_checkpoint()
        for org in orgs.values():
            yield StaticFile(
                f"orgs/{org.slug}/did.json",
                _json(self._public.did_document(org.slug)),
                DID_JSON,
            )
        yield from self._status_lists(lists, status_days, summary)
        yield StaticFile(REGISTRY_PATH, _json(dcc_registry(orgs.values(), credentials)), JSON)
        public = [c for c in credentials if not c.private]
        summary.skipped_private += len(credentials) - len(public)
        for credential in public:
            summary.credentials += 1
            body = credential.jwt.encode() if credential.jwt else _json(credential.document)
            kind = "application/vc+jwt" if credential.jwt else VC_JSON
            yield StaticFile(f"credentials/{credential.id}", body, kind)
            yield StaticFile(
                f"credentials/{credential.id}.{'jwt' if credential.jwt else 'json'}", body, kind
            )
        # None: not sequenced yet, or no cosigned checkpoint covers it
        for credential_id, proof in self._log.credential_proofs([c.id for c in public]):
            if proof is not None:
                yield StaticFile(f"credentials/{credential_id}.tlog-proof", proof.encode(), TEXT)
        if latest is None:
            return
        summary.log_size = latest[0]
        yield StaticFile("log/checkpoint", self._log.checkpoint().encode(), TEXT)
        with contextlib.suppress(NotFound):  # no log key yet
            policy = self._log.policy()
            yield StaticFile("log/policy", policy.encode(), TEXT)
        for path in tile_paths(latest[0]):
            summary.tiles += 1
            yield StaticFile(f"log/tile/{path}", self._log.tile(path).body, OCTETS)

    def _status_lists(
        self, lists: Sequence[StatusListRecord], status_days: int, summary: StaticSummary
    ) -> Iterator[StaticFile]:
        # the size only matters for allocating indices, which a static copy never does
        signing = StatusLists(self._urls, 0, timedelta(days=status_days))
        now = self._clock.now()
        for record in lists:
            with self._uow() as uow:
                org = uow.organisations.get(record.organisation_id)
                if org is None:
                    continue
                signer = self._keys.signer_for(
                    uow.tenant(record.organisation_id), org, record.key_id
                )
            document = signing.sign(replace(record), signer, now).encode()
            summary.status_lists += 1
            yield StaticFile(f"status/{record.id}", document, JSON)


def dcc_registry(
    orgs: Iterable[Organisation], credentials: Iterable[IssuedCredential]
) -> dict[str, Any]:
    """Every issuer DID the organisations' public credentials name, as a registry in the
    DCC's "dcc-legacy" format (``{"registry": {did: {name, url, location}}}``), the entry an
    issuer submits to the registries wallets consult."""
    by_id = {o.id: o for o in orgs}
    registry: dict[str, dict[str, str]] = {}
    for credential in credentials:
        issuer = credential.document.get("issuer") if not credential.jwt else None
        did = issuer.get("id") if isinstance(issuer, dict) else issuer
        org = by_id.get(credential.organisation_id)
        if credential.private or org is None or not isinstance(did, str):
            continue
        if did.startswith("did:") and did not in registry:
            registry[did] = {"name": org.name, "url": org.url or "", "location": ""}
    return {"meta": {"format": "dcc-legacy", "created_by": "microcred"}, "registry": registry}


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def digest(body: bytes) -> str:
    """The SHA-256 of a file, hex (the index lists it)."""
    return hashlib.sha256(body).hexdigest()
