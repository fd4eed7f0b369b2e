"""Untrusted JSON is measured before it is parsed: a nesting bomb never reaches the C parser,
even when a library has raised the recursion limit (py_ecc sets it to 100,000)."""

from __future__ import annotations

import sys

import pytest

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
