"""The PDF certificate renderer on its own: the same bytes for the same input, names outside
Latin-1 printed (and a script its font lacks refused with a clear message), no name invented
for a holder known only by a hash, and documents without what a certificate needs refused."""

from __future__ import annotations

import copy
import hashlib
import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from tests.certificate_pdf import (
    PAGE_POINTS,
    attachments,
    page_points,
    qr_texts,
    rasterise,
    text_of,
)

from microcred.credentials.certificate import (
    CertificateFields,
    CertificateUnavailable,
    Paper,
    render_certificate,
)

URL = "https://issuer.test/credentials/urn-uuid-1"


def document(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": URL,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:key:z6Mkexample", "type": ["Profile"], "name": "Åbo Akademi"},
        "validFrom": "2026-03-09T10:00:00Z",
        "awardedDate": "2026-03-09T10:00:00Z",
        "validUntil": "2028-03-09T10:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityHash": "sha256$ab", "salt": "s"}],
            "achievement": {
                "name": "Safe Lifting Ünits",
                "alignment": [{"targetName": f"skill {i}"} for i in range(15)],
            },
        },
    }
    doc.update(changes)
    return doc


def test_same_input_same_bytes_and_different_paper_different_bytes() -> None:
    fields = CertificateFields(URL, "Zoë Ågren")
    a = render_certificate(document(), fields, Paper.A4)
    assert render_certificate(copy.deepcopy(document()), fields, Paper.A4) == a
    assert (
        hashlib.sha256(a).digest()
        == hashlib.sha256(render_certificate(document(), fields)).digest()
    )
    letter = render_certificate(document(), fields, Paper.LETTER)
    assert letter != a
    assert page_points(a) == PAGE_POINTS["a4"] and page_points(letter) == PAGE_POINTS["letter"]
    info = pypdf.PdfReader(io.BytesIO(a)).metadata
    assert info is not None  # the dates are the issue date, not the clock
    assert info.creation_date == info.modification_date == datetime(2026, 3, 9, 10, tzinfo=UTC)


def test_names_outside_latin_1_print(tmp_path: Path) -> None:
    pdf = render_certificate(document(), CertificateFields(URL, "Zoë Ågren"), Paper.A4)
    words = text_of(pdf, tmp_path)
    assert "awarded to Zoë Ågren" in words
    assert "Åbo Akademi" in words and "Safe Lifting Ünits" in words
    assert "Issued 9 March 2026 · valid until 9 March 2028" in words
    assert "skill 11 · and 3 more" in words and "skill 12" not in words
    cyrillic = render_certificate(document(), CertificateFields(URL, "Зоя Агрен"))
    assert "Зоя Агрен" in text_of(cyrillic, tmp_path)
    assert qr_texts(rasterise(pdf, tmp_path)) == [URL]


def test_a_script_the_font_lacks_is_refused_clearly() -> None:
    with pytest.raises(CertificateUnavailable) as caught:
        render_certificate(document(), CertificateFields(URL, "山田太郎"))
    message = caught.value.explain()
    assert "recipient's name" in message and "山 (U+5C71)" in message
    assert "Download the credential or its badge instead" in message
    cjk_title = document()
    cjk_title["credentialSubject"]["achievement"]["name"] = "安全な持ち上げ"
    with pytest.raises(CertificateUnavailable, match="achievement name"):
        render_certificate(cjk_title, CertificateFields(URL))


def test_a_holder_known_by_a_hash_is_not_named(tmp_path: Path) -> None:
    words = text_of(render_certificate(document(), CertificateFields(URL)), tmp_path)
    assert "Issued to the holder of this credential" in words
    assert "awarded to" not in words and "sha256$ab" not in words


def test_status_banners_and_the_attachment(tmp_path: Path) -> None:
    doc = document()
    suspended = render_certificate(doc, CertificateFields(URL, status="suspended"))
    assert "SUSPENDED" in text_of(suspended, tmp_path)
    (attached,) = attachments(suspended)
    assert attached.name == "credential.json" and attached.mime_type == "application/vc+ld+json"
    assert json.loads(attached.data) == doc
    jwt = render_certificate(doc, CertificateFields(URL), jwt="eyJh.eyJi.c2ln")
    (token,) = attachments(jwt)
    assert (token.name, token.data, token.mime_type) == (
        "credential.jwt",
        b"eyJh.eyJi.c2ln",
        "application/vc+jwt",
    )


@pytest.mark.parametrize(
    "broken",
    [
        {"credentialSubject": "not an object"},
        {"awardedDate": "yesterday", "validFrom": None},
        {"issuer": 7},
    ],
)
def test_documents_without_what_a_certificate_needs_are_refused(broken: dict[str, Any]) -> None:
    with pytest.raises(CertificateUnavailable, match="no achievement name, issuer or issue date"):
        render_certificate(document(**broken), CertificateFields(URL))


def test_long_text_wraps_and_shrinks_above_the_qr_code(tmp_path: Path) -> None:
    doc = document()
    doc["credentialSubject"]["achievement"]["name"] = "Very long achievement name " * 20
    pdf = render_certificate(doc, CertificateFields(URL, "Zoë " * 100))
    words = text_of(pdf, tmp_path)
    assert words.count("Very long achievement name") == 5 and "…" in words
    assert "Zoë Zoë Zoë" in words
    assert qr_texts(rasterise(pdf, tmp_path)) == [URL]


@pytest.mark.parametrize("paper", list(Paper))
def test_the_longest_texts_still_fit_one_page(paper: Paper, tmp_path: Path) -> None:
    doc = document()
    doc["issuer"]["name"] = "W" * 300
    doc["credentialSubject"]["achievement"]["name"] = "W" * 300
    doc["credentialSubject"]["achievement"]["alignment"] = [
        {"targetName": "W" * 100} for _ in range(40)
    ]
    pdf = render_certificate(doc, CertificateFields(URL, "W" * 300, status="revoked"), paper)
    assert qr_texts(rasterise(pdf, tmp_path)) == [URL]
    assert "REVOKED" in text_of(pdf, tmp_path)


def test_renders_in_parallel_threads_match_renders_one_by_one() -> None:
    """The server renders in its thread pool; ReportLab's font registry is process-wide."""
    inputs = [
        (CertificateFields(f"{URL}-{i}", f"Zoë {i}", "revoked" if i % 2 else None), paper)
        for i, paper in enumerate([Paper.A4, Paper.LETTER] * 6)
    ]
    one_by_one = [render_certificate(document(), f, p) for f, p in inputs]
    with ThreadPoolExecutor(6) as pool:
        parallel = list(pool.map(lambda a: render_certificate(document(), *a), inputs))
    assert parallel == one_by_one
    assert len(set(one_by_one)) == len(inputs)
