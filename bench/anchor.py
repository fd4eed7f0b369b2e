"""Gas and seconds per checkpoint anchor on an in-process EVM, beside a plain transfer.

Runs eth-tester with the py-evm backend (a real EVM, offline; one block per transaction). Every
row sends through the same path (estimate gas, read fees and nonce, sign locally, send raw, wait
for the receipt), so the ratios isolate what an anchor adds over the cheapest transaction:

- ``transfer``: a plain transaction with no data (21,000 gas), the baseline;
- ``data-only``: the alternative design, 32 bytes of digest as calldata to a fixed address;
- ``anchor``: microcred's anchor, a call of the event-only contract (origin, digest, root, size);
- ``verify``: `EthereumAnchor.verify_anchor` of one anchor (reads only, no gas).

Needs the ``ethereum`` extra.

    python bench/anchor.py [--json] [--count 50]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from eth_account import Account
from eth_tester import EthereumTester, PyEVMBackend  # type: ignore[import-untyped]
from web3 import EthereumTesterProvider, Web3
from web3.types import Wei

from microcred.adapters.anchors.ethereum import EthereumAnchor
from microcred.transparency.anchor import Anchor, anchor_digest

ORIGIN = "bench.example/microcred"
SINK = "0x000000000000000000000000000000000000dEaD"


def checkpoint(size: int) -> bytes:
    """A cosigned-looking checkpoint note (anchoring reads its shape, not its signatures)."""
    root = base64.b64encode(hashlib.sha256(size.to_bytes(8, "big")).digest()).decode()
    sig = base64.b64encode(bytes(68)).decode()
    text = f"{ORIGIN}\n{size}\n{root}\n\n\u2014 {ORIGIN} {sig}\n\u2014 witness.example {sig}\n"
    return text.encode()


def run(count: int) -> dict[str, Any]:
    """Measure every row ``count`` times on a fresh chain."""
    w3 = Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend())))
    key = hashlib.sha256(b"bench anchor key").digest()
    address = Account.from_key(key).address
    w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": address, "value": Wei(10**20)})
    anchor = EthereumAnchor(w3, chain_id=w3.eth.chain_id, private_key=key)
    anchor.deploy_contract()
    deploy_gas = w3.eth.get_block("latest")["gasUsed"]  # one block per transaction
    sender = anchor._sender  # the same signing path for every row (see the docstring)
    assert sender is not None

    def measure(send: Callable[[int], str]) -> dict[str, float]:
        gas, seconds = [], []
        for i in range(count):
            start = time.perf_counter()
            tx_hash = send(i)
            receipt = w3.eth.wait_for_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            seconds.append(time.perf_counter() - start)
            assert receipt["status"] == 1
            gas.append(receipt["gasUsed"])
        return {
            "gas": statistics.mean(gas),
            "gas_max": max(gas),
            "seconds": statistics.mean(seconds),
            "seconds_p50": statistics.median(seconds),
        }

    sink = Web3.to_checksum_address(SINK)
    rows: dict[str, dict[str, float]] = {
        "transfer": measure(lambda i: sender.send(sink, b"")),
        "data-only": measure(lambda i: sender.send(sink, anchor_digest(checkpoint(i + 1)))),
    }
    receipts = []

    def anchor_one(i: int) -> str:
        receipts.append(anchor.anchor_checkpoint(checkpoint(10_000 + i)))
        return receipts[-1].tx_hash

    rows["anchor"] = measure(anchor_one)
    verify_seconds = []
    for receipt in receipts:
        note = checkpoint(receipt.anchor.tree_size)
        start = time.perf_counter()
        ok = anchor.verify_anchor(receipt, note).verified
        verify_seconds.append(time.perf_counter() - start)
        assert ok
        assert receipt.anchor == Anchor.of(note)
    rows["verify"] = {
        "gas": 0,
        "gas_max": 0,
        "seconds": statistics.mean(verify_seconds),
        "seconds_p50": statistics.median(verify_seconds),
    }
    base = rows["transfer"]
    for row in rows.values():
        row["gas_ratio"] = row["gas"] / base["gas"]
        row["time_ratio"] = row["seconds"] / base["seconds"]
    return {"count": count, "deploy_gas": deploy_gas, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--count", type=int, default=50, help="transactions per row")
    args = parser.parse_args()
    result = run(args.count)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{'row':<12}{'gas':>10}{'× transfer':>12}{'ms/op':>10}{'p50 ms':>10}{'× transfer':>12}")
    for name, row in result["rows"].items():
        print(
            f"{name:<12}{row['gas']:>10,.0f}{row['gas_ratio']:>12.3f}"
            f"{row['seconds'] * 1e3:>10.1f}{row['seconds_p50'] * 1e3:>10.1f}"
            f"{row['time_ratio']:>12.2f}"
        )
    print(f"one-off contract deployment: {result['deploy_gas']:,} gas; {args.count} ops per row")


if __name__ == "__main__":
    main()
