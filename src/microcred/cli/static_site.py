"""``microcred export --static DIR``: the public part as plain files (docs/export.md).

The data files come from `StaticSite`; the HTML pages are rendered by the server's own routes
and templates, in process (no socket), as a stranger's browser would get them. Everything is
written into a fresh folder beside DIR and renamed onto DIR at the end, so DIR is either
untouched or complete."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from html import escape
from importlib import resources
from pathlib import Path

from fastapi.testclient import TestClient

from microcred import __version__
from microcred.bootstrap import Container
from microcred.errors import InvalidInput
from microcred.services.portability import HTML, StaticFile, StaticSummary, digest
from microcred.web.api.app import create_app

#: copied from the package so the pages keep their look
_ASSETS = ("style.css", "skills.css", "time.js")

README = """# A static copy of {base}

Made by microcred {version} at {created}. Every file sits at the URL path the microcred
server served it at, so serving this folder at {base} keeps every credential in it
verifiable after microcred is switched off.

## Hosting

Serve this folder as the web root of {base} (the same scheme, host, port and path: the
credentials, status lists and DIDs name these URLs). Any static host works; set these
content types, which extensionless paths cannot tell it:

| path | content type |
|---|---|
| `credentials/<id>` | `application/vc+ld+json` (or `application/vc+jwt` for `.jwt` twins) |
| `credentials/<id>.json`, `status/<id>` | `application/json` |
| `credentials/<id>.tlog-proof`, `log/checkpoint`, `log/policy` | `text/plain; charset=utf-8` |
| `log/tile/...` | `application/octet-stream` |
| `orgs/<slug>/did.json` | `application/did+json` (`application/json` works) |
| `.../index.html` | `text/html` (folder URLs: `/orgs/<slug>` redirects to `/orgs/<slug>/`) |

To try it: `python -m http.server PORT --directory .` (it serves extensionless files as
`application/octet-stream`, which microcred's verifier and `microcred log monitor` accept).
Every file and its SHA-256 is listed in `index.json`.

## What changed from the live server

- Status lists were re-signed at export time, valid for {status_days} days; they cannot
  change any more, so a credential revoked after the export is not revoked here.
- A credential's tlog-proof is at `credentials/<id>.tlog-proof` (beside the credential,
  as `microcred vc verify --policy` looks for it), not `credentials/<id>/tlog-proof`: a
  static host cannot serve a file and a folder under one name.
- Private credentials are not here; neither is anything that needs signing in.
"""


def check_target(target: Path) -> None:
    """DIR must be new or an empty folder whose parent we can write."""
    if target.exists() and not target.is_dir():
        raise InvalidInput(f"{target} exists and is not a folder; choose a new or empty folder.")
    if target.is_dir() and any(target.iterdir()):
        raise InvalidInput(f"{target} is not empty; choose a new or empty folder.")
    parent = target.resolve().parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidInput(f"{parent} cannot be written to; choose a folder you can write.")


def _place(root: Path, item: StaticFile) -> None:
    path = root / item.path
    if root.resolve() not in path.resolve().parents:  # ids are ours, but never trust a path
        raise InvalidInput(f"Refusing to write outside the folder: {item.path!r}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(item.body)


def write_static(
    c: Container,
    target: Path,
    organisation_ids: Sequence[str] | None,
    status_days: int,
) -> StaticSummary:
    """Write the site into ``target`` (new or empty), all or nothing."""
    check_target(target)
    summary = StaticSummary()
    work = Path(tempfile.mkdtemp(dir=target.resolve().parent, prefix=".static-"))
    listed: list[dict[str, object]] = []
    try:

        def put(item: StaticFile) -> None:
            _place(work, item)
            summary.files += 1
            summary.bytes += len(item.body)
            listed.append({"path": item.path, "type": item.media_type, "sha256": digest(item.body)})

        for item in c.static_site.files(summary, organisation_ids, status_days):
            put(item)
        client = TestClient(create_app(c), base_url=c.settings.public_base_url)
        for page in c.static_site.pages(organisation_ids):
            answer = client.get(page.url, headers={"accept": "text/html"})
            if answer.status_code == 200:
                summary.pages += 1
                put(StaticFile(page.path, answer.content, HTML))
        assets = resources.files("microcred.web.pages").joinpath("static")
        for name in _ASSETS:
            put(StaticFile(f"static/{name}", assets.joinpath(name).read_bytes(), "text/css"))
        created = c.clock.now().isoformat(timespec="seconds")
        put(StaticFile("index.html", _index_html(c, listed), HTML))
        put(
            StaticFile(
                "README.md",
                README.format(
                    base=c.settings.public_base_url,
                    version=__version__,
                    created=created,
                    status_days=status_days,
                ).encode(),
                "text/markdown",
            )
        )
        index = {
            "format": "microcred-static",
            "version": 1,
            "public_base_url": c.settings.public_base_url,
            "created_at": created,
            "status_validity_days": status_days,
            "files": sorted(listed, key=lambda f: str(f["path"])),
        }
        _place(work, StaticFile("index.json", json.dumps(index, indent=1).encode(), "json"))
        summary.files += 1
        work.chmod(0o755)
        if target.is_dir():
            target.rmdir()  # empty (checked); replaced by the finished folder
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return summary


def _index_html(c: Container, listed: list[dict[str, object]]) -> bytes:
    orgs = sorted(str(f["path"]) for f in listed if str(f["path"]).endswith("/index.html"))
    creds = sorted(
        str(f["path"])
        for f in listed
        if str(f["path"]).startswith("credentials/") and "." not in str(f["path"])
    )
    items = "".join(
        f'<li><a href="/{escape(p.removesuffix("index.html"))}">'
        f"{escape(p.removesuffix('/index.html'))}</a></li>"
        for p in orgs
    )
    cred_items = "".join(f'<li><a href="/{escape(p)}.json">{escape(p)}</a></li>' for p in creds)
    base = escape(c.settings.public_base_url)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>Static copy of {base}</title><link rel="stylesheet" href="/static/style.css">'
        f"</head><body><main><h1>Static copy of {base}</h1>"
        "<p>Credentials, status lists, DID documents and the transparency log "
        '(<a href="/log/checkpoint">checkpoint</a>, <a href="/log/policy">policy</a>) as '
        'plain files. <a href="/README.md">How to host it</a>, '
        '<a href="/index.json">every file with its SHA-256</a>.</p>'
        f"<h2>Organisations and micro-credentials</h2><ul>{items}</ul>"
        f"<h2>Credentials</h2><ul>{cred_items}</ul></main></body></html>"
    ).encode()
