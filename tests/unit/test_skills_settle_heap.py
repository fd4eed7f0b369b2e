"""After a large skills index is built the heap is frozen out of full collections, and the next
settle still collects cyclic garbage made in between (nothing is kept for ever)."""

from __future__ import annotations

import gc
import weakref

from microcred.services.skills.index import settle_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_settle_freezes_live_objects_and_still_collects_cycles() -> None:
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
        garbage = _Node()
        gone = weakref.ref(garbage)
        settle_heap()  # frozen with the heap
        del garbage
        assert gone() is not None  # a frozen cycle waits for the next settle
        settle_heap()
        assert gone() is None
    finally:
        gc.unfreeze()
