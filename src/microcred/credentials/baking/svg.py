"""Baked SVG badges (Open Badges 3.0 §5.3.2): an ``<openbadges:credential>`` element, in the
namespace ``https://purl.imsglobal.org/ob/v3p0``, as the first child of ``<svg>``. A JSON
credential is its content in CDATA; a VC-JWT is its ``verify`` attribute.

Every SVG is parsed with ``defusedxml`` (no DTD, no entities, nothing external). An issuer's own
image is refused outright when it could run or fetch anything: scripts, ``foreignObject``, event
handler attributes, ``javascript:`` and references outside the file."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.sax.saxutils import quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from microcred.credentials.baking.formats import BadImage
from microcred.errors import PayloadTooLarge

NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
#: the Open Badges 2.0 namespace, recognised only to say what the file is
OB2_NAMESPACE = "http://openbadges.org"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
CREDENTIAL_TAG = f"{{{NAMESPACE}}}credential"
#: the largest SVG read or written here
MAX_SVG_BYTES = 2_000_000
#: elements that run code or embed another document
_REFUSED_ELEMENTS = {"script", "foreignObject", "iframe", "object", "embed", "handler"}
#: what an href may point at inside an issuer's image: a fragment or an inline raster image
_SAFE_HREF = re.compile(r"^\s*(#|data:image/(png|jpeg|gif|webp)[;,])", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)


def looks_like_svg(data: bytes) -> bool:
    """True when the bytes look like an XML document with an ``<svg`` element near its start."""
    head = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and b"<svg" in head


def _parse(data: bytes) -> ET.Element:
    if len(data) > MAX_SVG_BYTES:
        raise PayloadTooLarge(f"That SVG is larger than {MAX_SVG_BYTES:,} bytes.")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadImage(
            "That SVG declares a DTD or entities; they are refused (they can read files or "
            "expand without bound)."
        ) from exc
    except ET.ParseError as exc:
        raise BadImage(f"That SVG is not well-formed XML ({exc}).") from exc
    if root.tag != f"{{{SVG_NS}}}svg":
        raise BadImage("That file is not an SVG image: its root element is not <svg>.")
    return root


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _is_ob2(element: ET.Element) -> bool:
    return element.tag.startswith(f"{{{OB2_NAMESPACE}}}")


_SPACES = re.compile(r"[\s\x00-\x1f]+")
#: a processing instruction other than the XML declaration
_INSTRUCTION = re.compile(rb"<\?(?!xml[\s?])", re.IGNORECASE)
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def check_svg(data: bytes) -> None:
    """Refuse an issuer's SVG that is not a plain, self-contained UTF-8 picture: a DTD or
    entities, scripts or embedded documents, event handlers, ``javascript:`` or any reference
    outside the file, another encoding, or a credential already baked into it."""
    root = _parse(data)
    declared = _ENCODING.match(data.removeprefix(b"\xef\xbb\xbf"))
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise BadImage("That SVG is not UTF-8 encoded; save it as UTF-8.")
    if _INSTRUCTION.search(data):  # e.g. <?xml-stylesheet href=…?>, which the parser skips
        raise BadImage("That SVG has a processing instruction; badge images cannot load styles.")
    for element in root.iter():
        name = _local(element.tag)
        if name in _REFUSED_ELEMENTS:
            raise BadImage(f"That SVG contains a <{name}> element; badge images cannot run code.")
        if element.tag == CREDENTIAL_TAG or _is_ob2(element):
            raise BadImage("That SVG already carries a credential; upload the plain image.")
        if name == "style" and element.text and _external_css(element.text):
            raise BadImage("That SVG's style loads something from outside the file.")
        for attribute, value in element.attrib.items():
            attr = _local(attribute).lower()
            if attr.startswith("on"):
                raise BadImage(
                    f"That SVG has an event handler ({attr}); badge images cannot run code."
                )
            if "javascript:" in _SPACES.sub("", value.lower()):
                raise BadImage("That SVG contains a javascript: address.")
            if attr in ("href", "src") and not _SAFE_HREF.match(value):
                raise BadImage(
                    "That SVG refers to something outside the file; embed everything it needs."
                )
            if _external_css(value):  # style="…", fill="url(…)", filter, mask, clip-path…
                raise BadImage("That SVG's style loads something from outside the file.")
        animated = element.get("attributeName", "").rsplit(":", 1)[-1]
        if name in ("set", "animate") and animated == "href":
            raise BadImage("That SVG animates a link; badge images cannot change where they point.")


def _external_css(css: str) -> bool:
    return "@import" in css.lower() or bool(_CSS_URL.search(css))


def extract_svg(data: bytes) -> str:
    """The credential baked into an SVG (JSON text or a compact VC-JWT). Refuses a DTD or
    entities, a missing credential and more than one."""
    root = _parse(data)
    found = [e for e in root.iter() if e.tag == CREDENTIAL_TAG]
    if len(found) > 1:
        raise BadImage(
            "That SVG has more than one openbadges:credential element; Open Badges 3.0 allows "
            "exactly one, so it cannot tell which credential the badge carries."
        )
    if not found:
        if any(_is_ob2(e) for e in root.iter()):
            raise BadImage(
                "That SVG is an Open Badges 2.0 badge; microcred verifies Open Badges 3.0 "
                "credentials (openbadges:credential)."
            )
        raise BadImage("That SVG carries no credential (no openbadges:credential element).")
    element = found[0]
    jws = element.get("verify")
    text = jws if jws is not None else "".join(element.itertext())
    if not text.strip():
        raise BadImage("That SVG's openbadges:credential element is empty.")
    return text.strip()


def _cdata(text: str) -> str:
    """Text as CDATA sections; a ``]]>`` inside the text is split across two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


_NS_DECLARED = re.compile(rb"""\sxmlns:openbadges\s*=\s*(["'])(.*?)\1""", re.DOTALL)


def _root_start(data: bytes) -> int:
    """Where the root ``<svg`` start tag begins, past the BOM, XML declaration, comments and
    processing instructions (a DTD was already refused)."""
    i = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while i < len(data) and data[i] in b" \t\r\n":
            i += 1
        for opening, closing in ((b"<?", b"?>"), (b"<!--", b"-->")):
            if data.startswith(opening, i):
                end = data.find(closing, i + len(opening))
                if end < 0:
                    raise BadImage("That SVG is not well-formed XML.")
                i = end + len(closing)
                break
        else:
            if not re.match(rb"<svg[\s>/]", data[i : i + 5]):
                raise BadImage("That SVG's root element must be written <svg> (no prefix).")
            return i


def _start_tag_end(data: bytes, start: int) -> int:
    """The index of the ``>`` closing the start tag at ``start`` (quoted values skipped)."""
    quote = 0
    for i in range(start, len(data)):
        byte = data[i]
        if quote:
            if byte == quote:
                quote = 0
        elif byte in (0x22, 0x27):
            quote = byte
        elif byte == 0x3E:
            return i
    raise BadImage("That SVG is not well-formed XML (its <svg> tag is not closed).")


def bake_svg(image: bytes, credential: str, *, jwt: bool = False, checked: bool = False) -> bytes:
    """The SVG with ``credential`` in an ``<openbadges:credential>`` element, the first child
    of ``<svg>``: JSON in CDATA, or a VC-JWT (``jwt=True``) in its ``verify`` attribute. The
    image is refused unless it passes :func:`check_svg` (``checked=True``: the caller has just
    checked it); the rest of it is kept byte for byte."""
    if not credential.strip():
        raise BadImage("There is no credential to bake.")
    if len(image) + len(credential) > MAX_SVG_BYTES:
        raise PayloadTooLarge(f"The baked SVG would be larger than {MAX_SVG_BYTES:,} bytes.")
    if not checked:
        check_svg(image)
    start = _root_start(image)
    end = _start_tag_end(image, start)
    self_closing = image[end - 1 : end] == b"/"
    tag = image[start : end - 1 if self_closing else end]
    declared = _NS_DECLARED.search(tag)
    if declared is None:
        tag += f' xmlns:openbadges="{NAMESPACE}"'.encode()
    elif declared.group(2) != NAMESPACE.encode():
        raise BadImage("That SVG uses the openbadges prefix for another namespace.")
    if jwt:
        element = f"<openbadges:credential verify={quoteattr(credential.strip())}/>"
    else:
        element = f"<openbadges:credential>{_cdata(credential)}</openbadges:credential>"
    baked = tag + b">" + element.encode("utf-8") + (b"</svg>" if self_closing else b"")
    return image[:start] + baked + image[end + 1 :]
