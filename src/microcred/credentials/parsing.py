"""Reading untrusted JSON: size and depth limits, clear errors, never a RecursionError."""

from __future__ import annotations

import json
import re
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


def _reject_constant(name: str) -> Any:
    raise InvalidInput(f"JSON does not allow {name}.")


def load_json(
    data: bytes | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    what: str = "document",
) -> Any:
    """Parse JSON text from an untrusted source."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > max_bytes:
        raise PayloadTooLarge(f"The {what} is {size:,} bytes; the limit is {max_bytes:,} bytes.")
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    if nesting_depth(raw) > max_depth:
        raise PayloadTooLarge(f"The {what} nests deeper than {max_depth} levels.")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"The {what} is not UTF-8 text.") from exc
    try:
        value = json.loads(data, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise PayloadTooLarge(f"The {what} nests deeper than {max_depth} levels.") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"The {what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from exc
    if json_depth_exceeds(value, max_depth):
        raise PayloadTooLarge(f"The {what} nests deeper than {max_depth} levels.")
    return value
