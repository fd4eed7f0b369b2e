"""The transparency log core: RFC 9162 Merkle trees and the C2SP tlog formats, pure code.

Modules: `merkle` (hashing, proofs, verification), `note` (signed notes), `checkpoint`,
`cosignature`, `tiles`, `witness` (the add-checkpoint state machine), `proof` (tlog-proof),
`policy` (tlog-policy) and `entry` (microcred's log entries). No I/O: callers bring the storage.
"""

from microcred.transparency.anchor import (
    Anchor,
    AnchorError,
    AnchorPending,
    AnchorReceipt,
    AnchorVerification,
    ChainAnchor,
    ChainUnavailable,
    normalise_tx_hash,
    origin_digest,
)
from microcred.transparency.checkpoint import Checkpoint, open_checkpoint
from microcred.transparency.cosignature import CosignatureSigner, CosignatureVerifier
from microcred.transparency.entry import LogEntry, LogEvent, change_commitment, credential_id_hash
from microcred.transparency.merkle import (
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    new_nodes,
    root_at,
    verify_inclusion,
)
from microcred.transparency.note import (
    MAX_NOTE_BYTES,
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    NoteVerifier,
    parse_note,
    verify_note,
)
from microcred.transparency.policy import Policy
from microcred.transparency.proof import TlogProof, build_proof
from microcred.transparency.status_proof import StatusProof, decode_extra, encode_extra
from microcred.transparency.tiles import (
    ENTRIES,
    TILE_WIDTH,
    MalformedTilePath,
    Tile,
    TiledLog,
    encode_entry_bundle,
    parse_tile_path,
    tile_at,
)
from microcred.transparency.witness import (
    MAX_BODY_BYTES,
    TEXT_CONTENT_TYPE,
    AddCheckpointRequest,
    Evidence,
    LogRecord,
    MalformedRequest,
    Witness,
    WitnessDecision,
    origin_hash,
    parse_add_checkpoint,
    parse_cosignatures,
    parse_size_body,
)

__all__ = [
    "ENTRIES",
    "MAX_BODY_BYTES",
    "MAX_NOTE_BYTES",
    "TEXT_CONTENT_TYPE",
    "TILE_WIDTH",
    "AddCheckpointRequest",
    "Anchor",
    "AnchorError",
    "AnchorPending",
    "AnchorReceipt",
    "AnchorVerification",
    "ChainAnchor",
    "ChainUnavailable",
    "Checkpoint",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Ed25519NoteSigner",
    "Ed25519NoteVerifier",
    "Evidence",
    "LogEntry",
    "LogEvent",
    "LogRecord",
    "MalformedRequest",
    "MalformedTilePath",
    "MerkleTree",
    "NoteVerifier",
    "Policy",
    "StatusProof",
    "Tile",
    "TiledLog",
    "TlogProof",
    "Witness",
    "WitnessDecision",
    "build_proof",
    "change_commitment",
    "consistency_proof",
    "credential_id_hash",
    "decode_extra",
    "encode_entry_bundle",
    "encode_extra",
    "inclusion_proof",
    "leaf_hash",
    "new_nodes",
    "normalise_tx_hash",
    "open_checkpoint",
    "origin_digest",
    "origin_hash",
    "parse_add_checkpoint",
    "parse_cosignatures",
    "parse_note",
    "parse_size_body",
    "parse_tile_path",
    "root_at",
    "tile_at",
    "verify_inclusion",
    "verify_note",
]
