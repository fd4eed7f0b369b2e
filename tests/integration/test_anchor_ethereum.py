"""Chain anchors of cosigned checkpoints, on a real in-process EVM (eth-tester + py-evm), offline.

The digest rule and the record types are tested without web3; everything touching a chain needs
the ``ethereum`` extra and is skipped (with a reason) when it is not installed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from microcred.errors import ConfigurationError, InvalidInput, PayloadTooLarge, VerificationError
from microcred.transparency.anchor import (
    Anchor,
    AnchorError,
    AnchorPending,
    AnchorReceipt,
    ChainUnavailable,
    anchor_digest,
    origin_digest,
)

ORIGIN = "ledger.example/microcred"


# -- cosigned checkpoints (C2SP signed-note, tlog-checkpoint, tlog-cosignature) ----------------


def _seed_key(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())


def _key_id(name: str, sig_type: int, key: Ed25519PrivateKey) -> bytes:
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public).digest()[:4]


def cosigned_checkpoint(size: int, *, origin: str = ORIGIN, leaf: bytes = b"") -> bytes:
    """A checkpoint signed by its log (Ed25519 note signature) and cosigned by one witness."""
    root = hashlib.sha256(b"root" + origin.encode() + size.to_bytes(8, "big") + leaf).digest()
    text = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n".encode()
    log_key, witness_key, witness = _seed_key("log"), _seed_key("witness"), "witness.example/w1"
    log_sig = _key_id(origin, 0x01, log_key) + log_key.sign(text)
    timestamp = (1_790_000_000 + size).to_bytes(8, "big")
    cosigned = b"cosignature/v1\ntime %d\n" % int.from_bytes(timestamp, "big") + text
    witness_sig = _key_id(witness, 0x04, witness_key) + timestamp + witness_key.sign(cosigned)
    lines = [
        f"\u2014 {origin} {base64.b64encode(log_sig).decode()}\n",
        f"\u2014 {witness} {base64.b64encode(witness_sig).decode()}\n",
    ]
    return text + b"\n" + "".join(lines).encode()


# -- pure: the digest rule and the records -----------------------------------------------------


def test_digest_rule_is_domain_separated_sha256_of_the_exact_note() -> None:
    note = cosigned_checkpoint(7)
    assert (
        anchor_digest(note) == hashlib.sha256(b"microcred/anchor/checkpoint/v1\n" + note).digest()
    )
    assert anchor_digest(note) != hashlib.sha256(note).digest()
    assert (
        origin_digest(ORIGIN)
        == hashlib.sha256(b"microcred/anchor/origin/v1\n" + b"ledger.example/microcred").digest()
    )
    # Pinned: anchors already on a chain must keep verifying after any refactoring.
    fixed = (
        b"example.com/log\n1\n"
        + base64.b64encode(bytes(32))
        + b"\n\n\xe2\x80\x94 example.com/log AAAA\n"
    )
    pinned = "2edae7ba2f1722dc2fef1d9eb47d6b0befd8db00cb1252e914a61e7dad9f0775"
    assert anchor_digest(fixed).hex() == pinned


def test_anchor_summarises_a_cosigned_checkpoint() -> None:
    note = cosigned_checkpoint(42)
    anchor = Anchor.of(note, origin=ORIGIN)
    assert (anchor.origin, anchor.tree_size, len(anchor.root_hash)) == (ORIGIN, 42, 32)
    assert anchor.digest == anchor_digest(note)
    assert anchor.origin_hash == origin_digest(ORIGIN)
    assert Anchor.of(cosigned_checkpoint(0)).tree_size == 0


@pytest.mark.parametrize(
    ("mangle", "words"),
    [
        (lambda n: n.replace(b"\n\n", b"\n"), "not a signed note"),
        (lambda n: n.replace(b"\n42\n", b"\n042\n"), "tree size"),
        (lambda n: n.replace(b"\n42\n", b"\n-1\n"), "tree size"),
        (lambda n: n.replace(b"\n42\n", b"\n99999999999999999999\n"), "tree size"),
        (lambda n: n.replace(b"=\n\n", b"\n\n", 1), "root hash"),
        (lambda n: n.replace("\u2014".encode(), b"-", 1), "signature line"),
        (lambda n: n.replace(b"ledger", b"\xffledger", 1), "UTF-8"),
        (lambda n: n.replace(b"ledger", b"led\tger", 1), "control characters"),
        (lambda n: n.split(b"\n", 1)[1], "origin, a tree size"),
        (lambda n: n.replace(ORIGIN.encode(), b"other.example/log"), "not 'ledger"),
    ],
)
def test_malformed_checkpoints_are_refused_by_name(
    mangle: Callable[[bytes], bytes], words: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        Anchor.of(mangle(cosigned_checkpoint(42)), origin=ORIGIN)
    assert words in info.value.explain()


def test_huge_notes_are_refused() -> None:
    note = cosigned_checkpoint(1)
    with pytest.raises(PayloadTooLarge):
        Anchor.of(note + b"\xe2\x80\x94 w AAAA\n" * 30_000)


def test_receipt_round_trips_through_json_and_refuses_garbage() -> None:
    receipt = AnchorReceipt(
        Anchor.of(cosigned_checkpoint(3)),
        1,
        "0x" + "ab" * 20,
        "0x" + "cd" * 32,
        "0x" + "ef" * 20,
        10,
        "0x" + "01" * 32,
        1_790_000_000,
        25_190,
        2,
    )
    assert AnchorReceipt.from_json(receipt.to_json()) == receipt
    assert receipt.fee_wei == 50_380
    broken = receipt.to_json() | {"tx_hash": "0x1234"}
    with pytest.raises(InvalidInput):
        AnchorReceipt.from_json(broken)
    with pytest.raises(InvalidInput):
        AnchorReceipt.from_json({"anchor": {}})


# -- on the in-process EVM ---------------------------------------------------------------------


def _key(label: str) -> bytes:
    return hashlib.sha256(b"microcred anchor test " + label.encode()).digest()


@dataclass
class Chain:
    """An in-process EVM (eth-tester, py-evm backend) with the anchor contract deployed."""

    tester: Any
    w3: Any
    contract: str
    #: How far the JSON-RPC bridge's ``finalized`` block trails the latest one.
    finalized_lag: int = 0
    #: Methods the bridge carries out once but then hangs up on instead of answering.
    hang_up_after: set[str] = field(default_factory=set)
    #: Block numbers whose canonical block the bridge reports with another hash (a reorg).
    replaced_blocks: set[int] = field(default_factory=set)

    @property
    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)

    def fund(self, key: bytes) -> str:
        from eth_account import Account

        address = str(Account.from_key(key).address)
        funder = self.w3.eth.accounts[0]
        self.w3.eth.send_transaction({"from": funder, "to": address, "value": 10**18})
        return address

    def anchor(self, label: str = "issuer", **kwargs: Any) -> Any:
        """An `EthereumAnchor` for a funded account called ``label`` (no key if label is '')."""
        from microcred.adapters.anchors.ethereum import EthereumAnchor

        options: dict[str, Any] = {"chain_id": self.chain_id, "contract": self.contract}
        if label:
            options["private_key"] = _key(label)
            self.fund(_key(label))
        return EthereumAnchor(self.w3, **(options | kwargs))


@pytest.fixture
def chain() -> Chain:
    pytest.importorskip("web3", reason="the ethereum extra (microcred[ethereum]) is not installed")
    eth_tester = pytest.importorskip("eth_tester")
    from web3 import EthereumTesterProvider, Web3

    from microcred.adapters.anchors.ethereum import EthereumAnchor

    tester = eth_tester.EthereumTester(eth_tester.PyEVMBackend())
    w3 = Web3(EthereumTesterProvider(tester))
    deployer = _key("deployer")
    w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": _address(deployer), "value": 10**18})
    contract = EthereumAnchor(w3, chain_id=w3.eth.chain_id, private_key=deployer).deploy_contract()
    return Chain(tester, w3, contract)


def _address(key: bytes) -> str:
    from eth_account import Account

    return str(Account.from_key(key).address)


def _statuses(verification: Any) -> dict[str, str]:
    return {c.check: c.status.value for c in verification.checks}


def test_anchor_then_verify_and_show_gas(chain: Chain, record_property: Any) -> None:
    from microcred.adapters.anchors.ethereum import EVENT_TOPIC, calldata

    issuer = chain.anchor(origin=ORIGIN)
    note = cosigned_checkpoint(1000)
    receipt = issuer.anchor_checkpoint(note)

    assert receipt.anchor == Anchor.of(note)
    assert receipt.chain_id == chain.chain_id
    assert receipt.sender == _address(_key("issuer"))
    assert receipt.contract == chain.contract
    chain_receipt = chain.w3.eth.get_transaction_receipt(receipt.tx_hash)
    assert receipt.gas_used == chain_receipt["gasUsed"]
    assert receipt.block_number == chain_receipt["blockNumber"] == chain.w3.eth.block_number
    assert receipt.block_timestamp == chain.w3.eth.get_block(receipt.block_number)["timestamp"]
    # What the chain holds: the 128-byte call and one event with the searchable topics.
    tx = chain.w3.eth.get_transaction(receipt.tx_hash)
    assert bytes(tx["input"]) == calldata(receipt.anchor)
    (log,) = chain_receipt["logs"]
    assert [bytes(t) for t in log["topics"]] == [
        EVENT_TOPIC,
        bytes(12) + bytes.fromhex(receipt.sender[2:]),
        origin_digest(ORIGIN),
        anchor_digest(note),
    ]
    assert 21_000 < receipt.gas_used < 30_000
    record_property("gas_per_anchor", receipt.gas_used)
    print(f"gas used per anchor: {receipt.gas_used} (a plain transfer: 21000)")

    verification = issuer.verify_anchor(receipt, note)
    assert verification.verified, verification.to_json()
    assert set(_statuses(verification).values()) == {"passed"}
    assert list(_statuses(verification)) == [
        "checkpoint",
        "chain",
        "transaction",
        "mined",
        "contract",
        "digest",
        "sender",
        "confirmations",
        "receipt",
    ]
    assert verification.block_number == receipt.block_number
    # A relying party with only the transaction hash and no key verifies the same.
    relying_party = chain.anchor("", expected_sender=receipt.sender)
    assert relying_party.verify_anchor(receipt.tx_hash.upper().replace("0X", ""), note).verified


def test_every_anchor_of_a_log_is_found_by_searching_logs(chain: Chain) -> None:
    issuer, other = chain.anchor("issuer"), chain.anchor("someone else")
    mine = [issuer.anchor_checkpoint(cosigned_checkpoint(n)) for n in (1, 5, 9)]
    issuer.anchor_checkpoint(cosigned_checkpoint(2, origin="other.example/log"))
    theirs = other.anchor_checkpoint(cosigned_checkpoint(5, leaf=b"fork"))

    found = issuer.find_anchors(ORIGIN)
    assert [f.tx_hash for f in found] == [r.tx_hash for r in [*mine, theirs]]
    by_issuer = issuer.find_anchors(ORIGIN, sender=issuer.sender)
    assert [(f.tree_size, f.digest, f.root_hash) for f in by_issuer] == [
        (r.anchor.tree_size, r.anchor.digest, r.anchor.root_hash) for r in mine
    ]
    assert issuer.find_anchors(ORIGIN, from_block=mine[2].block_number + 1) == [found[-1]]
    assert issuer.find_anchors("nobody.example/log") == []


def test_a_different_checkpoint_does_not_verify(chain: Chain) -> None:
    issuer = chain.anchor()
    receipt = issuer.anchor_checkpoint(cosigned_checkpoint(10))

    verification = issuer.verify_anchor(receipt.tx_hash, cosigned_checkpoint(11))
    assert not verification.verified
    assert _statuses(verification)["digest"] == "failed"
    assert receipt.anchor.digest.hex() in verification.get("digest").message  # type: ignore[union-attr]
    assert _statuses(verification)["confirmations"] == "skipped"
    with pytest.raises(VerificationError, match="digest"):
        verification.raise_for_failure()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda n: n.replace(b"\n10\n", b"\n11\n"),  # another size
        lambda n: n.replace(n.split(b"\n")[2], base64.b64encode(bytes(32))),  # another root
        lambda n: n[:-20] + bytes([n[-20] ^ 1]) + n[-19:],  # a forged cosignature
        lambda n: n.rsplit(b"\n", 2)[0] + b"\n",  # the witness's cosignature dropped
    ],
)
def test_a_tampered_checkpoint_does_not_verify(
    chain: Chain, tamper: Callable[[bytes], bytes]
) -> None:
    issuer = chain.anchor()
    note = cosigned_checkpoint(10)
    receipt = issuer.anchor_checkpoint(note)
    tampered = tamper(note)
    assert tampered != note

    verification = issuer.verify_anchor(receipt, tampered)
    assert _statuses(verification)["digest"] == "failed"
    assert not verification.verified
    assert issuer.verify_anchor(receipt, note).verified


def test_a_malformed_checkpoint_fails_the_checkpoint_check(chain: Chain) -> None:
    issuer = chain.anchor()
    receipt = issuer.anchor_checkpoint(cosigned_checkpoint(10))
    verification = issuer.verify_anchor(receipt, b"not a checkpoint")
    assert _statuses(verification)["checkpoint"] == "failed"
    assert set(list(_statuses(verification).values())[1:]) == {"skipped"}


def test_an_unknown_transaction_does_not_verify(chain: Chain) -> None:
    issuer = chain.anchor()
    verification = issuer.verify_anchor("0x" + "42" * 32, cosigned_checkpoint(1))
    assert _statuses(verification)["transaction"] == "failed"
    assert not verification.verified
    with pytest.raises(InvalidInput):
        issuer.verify_anchor("0x42", cosigned_checkpoint(1))


def test_an_unmined_anchor_is_pending_until_mined(chain: Chain) -> None:
    issuer = chain.anchor(receipt_timeout=0.2, poll_interval=0.05)
    note = cosigned_checkpoint(3)
    chain.tester.disable_auto_mine_transactions()
    tx_hash = issuer.submit(Anchor.of(note))

    pending = issuer.verify_anchor(tx_hash, note)
    assert _statuses(pending)["mined"] == "failed"
    assert "pending" in pending.get("mined").message  # type: ignore[union-attr]
    with pytest.raises(AnchorPending) as info:
        issuer.receipt(tx_hash, Anchor.of(note))
    assert info.value.tx_hash == tx_hash

    chain.tester.enable_auto_mine_transactions()
    chain.tester.mine_blocks(1)
    assert issuer.verify_anchor(tx_hash, note).verified
    assert issuer.receipt(tx_hash, Anchor.of(note)).anchor.tree_size == 3
    # The next anchor takes the next nonce.
    assert issuer.anchor_checkpoint(cosigned_checkpoint(4)).anchor.tree_size == 4


def test_an_anchor_from_another_sender_fails_the_sender_check(chain: Chain) -> None:
    issuer, impostor = chain.anchor("issuer"), chain.anchor("impostor")
    note = cosigned_checkpoint(8)
    receipt = impostor.anchor_checkpoint(note)

    verification = issuer.verify_anchor(receipt.tx_hash, note)
    assert _statuses(verification)["sender"] == "failed"
    assert _statuses(verification)["digest"] == "passed"
    assert not verification.verified
    # Without an expected sender the check is skipped (and says who sent it).
    anyone = chain.anchor("")
    open_check = anyone.verify_anchor(receipt.tx_hash, note)
    assert _statuses(open_check)["sender"] == "skipped"
    assert impostor.sender in open_check.get("sender").message  # type: ignore[union-attr]
    assert open_check.verified


def test_confirmations_count_blocks_on_top(chain: Chain) -> None:
    issuer = chain.anchor(confirmations=3)
    note = cosigned_checkpoint(5)
    receipt = issuer.anchor_checkpoint(note)

    fresh = issuer.verify_anchor(receipt, note)
    assert (fresh.confirmations, _statuses(fresh)["confirmations"]) == (1, "failed")
    chain.tester.mine_blocks(1)
    assert issuer.verify_anchor(receipt, note).confirmations == 2
    chain.tester.mine_blocks(1)
    settled = issuer.verify_anchor(receipt, note)
    assert (settled.confirmations, settled.verified) == (3, True)


def test_transactions_that_are_not_anchors_do_not_verify(chain: Chain) -> None:
    from eth_account import Account

    issuer = chain.anchor()
    note = cosigned_checkpoint(6)
    transfer = chain.w3.eth.send_transaction(
        {"from": chain.w3.eth.accounts[0], "to": issuer.sender, "value": 1}
    )
    assert _statuses(issuer.verify_anchor(transfer.hex(), note))["contract"] == "failed"

    # A call with the wrong calldata reverts: mined, but it anchors nothing.
    account = Account.from_key(_key("issuer"))
    tx = {
        "chainId": chain.chain_id,
        "nonce": chain.w3.eth.get_transaction_count(account.address),
        "to": chain.contract,
        "data": b"\x01" * 32,
        "value": 0,
        "gas": 100_000,
        "gasPrice": chain.w3.eth.gas_price,
    }
    reverted = chain.w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    assert chain.w3.eth.get_transaction_receipt(reverted)["status"] == 0
    verification = issuer.verify_anchor(reverted.hex(), note)
    assert _statuses(verification)["mined"] == "failed"
    assert "reverted" in verification.get("mined").message  # type: ignore[union-attr]


def test_events_from_a_look_alike_contract_are_not_anchors(chain: Chain) -> None:
    from microcred.adapters.anchors.ethereum import INIT, RUNTIME

    deployer = chain.anchor("look-alike")
    # Same behaviour, one extra byte of code: not the anchor contract.
    fake_runtime = RUNTIME + b"\x00"
    fake_init = bytes([0x60, len(fake_runtime)]) + INIT[2:11] + fake_runtime
    fake = chain.w3.eth.get_transaction_receipt(deployer._sender.send(None, fake_init))
    forger = chain.anchor("look-alike", contract=None)
    forger._contract = fake["contractAddress"]
    forger._canonical_code.add(fake["contractAddress"])  # skip its own code check
    note = cosigned_checkpoint(4)
    receipt = forger.anchor_checkpoint(note)
    assert chain.w3.eth.get_transaction_receipt(receipt.tx_hash)["logs"]

    for verifier in (chain.anchor(""), chain.anchor("", contract=None)):
        verification = verifier.verify_anchor(receipt.tx_hash, note)
        assert _statuses(verification)["contract"] == "failed"
    with pytest.raises(ConfigurationError, match="does not hold the anchor contract"):
        chain.anchor("issuer", contract=fake["contractAddress"]).anchor_checkpoint(note)


def test_wrong_chain_id_refuses_to_send_and_fails_verification(chain: Chain) -> None:
    issuer = chain.anchor()
    note = cosigned_checkpoint(2)
    receipt = issuer.anchor_checkpoint(note)
    elsewhere = chain.anchor("", chain_id=1)
    assert _statuses(elsewhere.verify_anchor(receipt.tx_hash, note))["chain"] == "failed"
    with pytest.raises(ConfigurationError, match="chain id"):
        chain.anchor("issuer", chain_id=1).anchor_checkpoint(note)


def test_fee_cap_refuses_to_send(chain: Chain) -> None:
    issuer = chain.anchor(max_fee_per_gas=1)
    nonce = chain.w3.eth.get_transaction_count(issuer.sender)
    with pytest.raises(AnchorError, match="above the configured maximum"):
        issuer.anchor_checkpoint(cosigned_checkpoint(1))
    assert chain.w3.eth.get_transaction_count(issuer.sender) == nonce


def test_configuration_errors_are_plain(chain: Chain) -> None:
    from microcred.adapters.anchors.ethereum import EthereumAnchor

    with pytest.raises(ConfigurationError, match="32 bytes"):
        EthereumAnchor(chain.w3, chain_id=chain.chain_id, private_key=b"short")
    with pytest.raises(ConfigurationError, match="not valid"):
        EthereumAnchor(chain.w3, chain_id=chain.chain_id, private_key=bytes(32))
    with pytest.raises(ConfigurationError, match="private key"):
        chain.anchor("").anchor_checkpoint(cosigned_checkpoint(1))
    with pytest.raises(ConfigurationError, match="not an Ethereum address"):
        EthereumAnchor(chain.w3, chain_id=1, contract="0x1234")
    with pytest.raises(ConfigurationError, match="does not hold"):
        chain.anchor(contract=chain.w3.eth.accounts[3]).anchor_checkpoint(cosigned_checkpoint(1))
    with pytest.raises(ConfigurationError, match="http"):
        EthereumAnchor.from_url("file:///etc/passwd", chain_id=1)
    assert "private" not in repr(chain.anchor())


def test_an_unreachable_endpoint_is_reported_without_its_url() -> None:
    pytest.importorskip("web3", reason="the ethereum extra (microcred[ethereum]) is not installed")
    from microcred.adapters.anchors.ethereum import EthereumAnchor

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v3/secret-api-key"
    with pytest.raises(ChainUnavailable) as info:
        EthereumAnchor.from_url(url, chain_id=1).verify_anchor(
            "0x" + "11" * 32, cosigned_checkpoint(1)
        )
    assert "secret-api-key" not in info.value.explain()
    assert info.value.__cause__ is None


@pytest.fixture
def rpc_url(chain: Chain) -> Iterator[str]:
    """The chain behind a JSON-RPC endpoint over HTTP on loopback.

    eth-tester has no HTTP server, so this small bridge stands in for a node: it answers each
    call from the real in-process EVM and encodes results as JSON-RPC does (hex quantities).
    """

    def encode(value: Any) -> Any:
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return value
        if isinstance(value, int):
            return hex(value)
        if isinstance(value, bytes | bytearray):
            return "0x" + bytes(value).hex()
        if hasattr(value, "items"):
            return {k: encode(v) for k, v in value.items()}
        return [encode(v) for v in value]

    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            call = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            answer: dict[str, Any] = {"jsonrpc": "2.0", "id": call["id"]}
            if call["method"] == "eth_getLogs" and isinstance(
                call["params"][0].get("address"), str
            ):
                # JSON-RPC takes one address or a list; eth-tester's provider takes only lists.
                call["params"][0]["address"] = [call["params"][0]["address"]]
            if call["method"] == "eth_getBlockByNumber" and call["params"][0] == "finalized":
                # eth-tester finalises every block at once; a real chain trails behind.
                latest = chain.w3.eth.block_number
                call["params"][0] = hex(max(0, latest - chain.finalized_lag))
            with lock:
                try:
                    result = chain.w3.manager.request_blocking(call["method"], call["params"])
                    answer["result"] = encode(result)
                    replaced = call["method"] == "eth_getBlockByNumber" and result is not None
                    if replaced and result["number"] in chain.replaced_blocks:
                        answer["result"]["hash"] = "0x" + "ee" * 32
                except Exception as exc:
                    answer["error"] = {"code": -32000, "message": str(exc)}
            if call["method"] in chain.hang_up_after:
                chain.hang_up_after.discard(call["method"])
                self.close_connection = True
                return
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_anchor_and_verify_through_a_json_rpc_url(chain: Chain, rpc_url: str) -> None:
    from microcred.adapters.anchors.ethereum import EthereumAnchor

    chain.fund(_key("issuer"))
    options: dict[str, Any] = {"chain_id": chain.chain_id, "contract": chain.contract}
    issuer = EthereumAnchor.from_url(rpc_url, private_key=_key("issuer"), **options)
    note = cosigned_checkpoint(12)
    receipt = issuer.anchor_checkpoint(note)
    verifier = EthereumAnchor.from_url(rpc_url, expected_sender=receipt.sender, **options)
    assert verifier.verify_anchor(receipt.tx_hash, note).verified
    assert not verifier.verify_anchor(receipt.tx_hash, cosigned_checkpoint(13)).verified
    assert [f.tx_hash for f in verifier.find_anchors(ORIGIN)] == [receipt.tx_hash]


def test_a_lost_answer_to_the_send_leaves_a_verifiable_pending_anchor(
    chain: Chain, rpc_url: str
) -> None:
    from microcred.adapters.anchors.ethereum import EthereumAnchor

    chain.fund(_key("issuer"))
    issuer = EthereumAnchor.from_url(
        rpc_url, chain_id=chain.chain_id, contract=chain.contract, private_key=_key("issuer")
    )
    chain.hang_up_after.add("eth_sendRawTransaction")
    note = cosigned_checkpoint(30)
    with pytest.raises(AnchorPending) as info:
        issuer.anchor_checkpoint(note)
    assert issuer.verify_anchor(info.value.tx_hash, note).verified  # it had arrived
    assert issuer.anchor_checkpoint(cosigned_checkpoint(31)).anchor.tree_size == 31


def test_a_receipt_from_a_replaced_block_does_not_verify(chain: Chain, rpc_url: str) -> None:
    from microcred.adapters.anchors.ethereum import EthereumAnchor

    note = cosigned_checkpoint(40)
    receipt = chain.anchor().anchor_checkpoint(note)
    verifier = EthereumAnchor.from_url(rpc_url, chain_id=chain.chain_id, contract=chain.contract)
    assert verifier.verify_anchor(receipt, note).verified
    chain.replaced_blocks.add(receipt.block_number)
    verification = verifier.verify_anchor(receipt, note)
    assert _statuses(verification)["mined"] == "failed"
    assert "no longer canonical" in verification.get("mined").message  # type: ignore[union-attr]


def test_finality_is_required_when_configured(chain: Chain, rpc_url: str) -> None:
    from microcred.adapters.anchors.ethereum import EthereumAnchor

    chain.finalized_lag = 2
    note = cosigned_checkpoint(21)
    receipt = chain.anchor().anchor_checkpoint(note)
    verifier = EthereumAnchor.from_url(
        rpc_url, chain_id=chain.chain_id, contract=chain.contract, require_finalized=True
    )
    fresh = verifier.verify_anchor(receipt.tx_hash, note)
    assert _statuses(fresh)["confirmations"] == "failed"
    assert "Finalized up to block" in fresh.get("confirmations").message  # type: ignore[union-attr]
    chain.tester.mine_blocks(2)
    assert verifier.verify_anchor(receipt.tx_hash, note).verified


def test_a_relying_party_needs_only_json_rpc_and_sha256(chain: Chain, rpc_url: str) -> None:
    """The recipe of docs/chain-anchoring.md: plain JSON-RPC calls and SHA-256, no microcred."""
    import httpx

    from microcred.adapters.anchors.ethereum import RUNTIME

    note = cosigned_checkpoint(77)
    tx_hash = chain.anchor().anchor_checkpoint(note).tx_hash

    def rpc(method: str, *params: Any) -> Any:
        call = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        return httpx.post(rpc_url, json=call).json()["result"]

    receipt = rpc("eth_getTransactionReceipt", tx_hash)
    assert receipt["status"] == "0x1"
    (log,) = receipt["logs"]
    topic0 = "0x1e83e36545992fa3a995a260cb24e64d7037c7434b2270778230bef254b07e7f"
    digest = hashlib.sha256(b"microcred/anchor/checkpoint/v1\n" + note).hexdigest()
    origin = hashlib.sha256(b"microcred/anchor/origin/v1\n" + ORIGIN.encode()).hexdigest()
    assert log["topics"] == [
        topic0,
        "0x" + "00" * 12 + _address(_key("issuer"))[2:].lower(),
        "0x" + origin,
        "0x" + digest,
    ]
    assert int(log["data"][-64:], 16) == 77
    assert rpc("eth_getCode", log["address"], "latest") == "0x" + RUNTIME.hex()
    block = rpc("eth_getBlockByNumber", receipt["blockNumber"], False)
    assert block["hash"] == receipt["blockHash"]
    confirmations = int(rpc("eth_blockNumber"), 16) - int(receipt["blockNumber"], 16) + 1
    assert confirmations == 1
    # Searching by content: every anchor of this checkpoint, from the chain alone.
    found = rpc(
        "eth_getLogs",
        {
            "fromBlock": "0x0",
            "toBlock": "latest",
            "address": log["address"],
            "topics": [topic0, None, None, "0x" + digest],
        },
    )
    assert [f["transactionHash"] for f in found] == [tx_hash]


def test_contract_code_is_pinned() -> None:
    """Anchors already written stay verifiable only if the accepted code never changes."""
    pytest.importorskip("web3", reason="the ethereum extra (microcred[ethereum]) is not installed")
    from microcred.adapters.anchors.ethereum import EVENT_TOPIC, INIT, RUNTIME

    assert EVENT_TOPIC.hex() == "1e83e36545992fa3a995a260cb24e64d7037c7434b2270778230bef254b07e7f"
    assert RUNTIME.hex() == (
        "34153660801416600e57600080fd5b60406040600037602035600035337f"
        + EVENT_TOPIC.hex()
        + "60406000a400"
    )
    assert INIT[:11].hex() == "604480600b6000396000f3" and INIT[11:] == RUNTIME
