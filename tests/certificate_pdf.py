"""Reading a PDF certificate with tools that are not microcred's: poppler's ``pdftoppm`` and
``pdftotext`` (Debian's poppler-utils), ``pypdf`` for the attachment and the page size, and
``zxing-cpp`` for the QR code."""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pypdf
import zxingcpp
from PIL import Image

PAGE_POINTS = {"a4": (595, 842), "letter": (612, 792)}


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    mime_type: str
    description: str


def page_points(pdf: bytes) -> tuple[int, int]:
    """The first page's size in PDF points, rounded."""
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def rasterise(pdf: bytes, directory: Path, dpi: int = 150) -> Image.Image:
    """The first page as a PNG rendered by ``pdftoppm`` (which must succeed)."""
    source = directory / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(source), str(directory / "page")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return Image.open(directory / "page.png")


def qr_texts(image: Image.Image) -> list[str]:
    """Every QR code zxing-cpp finds in the image."""
    return [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def text_of(pdf: bytes, directory: Path) -> str:
    """The page's text as ``pdftotext`` extracts it, whitespace collapsed."""
    source = directory / "text.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(source), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode()
    return " ".join(out.split())


def attachments(pdf: bytes) -> list[Attachment]:
    """The PDF's embedded files, read from its name tree by pypdf."""
    root = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    found = []
    for i in range(0, len(names), 2):
        spec = names[i + 1].get_object()
        stream = spec["/EF"]["/F"].get_object()
        found.append(
            Attachment(
                str(spec["/F"]),
                stream.get_data(),
                str(stream.get("/Subtype", "")).lstrip("/"),
                str(spec.get("/Desc", "")),
            )
        )
    return found
