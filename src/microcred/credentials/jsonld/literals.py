"""Literals in canonical N-Quads form: strings, numbers, booleans, JSON, value objects."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from microcred.credentials.jsonld.context import ActiveContext, Term, expand_iri
from microcred.credentials.jsonld.syntax import (
    GOOD_IRI,
    MAX_DEPTH,
    RDF_JSON,
    XSD_BOOLEAN,
    XSD_DOUBLE,
    XSD_INTEGER,
    XSD_STRING,
    Path,
    at,
    check_depth,
    unsupported,
)
from microcred.crypto import jcs, rdfc
from microcred.errors import InvalidInput, JsonLdError, UndefinedTerm

_LITERAL_SPECIAL = re.compile('[\x00-\x1f\x7f"\\\\\ud800-\udfff\ufffe\uffff]')
_UNPORTABLE = re.compile("[\ud800-\udfff\ufffe\uffff]")


def string_body(value: str, path: Path) -> str:
    """The body of a string literal, escaped for N-Quads; refuses unportable characters."""
    if _LITERAL_SPECIAL.search(value) is None:
        return value
    if _UNPORTABLE.search(value) is not None:
        # Unpaired surrogates cannot be UTF-8; U+FFFE/U+FFFF are escaped by RDFC-1.0 but
        # written raw by jsonld.js (rdf-canonize), so their signatures would not verify.
        raise InvalidInput(
            f"The string {at(path)} contains an unpaired surrogate or the noncharacter "
            "U+FFFE/U+FFFF, which implementations canonicalise differently."
        )
    return rdfc.escape_literal(value)


def _double(value: float) -> str:
    """Canonical xsd:double the way JSON-LD processors write it (toExponential(15))."""
    if value == 0:
        return "0.0E0"
    exact = Decimal(value)
    sign = "-" if exact < 0 else ""
    exact = abs(exact)
    exponent = exact.adjusted()
    mantissa = exact.scaleb(-exponent).quantize(Decimal("1.000000000000000"), ROUND_HALF_UP)
    if mantissa >= 10:
        exponent += 1
        mantissa = (mantissa / 10).quantize(Decimal("1.000000000000000"), ROUND_HALF_UP)
    digits = f"{mantissa:f}".rstrip("0")
    if digits.endswith("."):
        digits += "0"
    return f"{sign}{digits}E{exponent}"


def native(value: bool | float, term: Term | None, path: Path) -> str:
    """A JSON boolean or number as a literal (JSON-LD 1.1 §8.6 Object to RDF)."""
    datatype = None
    if term is not None and term.type is not None and term.type[0] != "@":
        datatype = term.type
    if isinstance(value, bool):
        return f'"{"true" if value else "false"}"^^<{datatype or XSD_BOOLEAN}>'
    if isinstance(value, int):
        if abs(value) > 2**53:
            try:
                exact = float(value) == value
            except OverflowError:
                exact = False
            if not exact:
                raise InvalidInput(
                    f"The number {at(path)} cannot be represented exactly as a JSON number "
                    "by other implementations; write it as a string."
                )
        if abs(value) >= 10**21 or datatype == XSD_DOUBLE:
            return f'"{_double(float(value))}"^^<{datatype or XSD_DOUBLE}>'
        return f'"{value}"^^<{datatype or XSD_INTEGER}>'
    if not math.isfinite(value):
        raise InvalidInput(f"The number {at(path)} is not finite.")
    if 0 < abs(value) < 1e-6 and "." not in repr(abs(value)).split("e")[0]:
        # JavaScript writes such a number without a "." (1e-7), so jsonld.js takes it for an
        # integer and signs "0"; JSON-LD 1.1 and pyld write "1.0E-7". Refuse the ambiguity.
        raise InvalidInput(
            f"The number {at(path)} ({value!r}) is canonicalised differently by jsonld.js "
            "and by JSON-LD 1.1; write it with two significant digits or as a string."
        )
    if value.is_integer() and abs(value) < 1e21 and datatype != XSD_DOUBLE:
        return f'"{int(value)}"^^<{datatype or XSD_INTEGER}>'
    return f'"{_double(value)}"^^<{datatype or XSD_DOUBLE}>'


def ambiguous_double(path: Path) -> JsonLdError:
    """The error for a string typed xsd:double."""
    # JSON-LD 1.1 keeps such a string as it is; jsonld.js and pyld rewrite it in
    # canonical double form. Signing either would break verification by the other.
    return JsonLdError(
        f"The string {at(path)} is typed xsd:double; implementations disagree on how to "
        "canonicalise it, so it is refused. Use a JSON number instead."
    )


def json_literal(value: Any, path: Path) -> str:
    """A JSON literal (``rdf:JSON``) in canonical JCS form."""
    check_depth(value, MAX_DEPTH, path)
    try:
        text = jcs.canonicalize(value).decode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(f"The JSON {at(path)} contains an unpaired surrogate.") from exc
    return f'"{string_body(text, path)}"^^<{RDF_JSON}>'


def value_object(
    element: dict[str, Any],
    ctx: ActiveContext,
    special: dict[str, tuple[str, Any]],
    types: list[tuple[str, Any]],
    path: Path,
) -> str | None:
    """The literal a value object denotes (§7.2 Object to RDF), or None for a null @value."""
    for name in element:
        info = ctx.key(name)
        if info.keyword not in ("@value", "@type", "@language"):
            if info.keyword in ("@index", "@direction"):
                raise unsupported(info.keyword, at(path))
            raise JsonLdError(
                f"The value object {at(path)} has the member {name!r}, which a value "
                "object cannot have (invalid value object)."
            )
    value = special["@value"][1]
    language = special.get("@language", (None, None))[1]
    datatype: str | None = None
    if len(types) > 1:
        raise JsonLdError(f"The value object {at(path)} has two types.")
    if types:
        type_name, type_value = types[0]
        if not isinstance(type_value, str):
            raise JsonLdError(
                f"The @type of the value object {at(path)} must be a string (invalid typed value)."
            )
        datatype = expand_iri(ctx, type_value, vocab=True)
        if datatype != "@json" and (datatype is None or not GOOD_IRI.match(datatype)):
            raise UndefinedTerm(
                f"The datatype {type_value!r} {at((path, type_name))} is not an "
                "absolute IRI (invalid typed value)."
            )
        if language is not None:
            raise JsonLdError(
                f"The value object {at(path)} has both @type and @language (invalid value object)."
            )
    value_path = (path, special["@value"][0])
    if datatype == "@json":
        return json_literal(value, value_path)
    if value is None:
        return None
    if language is not None:
        if not isinstance(language, str):
            raise JsonLdError(
                f"@language {at(path)} must be a string (invalid language-tagged string)."
            )
        if not isinstance(value, str):
            raise JsonLdError(
                f"A language-tagged value {at(path)} must be a string "
                "(invalid language-tagged value)."
            )
        return f'"{string_body(value, value_path)}"@{language.lower()}'
    if isinstance(value, str):
        if datatype == XSD_DOUBLE:
            raise ambiguous_double(value_path)
        body = f'"{string_body(value, value_path)}"'
        if datatype is None or datatype == XSD_STRING:
            return body
        return f"{body}^^<{datatype}>"
    if isinstance(value, bool | int | float):
        term = None
        if datatype is not None:
            term = Term()
            term.type = datatype
        return native(value, term, value_path)
    raise JsonLdError(
        f"@value {at(path)} must be a string, number, boolean or null (invalid value object value)."
    )
