"""Reading a PDF certificate with tools that are not microcred's: poppler (Debian's
poppler-utils: ``pdftoppm``, ``pdftotext``, ``pdfinfo``, ``pdfdetach``), which reads the page size
and the attachment's bytes independently of pypdf (which writes the attachment; it reads only its
MIME type and description here), and ``zxing-cpp`` for the QR code."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
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


def _poppler(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "in.pdf"
        source.write_bytes(pdf)
        done = subprocess.run(
            [tool, *args, str(source)], check=True, capture_output=True, timeout=60, cwd=directory
        )
        return done.stdout.decode()


def page_points(pdf: bytes) -> tuple[int, int]:
    """The first page's size in PDF points, rounded, as ``pdfinfo`` reads it."""
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", _poppler("pdfinfo", pdf))
    assert found, "pdfinfo shows no page size"
    return round(float(found[1])), round(float(found[2]))


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
    """The PDF's embedded files: names and bytes as ``pdfdetach`` extracts them, MIME type and
    description from the name tree as pypdf reads it."""
    root = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    specs = {str(names[i]): names[i + 1].get_object() for i in range(0, len(names), 2)}
    listed = re.findall(r"^\d+: (.+)$", _poppler("pdfdetach", pdf, "-list"), re.M)
    found = []
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "in.pdf"
        source.write_bytes(pdf)
        for number, name in enumerate(listed, 1):
            target = Path(directory) / f"out-{number}"
            subprocess.run(
                ["pdfdetach", "-save", str(number), "-o", str(target), str(source)],
                check=True,
                capture_output=True,
                timeout=60,
            )
            spec = specs[name]
            found.append(
                Attachment(
                    name,
                    target.read_bytes(),
                    str(spec["/EF"]["/F"].get_object().get("/Subtype", "")).lstrip("/"),
                    str(spec.get("/Desc", "")),
                )
            )
    return found
