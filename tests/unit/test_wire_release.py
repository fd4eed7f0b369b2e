"""Proxies and the objects behind them: an object is let go once no proxy for it is left."""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator

import pytest

from microcred.adapters.sandbox.programs import mc_wire


@pytest.fixture
def peer() -> Iterator[mc_wire.Peer]:
    sock = socket.socket()
    yield mc_wire.Peer(sock, restricted=False, gen=1)
    sock.close()


def proxy(peer: mc_wire.Peer, ref_id: int) -> mc_wire.Remote:
    return mc_wire.Remote(peer, ref_id, peer.gen, None, "Thing")


def test_the_last_proxy_gone_releases_its_reference(peer: mc_wire.Peer) -> None:
    a, b = proxy(peer, 5), proxy(peer, 5)
    del a
    gc.collect()
    assert peer._releases() == []  # b still stands for object 5
    del b
    gc.collect()
    assert peer._releases() == [5]
    assert peer._releases() == []  # told once


def test_a_reference_made_again_before_the_next_message_is_kept(peer: mc_wire.Peer) -> None:
    first = proxy(peer, 9)
    del first
    gc.collect()
    again = proxy(peer, 9)  # the other end sent object 9 again meanwhile
    assert peer._releases() == []
    del again
    gc.collect()
    assert peer._releases() == [9]


def test_proxies_of_a_replaced_process_release_nothing(peer: mc_wire.Peer) -> None:
    old = proxy(peer, 3)
    peer.reset_tables()
    peer.gen += 1
    del old
    gc.collect()
    assert peer._releases() == []


def test_releases_go_in_bounded_batches(peer: mc_wire.Peer) -> None:
    many = [proxy(peer, i) for i in range(1, mc_wire.MAX_RELEASES + 6)]
    del many
    gc.collect()
    assert len(peer._releases()) == mc_wire.MAX_RELEASES
    assert len(peer._releases()) == 5


def test_letting_go_forgets_only_valid_references(peer: mc_wire.Peer) -> None:
    kept, dropped = object(), object()
    k, d = peer._hold(kept), peer._hold(dropped)
    peer._let_go([d, "x", None, 10**30, -1])
    peer._let_go("not a list")
    assert peer._objects == {k: kept}
    assert peer._hold(dropped) not in (k, d)  # handed over again: a new reference
