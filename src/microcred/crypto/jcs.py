"""JSON Canonicalization Scheme (RFC 8785)."""

from __future__ import annotations

import json.encoder
import math
from typing import Any

from microcred.errors import InvalidInput

_MAX_SAFE = 2**53

#: JSON string escaping exactly as RFC 8785 §3.2.2.2 asks (the short escapes \b \f \n \r \t,
#: \u00xx in lowercase hex for other control characters, nothing else escaped); CPython's C
#: encoder does precisely this.
_string = json.encoder.encode_basestring


def _number(value: float) -> str:
    """ECMAScript Number.prototype.toString, as RFC 8785 §3.2.2.3 requires."""
    if math.isnan(value) or math.isinf(value):
        raise InvalidInput("JSON cannot hold NaN or Infinity.")
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < _MAX_SAFE:
        return str(int(value))
    text = repr(value)  # shortest round-trip digits
    mantissa, _, exp_text = text.partition("e")
    digits = mantissa.replace(".", "").replace("-", "").lstrip("0")
    sign = "-" if value < 0 else ""
    # decimal exponent n so that value = 0.d1d2... * 10^n
    if exp_text:
        int_part = mantissa.lstrip("-").split(".")[0]
        n = int(exp_text) + len(int_part.lstrip("0") or "0")
        if int_part.strip("0") == "":
            n = int(exp_text) + 1
    else:
        int_part, _, frac = mantissa.lstrip("-").partition(".")
        if int_part.strip("0"):
            n = len(int_part.lstrip("0"))
        else:
            n = -(len(frac) - len(frac.lstrip("0")))
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    exp = n - 1
    exp_str = f"e+{exp}" if exp > 0 else f"e-{-exp}"
    if k == 1:
        return sign + digits + exp_str
    return sign + digits[0] + "." + digits[1:] + exp_str


def _encode(value: Any, out: list[str], depth: int) -> None:
    if depth > 256:
        raise InvalidInput("The JSON is nested too deeply to canonicalise.")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        if abs(value) > _MAX_SAFE:
            out.append(_number(float(value)))
        else:
            out.append(str(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, dict):
        out.append("{")
        if not all(isinstance(k, str) for k in value):
            raise InvalidInput("JSON object keys must be strings.")
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        for i, key in enumerate(keys):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _encode(value[key], out, depth + 1)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out, depth + 1)
        out.append("]")
    else:
        raise InvalidInput(f"A {type(value).__name__} cannot be written as JSON.")


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    out: list[str] = []
    _encode(value, out, 0)
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput("The JSON holds a lone surrogate, which has no UTF-8 form.") from exc
