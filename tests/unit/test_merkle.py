"""RFC 9162 Merkle tree: against a direct transcription of the RFC's recursive definitions."""

from __future__ import annotations

import hashlib
import random

import pytest

from microcred.errors import InvalidInput, NotFound, VerificationError
from microcred.transparency import merkle
from microcred.transparency.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    NodeRef,
    consistency_plan,
    inclusion_plan,
    leaf_hash,
    new_nodes,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

# --- RFC 9162 §2.1 written out literally (slow, obviously right) -----------------------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return leaf_hash(d[0])
    k = _k(len(d))
    return node_hash(mth(d[:k]), mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


DATA = [f"entry {i}".encode() for i in range(40)]


@pytest.fixture(scope="module")
def tree() -> MerkleTree:
    t = MerkleTree()
    for d in DATA:
        t.append(d)
    return t


def test_roots_match_rfc_definition_at_every_size(tree: MerkleTree) -> None:
    for n in range(len(DATA) + 1):
        assert tree.root(n) == mth(DATA[:n])
    assert tree.root(0) == EMPTY_ROOT


def test_inclusion_proofs_match_rfc_path_and_verify(tree: MerkleTree) -> None:
    for n in range(1, len(DATA) + 1):
        root = tree.root(n)
        for m in range(n):
            proof = tree.inclusion_proof(m, n)
            assert proof == path(m, DATA[:n])
            assert verify_inclusion(leaf_hash(DATA[m]), m, n, proof, root) is None


def test_consistency_proofs_match_rfc_subproof_and_verify(tree: MerkleTree) -> None:
    for n in range(1, len(DATA) + 1):
        for m in range(1, n + 1):
            proof = tree.consistency_proof(m, n)
            assert proof == subproof(m, DATA[:n], True)
            verify_consistency(m, n, proof, tree.root(m), tree.root(n))


def test_every_single_bit_flip_of_a_proof_is_caught(tree: MerkleTree) -> None:
    n, m = 37, 21
    proof = tree.inclusion_proof(m, n)
    for i in range(len(proof)):
        for bit in (0, 77, 255):
            bad = list(proof)
            bad[i] = bytes(
                b ^ (1 << (bit % 8)) if j == bit // 8 else b for j, b in enumerate(bad[i])
            )
            with pytest.raises(VerificationError):
                verify_inclusion(leaf_hash(DATA[m]), m, n, bad, tree.root(n))
    cons = tree.consistency_proof(13, 37)
    for i in range(len(cons)):
        bad = list(cons)
        bad[i] = bytes([bad[i][0] ^ 1]) + bad[i][1:]
        with pytest.raises(VerificationError):
            verify_consistency(13, 37, bad, tree.root(13), tree.root(37))


def test_wrong_index_size_or_leaf_fails(tree: MerkleTree) -> None:
    proof = tree.inclusion_proof(5, 20)
    root = tree.root(20)
    with pytest.raises(VerificationError):
        verify_inclusion(leaf_hash(DATA[5]), 4, 20, proof, root)
    with pytest.raises(VerificationError):
        verify_inclusion(leaf_hash(DATA[5]), 5, 40, proof, root)
    with pytest.raises(VerificationError):
        verify_inclusion(leaf_hash(DATA[6]), 5, 20, proof, root)
    with pytest.raises(VerificationError, match="Proof hash 1 has 31 bytes"):
        verify_inclusion(leaf_hash(DATA[5]), 5, 20, [proof[0], proof[1][:31], *proof[2:]], root)
    with pytest.raises(VerificationError, match="leaf hash has 3 bytes"):
        verify_inclusion(b"abc", 5, 20, proof, root)


def test_consistency_edge_cases(tree: MerkleTree) -> None:
    r5, r9 = tree.root(5), tree.root(9)
    with pytest.raises(VerificationError, match="larger than size2"):
        verify_consistency(9, 5, [], r9, r5)
    with pytest.raises(VerificationError, match="size1 is 0"):
        verify_consistency(0, 5, [], EMPTY_ROOT, r5)
    with pytest.raises(VerificationError, match="expected 0"):
        verify_consistency(5, 5, [r5], r5, r5)
    with pytest.raises(VerificationError, match="different roots"):
        verify_consistency(5, 5, [], r5, r9)
    verify_consistency(5, 5, [], r5, r5)
    with pytest.raises(VerificationError, match="proof has 0 hashes"):
        verify_consistency(5, 9, [], r5, r9)
    with pytest.raises(VerificationError):  # a proof for another pair of sizes
        verify_consistency(5, 9, tree.consistency_proof(6, 9), r5, r9)


def test_batch_append_equals_one_by_one() -> None:
    rng = random.Random(7)
    one, batch = MerkleTree(), MerkleTree()
    for d in DATA:
        one.append(d)
    pos = 0
    while pos < len(DATA):
        step = rng.randint(1, 9)
        assert batch.extend(DATA[pos : pos + step]) == pos
        pos += step
    assert batch.size == one.size == len(DATA)
    for level in range(6):
        row = len(DATA) >> level
        assert [batch.get(level, i) for i in range(row)] == [one.get(level, i) for i in range(row)]


def test_new_nodes_reads_at_most_one_left_sibling_per_level() -> None:
    tree = MerkleTree()
    tree.extend(DATA[:27])
    reads: list[tuple[int, int]] = []

    class Counting:
        def get(self, level: int, index: int) -> bytes:
            reads.append((level, index))
            return tree.get(level, index)

    leaves = [leaf_hash(d) for d in DATA[27:]]
    levels = new_nodes(Counting(), 27, leaves)
    assert len({lvl for lvl, _ in reads}) == len(reads) <= 6
    tree.extend(DATA[27:])
    for level, nodes in enumerate(levels):
        first = 27 >> level
        assert nodes == [tree.get(level, first + i) for i in range(len(nodes))]


class DictStore:
    """A level store in a dict that counts its reads."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.reads = 0
        self.size = 0

    def get(self, level: int, index: int) -> bytes:
        self.reads += 1
        return self.nodes[(level, index)]

    def append(self, leaves: list[bytes]) -> None:
        for level, nodes in enumerate(new_nodes(self, self.size, leaves)):
            for i, h in enumerate(nodes):
                self.nodes[(level, (self.size >> level) + i)] = h
        self.size += len(leaves)


def test_store_backed_proofs_equal_in_memory_and_cost_log_reads(tree: MerkleTree) -> None:
    store = DictStore()
    leaves = [leaf_hash(d) for d in DATA]
    store.append(leaves[:11])
    store.append(leaves[11:])
    for n in (1, 7, 16, 33, 40):
        assert merkle.root_at(store, n) == tree.root(n)
        for m in (0, n // 2, n - 1):
            store.reads = 0
            assert merkle.inclusion_proof(store, m, n) == tree.inclusion_proof(m, n)
            assert store.reads <= 2 * n.bit_length()
        store.reads = 0
        assert merkle.consistency_proof(store, max(1, n // 3), n) == tree.consistency_proof(
            max(1, n // 3), n
        )
        assert store.reads <= 2 * n.bit_length()


def test_plans_stay_logarithmic_for_huge_trees() -> None:
    size = (1 << 62) + 12345
    plan = inclusion_plan(size - 1, size)
    assert len(plan) <= 63 and len(plan.refs) <= 2 * 63
    cplan = consistency_plan(size // 3, size)
    assert len(cplan) <= 63 and len(cplan.refs) <= 2 * 63


def test_plan_assembles_from_one_batched_read(tree: MerkleTree) -> None:
    plan = inclusion_plan(3, 29)
    fetched = {ref: tree.get(ref.level, ref.index) for ref in plan.refs}
    assert plan.assemble(fetched) == tree.inclusion_proof(3, 29)
    assert all(isinstance(r, NodeRef) for r in plan.refs)


def test_node_inclusion_plan_proves_an_interior_node(tree: MerkleTree) -> None:
    for level, index, size in [(2, 3, 40), (3, 0, 37), (1, 9, 21), (5, 0, 33)]:
        proof = inclusion_plan(index, size, level=level).read(tree)
        units = (size + (1 << level) - 1) >> level
        verify_inclusion(tree.get(level, index), index, units, proof, tree.root(size))


def test_bad_requests_are_clear_errors(tree: MerkleTree) -> None:
    with pytest.raises(InvalidInput, match="outside a tree of size 40"):
        tree.inclusion_proof(40)
    with pytest.raises(InvalidInput, match="has 40 leaves"):
        tree.root(41)
    with pytest.raises(InvalidInput, match="larger than size2"):
        tree.consistency_proof(12, 10)
    with pytest.raises(NotFound):
        tree.get(0, 40)
    with pytest.raises(NotFound):
        merkle.root_at(DictStore(), 1)
    with pytest.raises(InvalidInput, match="32 bytes"):
        MerkleTree().append_hash(b"short")
    assert tree.consistency_proof(0, 10) == [] and tree.consistency_proof(10, 10) == []
