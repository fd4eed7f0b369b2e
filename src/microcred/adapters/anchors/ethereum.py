"""Anchoring checkpoints in an Ethereum-compatible chain through web3.py (``microcred[ethereum]``).

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

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import BlockNumber, ChecksumAddress, HexStr
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import (
    ProviderConnectionError,
    RequestTimedOut,
    TimeExhausted,
    TooManyRequests,
    TransactionNotFound,
    Web3Exception,
)
from web3.types import FilterParams, LogReceipt, TxParams, TxReceipt, Wei

from microcred.domain.verification import CheckStatus
from microcred.errors import ConfigurationError, InvalidInput
from microcred.transparency.anchor import (
    Anchor,
    AnchorError,
    AnchorPending,
    AnchorReceipt,
    AnchorVerification,
    ChainUnavailable,
    normalise_tx_hash,
    origin_digest,
)

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


def calldata(anchor: Anchor) -> bytes:
    """The 128 bytes one anchor call carries."""
    size = anchor.tree_size.to_bytes(32, "big")
    return anchor.origin_hash + anchor.digest + anchor.root_hash + size


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _address_topic(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


def _time(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


@contextmanager
def _rpc(doing: str) -> Iterator[None]:
    """Map web3 failures to the error family; never echo the endpoint URL (it may hold a key)."""
    try:
        yield
    except (TransactionNotFound, TimeExhausted):
        raise
    except (ProviderConnectionError, RequestTimedOut, TooManyRequests, OSError) as exc:
        raise ChainUnavailable(
            f"The JSON-RPC endpoint did not answer while {doing} ({type(exc).__name__}).",
            hint="Check the endpoint URL and that the node is reachable and synced.",
        ) from None  # the cause names the URL, which may carry an API key
    except Web3Exception as exc:
        raise AnchorError(f"The chain refused {doing}: {exc}") from exc


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


class _Sender:
    """Signs transactions locally and sends them raw, managing the account's nonces."""

    def __init__(
        self,
        w3: Web3,
        private_key: bytes,
        chain_id: int,
        *,
        max_fee_per_gas: int | None,
        priority_fee_per_gas: int | None,
    ) -> None:
        if len(private_key) != 32:
            raise ConfigurationError("The anchoring account's private key must be 32 bytes.")
        try:
            self.account: LocalAccount = Account.from_key(private_key)
        except (ValueError, TypeError):
            raise ConfigurationError("The anchoring account's private key is not valid.") from None
        self._w3 = w3
        self._chain_id = chain_id
        self._max_fee = max_fee_per_gas
        self._tip = priority_fee_per_gas
        self._next_nonce: int | None = None
        self._lock = threading.Lock()

    def send(self, to: ChecksumAddress | None, data: bytes) -> str:
        """Sign and send one transaction (a contract creation if ``to`` is None); its hash."""
        eth = self._w3.eth
        address = self.account.address
        with self._lock, _rpc("sending a transaction"):
            params: TxParams = {"from": address, "data": HexBytes(data), "value": Wei(0)}
            if to is not None:
                params["to"] = to
            tx: dict[str, Any] = {
                "chainId": self._chain_id,
                "data": data,
                "value": 0,
                "gas": eth.estimate_gas(params),
            }
            if to is not None:
                tx["to"] = to
            tx.update(self._fees())
            # A load-balanced endpoint may answer from a node that has not seen our last
            # transaction yet: never go below our own count.
            pending = eth.get_transaction_count(address, "pending")
            tx["nonce"] = max(pending, self._next_nonce or 0)
            signed = self.account.sign_transaction(tx)
            tx_hash = _hex(signed.hash)
            try:
                eth.send_raw_transaction(signed.raw_transaction)
            except (ProviderConnectionError, RequestTimedOut, OSError):
                self._next_nonce = None  # ask the chain again next time
                raise AnchorPending(
                    f"The endpoint did not answer whether it took transaction {tx_hash}.",
                    tx_hash=tx_hash,
                    hint="Verify the anchor by this hash later; anchor again if it is unknown.",
                ) from None
            except Exception:
                self._next_nonce = None
                raise
            self._next_nonce = tx["nonce"] + 1
            return tx_hash

    def _fees(self) -> dict[str, int]:
        eth = self._w3.eth
        base = eth.get_block("latest").get("baseFeePerGas")
        if base is None:  # a chain without EIP-1559
            price = eth.gas_price
            self._refuse_above_cap(price, f"gas price {price}")
            return {"gasPrice": price}
        tip = self._tip if self._tip is not None else eth.max_priority_fee
        self._refuse_above_cap(base + tip, f"base fee {base} + tip {tip}")
        max_fee = 2 * base + tip
        if self._max_fee is not None:
            max_fee = min(max_fee, self._max_fee)
        return {"type": 2, "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip}

    def _refuse_above_cap(self, price: int, what: str) -> None:
        if self._max_fee is not None and price > self._max_fee:
            raise AnchorError(
                f"The chain's {what} wei per gas is above the configured maximum "
                f"{self._max_fee}; nothing was sent.",
                hint="Anchoring will be retried later; raise the maximum fee to anchor now.",
            )


class EthereumAnchor:
    """A `ChainAnchor` on an Ethereum-compatible chain, through any JSON-RPC endpoint.

    Without a private key it only verifies and searches. ``expected_sender`` defaults to the
    key's account; ``confirmations`` is how many blocks (the anchor's included) `verify_anchor`
    requires, and ``require_finalized`` also wants the block at or below the endpoint's
    ``finalized`` block (proof-of-stake chains; the endpoint must know that tag).
    """

    def __init__(
        self,
        w3: Web3,
        *,
        chain_id: int,
        contract: str | None = None,
        private_key: bytes | None = None,
        origin: str | None = None,
        expected_sender: str | None = None,
        confirmations: int = 1,
        require_finalized: bool = False,
        receipt_timeout: float = 120.0,
        poll_interval: float = 1.0,
        max_fee_per_gas: int | None = None,
        priority_fee_per_gas: int | None = None,
    ) -> None:
        if confirmations < 1:
            raise ConfigurationError("Anchors need at least 1 confirmation (the mined block).")
        self._w3 = w3
        self._chain_id = chain_id
        self._contract = _checksum(contract, "anchor contract") if contract else None
        self._origin = origin
        self._confirmations = confirmations
        self._require_finalized = require_finalized
        self._timeout = receipt_timeout
        self._poll = poll_interval
        self._sender = (
            _Sender(
                w3,
                private_key,
                chain_id,
                max_fee_per_gas=max_fee_per_gas,
                priority_fee_per_gas=priority_fee_per_gas,
            )
            if private_key is not None
            else None
        )
        if expected_sender is not None:
            self._expected_sender: str | None = _checksum(expected_sender, "expected sender")
        else:
            self._expected_sender = self._sender.account.address if self._sender else None
        self._canonical_code: set[str] = set()
        self._chain_checked = False

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 30.0, **kwargs: Any) -> EthereumAnchor:
        """An anchor speaking to the JSON-RPC endpoint at ``url`` (http or https)."""
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError("The JSON-RPC URL must start with http:// or https://.")
        provider = Web3.HTTPProvider(url, request_kwargs={"timeout": timeout})
        return cls(Web3(provider), **kwargs)

    def __repr__(self) -> str:
        return f"EthereumAnchor(chain_id={self._chain_id}, contract={self._contract})"

    @property
    def sender(self) -> str | None:
        """The anchoring account's address, if a key is configured."""
        return self._sender.account.address if self._sender else None

    # -- writing -------------------------------------------------------------------------------

    def deploy_contract(self) -> str:
        """Deploy the anchor contract from the configured account; its address (checksummed).

        Done once per chain; the address then goes into the settings.
        """
        sender = self._require_sender()
        self._check_chain()
        tx_hash = sender.send(None, INIT)
        receipt = self._wait(tx_hash)
        address = receipt.get("contractAddress")
        if receipt["status"] != 1 or address is None:
            raise AnchorError(f"Deploying the anchor contract failed (transaction {tx_hash}).")
        self._contract = to_checksum_address(address)
        return self._contract

    def anchor_checkpoint(self, note: bytes) -> AnchorReceipt:
        """Publish ``note``'s anchor digest; wait until mined (raise `AnchorPending` if not)."""
        anchor = Anchor.of(note, origin=self._origin)
        tx_hash = self.submit(anchor)
        try:
            return self.receipt(tx_hash, anchor)
        except ChainUnavailable:
            raise AnchorPending(
                f"Transaction {tx_hash} was sent, but the endpoint stopped answering.",
                tx_hash=tx_hash,
                hint="Verify the anchor by this hash later.",
            ) from None

    def submit(self, anchor: Anchor) -> str:
        """Send the anchor transaction without waiting; its hash."""
        sender = self._require_sender()
        contract = self._require_contract()
        self._check_chain()
        self._check_code(contract)
        return sender.send(contract, calldata(anchor))

    def receipt(self, tx_hash: str, anchor: Anchor) -> AnchorReceipt:
        """Wait for ``tx_hash`` to be mined and describe it (`AnchorPending` on timeout)."""
        tx_hash = normalise_tx_hash(tx_hash)
        receipt = self._wait(tx_hash)
        if receipt["status"] != 1:
            raise AnchorError(f"The anchor transaction {tx_hash} was mined but reverted.")
        with _rpc("reading the anchor's block"):
            block = self._w3.eth.get_block(receipt["blockNumber"])
        return AnchorReceipt(
            anchor=anchor,
            chain_id=self._chain_id,
            contract=to_checksum_address(receipt["to"]),
            tx_hash=tx_hash,
            sender=to_checksum_address(receipt["from"]),
            block_number=receipt["blockNumber"],
            block_hash=_hex(receipt["blockHash"]),
            block_timestamp=block["timestamp"],
            gas_used=receipt["gasUsed"],
            effective_gas_price=receipt["effectiveGasPrice"],
        )

    # -- reading -------------------------------------------------------------------------------

    def verify_anchor(self, anchor: AnchorReceipt | str, note: bytes) -> AnchorVerification:
        """Check on the chain that ``anchor`` (a receipt or a transaction hash) anchors ``note``.

        Named checks: checkpoint, chain, transaction, mined, contract, digest, sender,
        confirmations, receipt (only when a stored receipt is given). The endpoint is trusted
        to report the chain honestly; ask one you run, or several.
        """
        tx_hash = normalise_tx_hash(anchor if isinstance(anchor, str) else anchor.tx_hash)
        result = AnchorVerification(tx_hash)
        stored = anchor if isinstance(anchor, AnchorReceipt) else None
        with _rpc("verifying an anchor"):
            self._verify(result, note, stored)
        reason = next((c for c in result.checks if c.status is CheckStatus.FAILED), None)
        done = {c.check for c in result.checks}
        for name in _CHECKS:
            if name in done or (name == "receipt" and stored is None):
                continue
            why = f"not checked: {reason.check} failed." if reason else "not checked."
            result.add(name, None, why)
        return result

    def _verify(
        self, result: AnchorVerification, note: bytes, stored: AnchorReceipt | None
    ) -> None:
        try:
            expected = Anchor.of(note, origin=self._origin)
        except InvalidInput as exc:
            result.add("checkpoint", False, exc.explain())
            return
        result.add(
            "checkpoint",
            True,
            f"Checkpoint of {expected.origin} at tree size {expected.tree_size}, "
            f"anchor digest {expected.digest.hex()}.",
        )
        eth = self._w3.eth
        chain_id = eth.chain_id
        wanted = stored.chain_id if stored else self._chain_id
        if not result.add(
            "chain",
            chain_id == wanted == self._chain_id,
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
            result.add(
                "mined", False, "The transaction was mined but reverted: it anchors nothing."
            )
            return
        number = receipt["blockNumber"]
        block = eth.get_block(number)
        if bytes(block["hash"]) != bytes(receipt["blockHash"]):
            result.add("mined", False, f"Block {number} of the receipt is no longer canonical.")
            return
        result.block_number, result.block_timestamp = number, block["timestamp"]
        result.add("mined", True, f"Mined in block {number} at {_time(block['timestamp'])}.")

        logs = [log for log in receipt["logs"] if self._is_anchor_log(log)]
        where = self._contract or "an address holding the anchor contract's code"
        if not result.add(
            "contract",
            bool(logs),
            f"Anchor events from {logs[0]['address']}."
            if logs
            else f"The transaction wrote no CheckpointAnchored event from {where}.",
        ):
            return
        found = [_decode(log) for log in logs]
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
            result.add(
                "digest", False, "The digest matches but the origin, size or root hash do not."
            )
            return
        result.add("digest", True, f"The event carries digest {expected.digest.hex()}.")

        if self._expected_sender is None:
            result.add("sender", None, f"Sent by {match.sender}; no expected sender configured.")
        else:
            result.add(
                "sender",
                match.sender == self._expected_sender == tx["from"],
                f"Anchored by {match.sender} (transaction from {tx['from']}); "
                f"expected {self._expected_sender}.",
            )
        result.confirmations = max(0, eth.block_number - number + 1)
        settled = result.confirmations >= self._confirmations
        message = f"{result.confirmations} confirmation(s); {self._confirmations} required."
        if self._require_finalized:
            finalized = eth.get_block("finalized")["number"]
            settled = settled and number <= finalized
            message += f" Finalized up to block {finalized}; the anchor is in block {number}."
        result.add("confirmations", settled, message)
        if stored is not None:
            same = (stored.block_number, stored.block_hash.lower(), stored.anchor) == (
                number,
                _hex(receipt["blockHash"]),
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

    def find_anchors(
        self,
        origin: str,
        *,
        sender: str | None = None,
        from_block: int = 0,
        to_block: int | None = None,
    ) -> list[AnchorEvent]:
        """Every anchor of log ``origin`` (by ``sender`` if given) in a block range, oldest first.

        Public endpoints cap the block range of ``eth_getLogs``: page with the range.
        """
        contract = self._require_contract()
        sender_topic = _hex(_address_topic(_checksum(sender, "sender"))) if sender else None
        params: FilterParams = {
            "address": contract,
            "fromBlock": BlockNumber(from_block),
            "toBlock": BlockNumber(to_block) if to_block is not None else "latest",
            "topics": [_hex(EVENT_TOPIC), sender_topic, _hex(origin_digest(origin))],
        }
        self._check_code(contract)
        with _rpc("searching anchors"):
            logs = [log for log in self._w3.eth.get_logs(params) if self._is_anchor_log(log)]
        return [e for e in map(_decode, logs) if e.origin_hash == origin_digest(origin)]

    # -- helpers -------------------------------------------------------------------------------

    def _is_anchor_log(self, log: LogReceipt) -> bool:
        topics = log["topics"]
        if len(topics) != 4 or bytes(topics[0]) != EVENT_TOPIC or len(log["data"]) != 64:
            return False
        address = to_checksum_address(log["address"])
        if self._contract is not None and address != self._contract:
            return False
        if address not in self._canonical_code:
            if bytes(self._w3.eth.get_code(address)) != RUNTIME:
                return False
            self._canonical_code.add(address)
        return True

    def _check_code(self, contract: ChecksumAddress) -> None:
        if contract in self._canonical_code:
            return
        with _rpc("reading the anchor contract"):
            code = bytes(self._w3.eth.get_code(contract))
        if code != RUNTIME:
            raise ConfigurationError(
                f"{contract} does not hold the anchor contract on chain {self._chain_id}.",
                hint="Deploy it once (EthereumAnchor.deploy_contract) and configure its address.",
            )
        self._canonical_code.add(contract)

    def _check_chain(self) -> None:
        if self._chain_checked:
            return
        with _rpc("reading the chain id"):
            chain_id = self._w3.eth.chain_id
        if chain_id != self._chain_id:
            raise ConfigurationError(
                f"The JSON-RPC endpoint serves chain id {chain_id}, not the configured "
                f"{self._chain_id}; nothing was sent."
            )
        self._chain_checked = True

    def _wait(self, tx_hash: str) -> TxReceipt:
        try:
            with _rpc("waiting for the transaction"):
                return self._w3.eth.wait_for_transaction_receipt(
                    HexStr(tx_hash), timeout=self._timeout, poll_latency=self._poll
                )
        except TimeExhausted:
            raise AnchorPending(
                f"Transaction {tx_hash} was sent but is not mined after {self._timeout:g} s.",
                tx_hash=tx_hash,
                hint="Keep the hash and verify the anchor later.",
            ) from None

    def _require_sender(self) -> _Sender:
        if self._sender is None:
            raise ConfigurationError("Anchoring needs the sending account's private key.")
        return self._sender

    def _require_contract(self) -> ChecksumAddress:
        if self._contract is None:
            raise ConfigurationError("No anchor contract address is configured.")
        return self._contract


def _checksum(address: str, what: str) -> ChecksumAddress:
    if not is_address(address):
        raise ConfigurationError(f"The {what} {address[:60]!r} is not an Ethereum address.")
    return to_checksum_address(address)


def _decode(log: LogReceipt) -> AnchorEvent:
    topics, data = log["topics"], bytes(log["data"])
    return AnchorEvent(
        origin_hash=bytes(topics[2]),
        tree_size=int.from_bytes(data[32:64], "big"),
        root_hash=data[:32],
        digest=bytes(topics[3]),
        sender=to_checksum_address(bytes(topics[1])[12:]),
        contract=to_checksum_address(log["address"]),
        tx_hash=_hex(log["transactionHash"]),
        block_number=log["blockNumber"],
    )
