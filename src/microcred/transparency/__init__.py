"""The transparency log core: RFC 9162 Merkle trees and the C2SP tlog formats, pure code.

Modules: `merkle` (hashing, proofs, verification), `note` (signed notes), `checkpoint`,
`cosignature`, `tiles`, `witness` (the add-checkpoint state machine), `proof` (tlog-proof),
`policy` (tlog-policy) and `entry` (microcred's log entries). No I/O: callers bring the storage.
"""
