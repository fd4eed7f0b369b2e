"""Reading untrusted JSON: size and depth limits, clear errors, never a RecursionError."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

import numpy as np

from microcred.errors import InvalidInput, PayloadTooLarge

DEFAULT_MAX_BYTES = 1_000_000
DEFAULT_MAX_DEPTH = 64


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """True when ``value`` nests deeper than ``limit`` (checked iteratively)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in item)
    return False


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[{]}")


def nesting_depth(data: bytes) -> int:
    """The deepest bracket nesting of JSON text, found without parsing it.

    ``json.loads`` recurses in C; with a raised recursion limit (some libraries raise it to
    100,000) a deeply nested document overflows the C stack and kills the process, so untrusted
    text is measured first. Strings are removed before counting; a malformed document may be
    over-counted, which only makes it fail sooner.
    """
    bare = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    if not bare:
        return 0
    steps = np.frombuffer(bare.translate(_BRACKETS), dtype=np.int8).astype(np.int32)
    return int(np.cumsum(steps).max())


#: Longest number literal accepted (characters). Python refuses to parse integers over 4,300
#: digits, and no credential needs anything near this.
MAX_NUMBER_CHARS = 1_000
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _reject_constant(name: str) -> Any:
    raise InvalidInput(f"JSON does not allow {name}.")


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise InvalidInput(
            f"A number is {len(text):,} digits long; the limit is {MAX_NUMBER_CHARS:,}."
        )
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise InvalidInput(
            f"A number is {len(text):,} characters long; the limit is {MAX_NUMBER_CHARS:,}."
        )
    value = float(text)
    if not math.isfinite(value):
        raise InvalidInput(f"The number {text[:40]} is too large to represent.")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InvalidInput(f"JSON repeats the key {key[:80]!r} in one object.")
            seen.add(key)
    return value


def _lone_surrogates(value: Any) -> bool:
    """True when a string (or key) anywhere in ``value`` holds an unpaired UTF-16 surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def load_json(
    data: bytes | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    what: str = "document",
) -> Any:
    """Parse JSON text from an untrusted source.

    Every refusal is an `InvalidInput` or `PayloadTooLarge` naming ``what``: oversized or too
    deeply nested text, non-UTF-8 bytes, a byte-order mark, NaN/Infinity, numbers longer than
    `MAX_NUMBER_CHARS` or too large for a float, repeated keys and unpaired surrogates.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    if len(raw) > max_bytes:
        raise PayloadTooLarge(
            f"The {what} is {len(raw):,} bytes; the limit is {max_bytes:,} bytes."
        )
    if raw.startswith(_BOMS):
        raise InvalidInput(
            f"The {what} starts with a byte-order mark.", hint="Send UTF-8 JSON without a BOM."
        )
    if nesting_depth(raw) > max_depth:
        raise PayloadTooLarge(f"The {what} nests deeper than {max_depth} levels.")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"The {what} is not UTF-8 text.") from exc
    try:
        value = json.loads(
            data,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
            object_pairs_hook=_object,
        )
    except RecursionError as exc:
        raise PayloadTooLarge(f"The {what} nests deeper than {max_depth} levels.") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"The {what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from exc
    except InvalidInput as exc:
        raise InvalidInput(f"The {what} is refused: {exc.message}") from exc
    except ValueError as exc:  # anything else the parser raises on hostile input
        raise InvalidInput(f"The {what} is not valid JSON.") from exc
    if json_depth_exceeds(value, max_depth):
        raise PayloadTooLarge(f"The {what} nests deeper than {max_depth} levels.")
    if _lone_surrogates(value):
        raise InvalidInput(f"The {what} holds an unpaired UTF-16 surrogate (\\uD800–\\uDFFF).")
    return value


def parse_datetime(value: object) -> datetime | None:
    """An ISO 8601 / XSD date-time from a document (``Z`` allowed; naive means UTC), or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
