"""Verifying an anchor on the chain: the named checks of one transaction against a checkpoint.

Checks, in order: ``checkpoint``, ``chain``, ``transaction``, ``mined``, ``contract``, ``digest``,
``sender``, ``confirmations`` and ``receipt`` (only when a stored receipt is given). Each check
that could not run is recorded as skipped, naming the failure that stopped it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from eth_typing import HexStr
from web3.eth import Eth
from web3.exceptions import TransactionNotFound
from web3.types import LogReceipt

from microcred.adapters.anchors.ethereum.contract import decode_event, hex_0x
from microcred.adapters.anchors.ethereum.rpc import rpc_errors
from microcred.domain.verification import CheckStatus
from microcred.errors import InvalidInput
from microcred.transparency.anchor import Anchor, AnchorReceipt, AnchorVerification

_CHECKS: Final = (
    "checkpoint",
    "chain",
    "transaction",
    "mined",
    "contract",
    "digest",
    "sender",
    "confirmations",
    "receipt",
)


@dataclass(frozen=True, slots=True)
class ReceiptRules:
    """What a verifier demands of an anchor, beyond the chain's own word."""

    chain_id: int
    origin: str | None
    expected_sender: str | None
    confirmations: int
    require_finalized: bool


def _time(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def verify_on_chain(
    eth: Eth,
    tx_hash: str,
    note: bytes,
    stored: AnchorReceipt | None,
    *,
    rules: ReceiptRules,
    is_anchor_log: Callable[[LogReceipt], bool],
    contract: str | None,
) -> AnchorVerification:
    """Every named check of transaction ``tx_hash`` (normalised) as an anchor of ``note``.

    ``is_anchor_log`` tells the anchor contract's events from look-alikes; ``contract`` is the
    configured address, if any (named in the ``contract`` check's message).
    """
    result = AnchorVerification(tx_hash)
    with rpc_errors("verifying an anchor"):
        _verify(eth, result, note, stored, rules, is_anchor_log, contract)
    reason = next((c for c in result.checks if c.status is CheckStatus.FAILED), None)
    done = {c.check for c in result.checks}
    for name in _CHECKS:
        if name in done or (name == "receipt" and stored is None):
            continue
        why = f"not checked: {reason.check} failed." if reason else "not checked."
        result.add(name, None, why)
    return result


def _verify(
    eth: Eth,
    result: AnchorVerification,
    note: bytes,
    stored: AnchorReceipt | None,
    rules: ReceiptRules,
    is_anchor_log: Callable[[LogReceipt], bool],
    contract: str | None,
) -> None:
    try:
        expected = Anchor.of(note, origin=rules.origin)
    except InvalidInput as exc:
        result.add("checkpoint", False, exc.explain())
        return
    result.add(
        "checkpoint",
        True,
        f"Checkpoint of {expected.origin} at tree size {expected.tree_size}, "
        f"anchor digest {expected.digest.hex()}.",
    )
    chain_id = eth.chain_id
    wanted = stored.chain_id if stored else rules.chain_id
    if not result.add(
        "chain",
        chain_id == wanted == rules.chain_id,
        f"The endpoint serves chain id {chain_id}; the anchor is expected on {wanted}.",
    ):
        return
    try:
        tx = eth.get_transaction(HexStr(result.tx_hash))
    except TransactionNotFound:
        result.add("transaction", False, f"No transaction {result.tx_hash} on this chain.")
        return
    result.add("transaction", True, f"Sent by {tx['from']} to {tx.get('to')}.")
    if tx.get("blockNumber") is None:
        result.add("mined", False, "The transaction is pending: not mined yet.")
        return
    try:
        receipt = eth.get_transaction_receipt(HexStr(result.tx_hash))
    except TransactionNotFound:
        result.add("mined", False, "The transaction has no receipt yet: not mined.")
        return
    if receipt["status"] != 1:
        result.add("mined", False, "The transaction was mined but reverted: it anchors nothing.")
        return
    number = receipt["blockNumber"]
    block = eth.get_block(number)
    if bytes(block["hash"]) != bytes(receipt["blockHash"]):
        result.add("mined", False, f"Block {number} of the receipt is no longer canonical.")
        return
    result.block_number, result.block_timestamp = number, block["timestamp"]
    result.add("mined", True, f"Mined in block {number} at {_time(block['timestamp'])}.")

    logs = [log for log in receipt["logs"] if is_anchor_log(log)]
    where = contract or "an address holding the anchor contract's code"
    if not result.add(
        "contract",
        bool(logs),
        f"Anchor events from {logs[0]['address']}."
        if logs
        else f"The transaction wrote no CheckpointAnchored event from {where}.",
    ):
        return
    found = [decode_event(log) for log in logs]
    match = next((f for f in found if f.digest == expected.digest), None)
    if match is None:
        digests = ", ".join(f.digest.hex() for f in found)
        result.add(
            "digest",
            False,
            f"It anchors {digests}, not this checkpoint's {expected.digest.hex()}.",
        )
        return
    claims = (match.origin_hash, match.tree_size, match.root_hash)
    if claims != (expected.origin_hash, expected.tree_size, expected.root_hash):
        result.add("digest", False, "The digest matches but the origin, size or root hash do not.")
        return
    result.add("digest", True, f"The event carries digest {expected.digest.hex()}.")

    if rules.expected_sender is None:
        result.add("sender", None, f"Sent by {match.sender}; no expected sender configured.")
    else:
        result.add(
            "sender",
            match.sender == rules.expected_sender == tx["from"],
            f"Anchored by {match.sender} (transaction from {tx['from']}); "
            f"expected {rules.expected_sender}.",
        )
    result.confirmations = max(0, eth.block_number - number + 1)
    settled = result.confirmations >= rules.confirmations
    message = f"{result.confirmations} confirmation(s); {rules.confirmations} required."
    if rules.require_finalized:
        finalized = eth.get_block("finalized")["number"]
        settled = settled and number <= finalized
        message += f" Finalized up to block {finalized}; the anchor is in block {number}."
    result.add("confirmations", settled, message)
    if stored is not None:
        same = (stored.block_number, stored.block_hash.lower(), stored.anchor) == (
            number,
            hex_0x(receipt["blockHash"]),
            expected,
        )
        result.add(
            "receipt",
            same,
            "The stored receipt agrees with the chain."
            if same
            else f"The stored receipt (block {stored.block_number}) disagrees with the chain "
            f"(block {number}) or the checkpoint; update it from this verification.",
        )
