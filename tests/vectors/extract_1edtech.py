"""Regenerate the 1EdTech values the tests read from the OB 3.0 / CLR 2.0 implementation guides.

The guides' "Linked Data Proof" pages (1EdTech/openbadges-specification,
``ob_v3p0/impl/linked-data-proof-ob.html`` and ``linked-data-proof-clr.html``) publish a signed
credential and the SHA-256 of its canonical document and proof configuration. Those pages are
specification documents, so only the machine-readable values are kept here (see MANIFEST.md):

    python tests/vectors/extract_1edtech.py OB_PAGE CLR_PAGE

writes ``ob_v3p0/published-hashes.json``, ``clr_v2p0/published-hashes.json`` and
``clr_v2p0/signed-credential.json`` (the ``Signed credential`` example, unescaped, verbatim).
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def published_hash(page: str, anchor: str) -> str:
    """The 64-hex-digit digest in the ``<code>`` after the element with ``id=anchor``."""
    match = re.search(rf'id="{anchor}".*?<code\s*>\s*([0-9a-f]{{64}})\s*</code', page, re.S)
    if match is None:
        raise SystemExit(f"no published hash {anchor!r} on the page")
    return match.group(1)


def signed_credential(page: str) -> str:
    """The text of the page's ``Signed credential`` example."""
    match = re.search(
        r'<pre class="example json" title="Signed credential">(.*?)</pre>', page, re.S
    )
    if match is None:
        raise SystemExit("no 'Signed credential' example on the page")
    text = html.unescape(match.group(1))
    json.loads(text)  # must be JSON
    return text


def _write_hashes(folder: Path, page: str, prefix: str) -> None:
    hashes = {
        "document": published_hash(page, f"{prefix}-document-hash"),
        "proof": published_hash(page, f"{prefix}-proof-hash"),
    }
    (folder / "published-hashes.json").write_text(json.dumps(hashes, indent=2) + "\n")


def main(ob_page: Path, clr_page: Path) -> None:
    ob = ob_page.read_text(encoding="utf-8")
    clr = clr_page.read_text(encoding="utf-8")
    _write_hashes(HERE / "ob_v3p0", ob, "ob")
    _write_hashes(HERE / "clr_v2p0", clr, "clr")
    (HERE / "clr_v2p0" / "signed-credential.json").write_text(
        signed_credential(clr), encoding="utf-8"
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
