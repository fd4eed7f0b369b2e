"""The anchor contract: its event, its 68 bytes of code, the calldata it takes, its logs decoded.

Each anchor is one call of a tiny, stateless contract that only emits an event::

    CheckpointAnchored(address indexed sender, bytes32 indexed origin,
                       bytes32 indexed checkpoint, bytes32 root, uint256 size)

``origin`` is `origin_digest` of the log's origin, ``checkpoint`` is `anchor_digest` of the exact
cosigned note, ``root`` and ``size`` are its tree head. The indexed topics make anchors searchable
with plain ``eth_getLogs`` (all anchors of a log, of a sender, of one checkpoint), so a relying
party who holds only a checkpoint finds its anchor without the issuer. The contract has no owner,
no storage and no self-destruct; its 68 bytes are assembled below, opcode by opcode, and a
verifier accepts only logs from an address whose code is exactly `RUNTIME`.

Calldata is 128 bytes, ``origin || checkpoint || root || size`` (no function selector); anything
else, or any ether sent along, reverts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.types import LogReceipt

from microcred.transparency.anchor import Anchor

EVENT_SIGNATURE: Final = "CheckpointAnchored(address,bytes32,bytes32,bytes32,uint256)"
EVENT_TOPIC: Final = keccak(text=EVENT_SIGNATURE)
#: The event's ABI, for any tool that decodes logs (web3, ethers, block explorers).
EVENT_ABI: Final[dict[str, Any]] = {
    "type": "event",
    "name": "CheckpointAnchored",
    "anonymous": False,
    "inputs": [
        {"name": "sender", "type": "address", "indexed": True},
        {"name": "origin", "type": "bytes32", "indexed": True},
        {"name": "checkpoint", "type": "bytes32", "indexed": True},
        {"name": "root", "type": "bytes32", "indexed": False},
        {"name": "size", "type": "uint256", "indexed": False},
    ],
}
#: The contract's code; PUSH1 0 instead of PUSH0 so that pre-Shanghai chains run it too.
RUNTIME: Final = b"".join(
    [
        bytes.fromhex("34 15 36 6080 14 16"),  # CALLVALUE ISZERO CALLDATASIZE 128 EQ AND
        bytes.fromhex("600e 57 6000 80 fd"),  # JUMPI(ok) else REVERT(0, 0)
        bytes.fromhex("5b 6040 6040 6000 37"),  # ok: CALLDATACOPY(mem 0, cd 64, 64 bytes)
        bytes.fromhex("6020 35 6000 35 33"),  # topics: checkpoint, origin, CALLER
        b"\x7f" + EVENT_TOPIC,  # PUSH32 the event's topic
        bytes.fromhex("6040 6000 a4 00"),  # LOG4(mem 0, 64 bytes, 4 topics) STOP
    ]
)
#: Creation code: CODECOPY the runtime after these 11 bytes to memory 0 and RETURN it.
INIT: Final = bytes([0x60, len(RUNTIME), 0x80, 0x60, 11, 0x60, 0, 0x39, 0x60, 0, 0xF3]) + RUNTIME


def calldata(anchor: Anchor) -> bytes:
    """The 128 bytes one anchor call carries."""
    size = anchor.tree_size.to_bytes(32, "big")
    return anchor.origin_hash + anchor.digest + anchor.root_hash + size


def hex_0x(value: bytes) -> str:
    """``0x`` and lowercase hex, as JSON-RPC writes bytes."""
    return "0x" + bytes(value).hex()


def address_topic(address: str) -> bytes:
    """A checksummed address as a 32-byte log topic (left-padded with zeros)."""
    return bytes(12) + bytes.fromhex(address[2:])


@dataclass(frozen=True, slots=True)
class AnchorEvent:
    """One ``CheckpointAnchored`` event, as the chain holds it."""

    origin_hash: bytes
    tree_size: int
    root_hash: bytes
    digest: bytes
    sender: str
    contract: str
    tx_hash: str
    block_number: int


def has_event_shape(log: LogReceipt) -> bool:
    """True when ``log`` has the four topics and 64 data bytes of a ``CheckpointAnchored``."""
    topics = log["topics"]
    return len(topics) == 4 and bytes(topics[0]) == EVENT_TOPIC and len(log["data"]) == 64


def decode_event(log: LogReceipt) -> AnchorEvent:
    """The event in ``log`` (whose shape `has_event_shape` checked)."""
    topics, data = log["topics"], bytes(log["data"])
    return AnchorEvent(
        origin_hash=bytes(topics[2]),
        tree_size=int.from_bytes(data[32:64], "big"),
        root_hash=data[:32],
        digest=bytes(topics[3]),
        sender=to_checksum_address(bytes(topics[1])[12:]),
        contract=to_checksum_address(log["address"]),
        tx_hash=hex_0x(log["transactionHash"]),
        block_number=log["blockNumber"],
    )
