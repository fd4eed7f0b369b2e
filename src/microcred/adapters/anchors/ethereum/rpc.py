"""Talking to a JSON-RPC endpoint: web3 failures mapped to the error family, and the sender.

The sender signs transactions locally and sends them raw, so the endpoint never holds the key.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from eth_utils.address import is_address, to_checksum_address
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
from web3.types import TxParams, Wei

from microcred.adapters.anchors.ethereum.contract import hex_0x
from microcred.errors import ConfigurationError
from microcred.transparency.anchor import AnchorError, AnchorPending, ChainUnavailable


@contextmanager
def rpc_errors(doing: str) -> Iterator[None]:
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


def checksum_address(address: str, what: str) -> ChecksumAddress:
    """``address`` checksummed, or `ConfigurationError` naming ``what`` it was meant to be."""
    if not is_address(address):
        raise ConfigurationError(f"The {what} {address[:60]!r} is not an Ethereum address.")
    return to_checksum_address(address)


class TransactionSender:
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
        with self._lock, rpc_errors("sending a transaction"):
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
            tx_hash = hex_0x(signed.hash)
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
