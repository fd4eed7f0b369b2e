"""Untrusted JSON is measured before it is parsed: a nesting bomb never reaches the C parser,
even when a library has raised the recursion limit (py_ecc sets it to 100,000)."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.credentials.parsing import load_json, nesting_depth
from microcred.credentials.proofs.jwt import decode_unverified
from microcred.crypto.multibase import b64url_encode
from microcred.errors import InvalidInput, PayloadTooLarge


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b'{"a": [1, {"b": "[[[["}]}', 3),
        (b'{"a": "\\"[[["}', 1),
        (b'["\\\\", "[["]', 1),
        (b"[" * 5 + b"]" * 5, 5),
    ],
)
def test_nesting_depth_ignores_brackets_in_strings(text: bytes, depth: int) -> None:
    assert nesting_depth(text) == depth


def test_bombs_are_refused_with_a_raised_recursion_limit() -> None:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)
    try:
        for bomb in (b"[" * 200_000 + b"]" * 200_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
            with pytest.raises(PayloadTooLarge, match="nests deeper"):
                load_json(bomb, max_bytes=10_000_000)
        token = b64url_encode(b"[" * 150_000) + "." + b64url_encode(b"{}") + ".sig"
        with pytest.raises(InvalidInput):
            decode_unverified(token)
    finally:
        sys.setrecursionlimit(old)


def test_ordinary_documents_parse() -> None:
    assert load_json(b'{"a": [1, 2, {"b": null}]}') == {"a": [1, 2, {"b": None}]}
    with pytest.raises(InvalidInput, match="not valid JSON"):
        load_json(b'{"a": ')


# --- hostile JSON: every refusal is an InvalidInput/PayloadTooLarge, never another exception ---

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**300), max_value=10**300)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)
FRAGMENTS = st.sampled_from(
    [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        '"a"',
        '"\\ud800"',
        '"\\udc00\\ud800"',
        '"\\ud83d\\ude00"',
        "1",
        "-0",
        "1e999999",
        "-1e999999",
        "1e-999999",
        "9" * 4301,
        "0." + "1" * 5000,
        "NaN",
        "Infinity",
        "-Infinity",
        "true",
        "null",
        "\ufeff",
        " ",
        '"\\u0000"',
        "\ud800",
    ]
)


def _refused_cleanly(data: bytes | str) -> None:
    try:
        value = load_json(data, max_bytes=100_000)
    except (InvalidInput, PayloadTooLarge) as exc:
        reason = exc.explain()
    else:  # what is accepted is plain, re-encodable JSON
        reason = json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8").decode()
    assert isinstance(reason, str)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_escape_as_other_errors(data: bytes) -> None:
    _refused_cleanly(data)


@settings(max_examples=400, deadline=None)
@given(st.lists(FRAGMENTS, max_size=12).map("".join))
def test_hostile_fragments_never_escape_as_other_errors(text: str) -> None:
    _refused_cleanly(text)
    _refused_cleanly(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_ordinary_json_round_trips(value: object) -> None:
    assert load_json(json.dumps(value)) == value
    assert load_json(json.dumps(value, ensure_ascii=False).encode("utf-8")) == value


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (b"9" * 4301, "digits long"),
        (b'{"n": -' + b"9" * 4301 + b"}", "digits long"),
        (b"[1." + b"5" * 2000 + b"]", "characters long"),
        (b"[1e999999]", "too large"),
        (b'{"x": -1E400}', "too large"),
        (b'{"id": "a", "id": "b"}', "repeats the key 'id'"),
        (b'[{"a": {"k": 1, "k": 1}}]', "repeats the key 'k'"),
        (b'["\\ud800"]', "unpaired UTF-16 surrogate"),
        (b'{"\\udfff": 1}', "unpaired UTF-16 surrogate"),
        ('["\ud800"]', "unpaired UTF-16 surrogate"),
        (b"\xef\xbb\xbf{}", "byte-order mark"),
        ("\ufeff{}", "byte-order mark"),
        (b"\xff\xfe{\x00}\x00", "byte-order mark"),
        (b"[NaN]", "does not allow NaN"),
        (b"[-Infinity]", "does not allow -Infinity"),
    ],
)
def test_hostile_json_is_refused_with_a_reason(text: bytes | str, match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        load_json(text, what="body")


def test_numbers_within_limits_still_parse() -> None:
    assert load_json(b"[" + b"9" * 1000 + b", 1e308, 1e-400, -0.0]") == [
        int("9" * 1000),
        1e308,
        0.0,
        -0.0,
    ]
    assert load_json(b'["\\ud83d\\ude00"]') == ["\U0001f600"]
