"""Bitstring Status List encoding, limits and bomb refusal."""

from __future__ import annotations

import gzip

import pytest

from microcred.credentials.status_list import MIN_ENTRIES, Bitstring, status_list_entry
from microcred.crypto.multibase import multibase_encode
from microcred.errors import InvalidInput, PayloadTooLarge


def test_bit_order_index_zero_is_leftmost() -> None:
    bits = Bitstring(16)
    bits.set(0, True)
    bits.set(9, True)
    assert bits.to_bytes() == bytes([0b1000_0000, 0b0100_0000])
    assert bits.get(0) and bits.get(9) and not bits.get(1)
    bits.set(0, False)
    assert not bits.get(0)


def test_round_trip_through_encoded_list() -> None:
    bits = Bitstring()
    assert len(bits) == MIN_ENTRIES
    for i in (0, 7, 8, 94567, MIN_ENTRIES - 1):
        bits.set(i, True)
    encoded = bits.encode()
    assert encoded.startswith("u") and "=" not in encoded
    decoded = Bitstring.decode(encoded)
    assert decoded.to_bytes() == bits.to_bytes()
    assert [i for i in (0, 1, 7, 8, 94567, MIN_ENTRIES - 1) if decoded.get(i)] == [
        0,
        7,
        8,
        94567,
        MIN_ENTRIES - 1,
    ]


def test_spec_example_list_decodes_to_all_zero() -> None:
    # Bitstring Status List v1.0 §2.1 example encodedList (16 KiB of zeros)
    example = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
    bits = Bitstring.decode(example)
    assert len(bits) == MIN_ENTRIES and not any(bits.to_bytes())


def test_out_of_range_and_bad_sizes_are_refused() -> None:
    with pytest.raises(InvalidInput):
        Bitstring(12)
    with pytest.raises(InvalidInput):
        Bitstring(16).get(16)
    with pytest.raises(InvalidInput):
        Bitstring.decode("zNotBase64")
    with pytest.raises(InvalidInput):
        Bitstring.decode(multibase_encode(b"not gzip", "u"))


def test_decompression_bomb_is_refused() -> None:
    bomb = multibase_encode(gzip.compress(bytes(64 * 1024 * 1024)), "u")
    with pytest.raises(PayloadTooLarge):
        Bitstring.decode(bomb)


def test_entry_shape() -> None:
    entry = status_list_entry("https://x.test/status/1", 42, "revocation")
    assert entry == {
        "id": "https://x.test/status/1#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://x.test/status/1",
    }
