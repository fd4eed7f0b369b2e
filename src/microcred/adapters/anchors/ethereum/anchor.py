"""`EthereumAnchor`: anchoring checkpoints in an Ethereum-compatible chain through web3.py.

It deploys the anchor contract (`contract`), sends one call per checkpoint through the
`TransactionSender` (`rpc`), waits for the receipt, verifies anchors (`verification`) and
searches a log's anchors with ``eth_getLogs``.
"""

from __future__ import annotations

from typing import Any

from eth_typing import BlockNumber, ChecksumAddress, HexStr
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.exceptions import TimeExhausted
from web3.types import FilterParams, LogReceipt, TxReceipt

from microcred.adapters.anchors.ethereum.contract import (
    EVENT_TOPIC,
    INIT,
    RUNTIME,
    AnchorEvent,
    address_topic,
    calldata,
    decode_event,
    has_event_shape,
    hex_0x,
)
from microcred.adapters.anchors.ethereum.rpc import (
    TransactionSender,
    checksum_address,
    rpc_errors,
)
from microcred.adapters.anchors.ethereum.verification import ReceiptRules, verify_on_chain
from microcred.errors import ConfigurationError
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
        self._contract = checksum_address(contract, "anchor contract") if contract else None
        self._origin = origin
        self._timeout = receipt_timeout
        self._poll = poll_interval
        self._sender = (
            TransactionSender(
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
            wanted: str | None = checksum_address(expected_sender, "expected sender")
        else:
            wanted = self._sender.account.address if self._sender else None
        self._rules = ReceiptRules(chain_id, origin, wanted, confirmations, require_finalized)
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
        with rpc_errors("reading the anchor's block"):
            block = self._w3.eth.get_block(receipt["blockNumber"])
        return AnchorReceipt(
            anchor=anchor,
            chain_id=self._chain_id,
            contract=to_checksum_address(receipt["to"]),
            tx_hash=tx_hash,
            sender=to_checksum_address(receipt["from"]),
            block_number=receipt["blockNumber"],
            block_hash=hex_0x(receipt["blockHash"]),
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
        stored = anchor if isinstance(anchor, AnchorReceipt) else None
        return verify_on_chain(
            self._w3.eth,
            tx_hash,
            note,
            stored,
            rules=self._rules,
            is_anchor_log=self._is_anchor_log,
            contract=self._contract,
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
        sender_topic = hex_0x(address_topic(checksum_address(sender, "sender"))) if sender else None
        params: FilterParams = {
            "address": contract,
            "fromBlock": BlockNumber(from_block),
            "toBlock": BlockNumber(to_block) if to_block is not None else "latest",
            "topics": [hex_0x(EVENT_TOPIC), sender_topic, hex_0x(origin_digest(origin))],
        }
        self._check_code(contract)
        with rpc_errors("searching anchors"):
            logs = [log for log in self._w3.eth.get_logs(params) if self._is_anchor_log(log)]
        return [e for e in map(decode_event, logs) if e.origin_hash == origin_digest(origin)]

    # -- helpers -------------------------------------------------------------------------------

    def _is_anchor_log(self, log: LogReceipt) -> bool:
        if not has_event_shape(log):
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
        with rpc_errors("reading the anchor contract"):
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
        with rpc_errors("reading the chain id"):
            chain_id = self._w3.eth.chain_id
        if chain_id != self._chain_id:
            raise ConfigurationError(
                f"The JSON-RPC endpoint serves chain id {chain_id}, not the configured "
                f"{self._chain_id}; nothing was sent."
            )
        self._chain_checked = True

    def _wait(self, tx_hash: str) -> TxReceipt:
        try:
            with rpc_errors("waiting for the transaction"):
                return self._w3.eth.wait_for_transaction_receipt(
                    HexStr(tx_hash), timeout=self._timeout, poll_latency=self._poll
                )
        except TimeExhausted:
            raise AnchorPending(
                f"Transaction {tx_hash} was sent but is not mined after {self._timeout:g} s.",
                tx_hash=tx_hash,
                hint="Keep the hash and verify the anchor later.",
            ) from None

    def _require_sender(self) -> TransactionSender:
        if self._sender is None:
            raise ConfigurationError("Anchoring needs the sending account's private key.")
        return self._sender

    def _require_contract(self) -> ChecksumAddress:
        if self._contract is None:
            raise ConfigurationError("No anchor contract address is configured.")
        return self._contract
