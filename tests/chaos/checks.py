"""What must hold after the chaos: read from the database, the servers and the witnesses."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from microcred.services.ledger.log_verification import LogProofCheck
from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.note import Ed25519NoteVerifier, parse_note, verify_note
from microcred.transparency.policy import Policy
from microcred.transparency.proof import TlogProof

from .cluster import Cluster, run_cli
from .load import Record


@dataclass
class LogState:
    """The log as the database has it."""

    size: int
    unsequenced: int
    checkpoint: int
    cosigners: int


def log_state(url: str) -> LogState:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            top = c.execute(text("SELECT max(leaf_index) FROM log_entries")).scalar()
            staged = c.execute(
                text("SELECT count(*) FROM log_entries WHERE leaf_index IS NULL")
            ).scalar()
            cp = c.execute(text("SELECT max(size) FROM log_checkpoints")).scalar() or 0
            cos = c.execute(
                text("SELECT count(*) FROM log_cosignatures WHERE size = :s"), {"s": cp}
            ).scalar()
    finally:
        engine.dispose()
    return LogState(-1 if top is None else int(top) + 1, int(staged or 0), int(cp), int(cos or 0))


def wait_until(what: str, predicate: Any, timeout: float) -> Any:
    """Poll ``predicate`` until truthy; fail naming ``what`` and the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def open_submissions(url: str) -> int:
    """Submissions still waiting for their AI review job."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return int(
                c.execute(
                    text("SELECT count(*) FROM submissions WHERE status = 'submitted'")
                ).scalar()
                or 0
            )
    finally:
        engine.dispose()


def jobs_by_status(url: str) -> dict[str, int]:
    """How many jobs are in each state."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            rows = c.execute(text("SELECT status, count(*) FROM jobs GROUP BY status")).all()
    finally:
        engine.dispose()
    return {str(s): int(n) for s, n in rows}


@dataclass
class Counts:
    """The run's figures, printed at the end."""

    values: dict[str, Any] = field(default_factory=dict)

    def __setitem__(self, key: str, value: Any) -> None:
        self.values[key] = value

    def show(self) -> str:
        width = max(len(k) for k in self.values)
        return "\n".join(f"  {k:<{width}}  {v}" for k, v in self.values.items())


def check_records(url: str, record: Record, reviewed: str, counts: Counts) -> list[str]:
    """Acknowledged credentials present once, unacknowledged ones absent, statuses logged."""
    problems: list[str] = []
    engine = create_engine(url)
    with engine.connect() as c:
        creds = c.execute(
            text("SELECT id, recipient_did, status, achievement_id FROM credentials")
        ).all()
        entries = c.execute(text("SELECT credential_id, event, leaf_index FROM log_entries")).all()
        subs = c.execute(text("SELECT id, status, credential_id FROM submissions")).all()
    engine.dispose()
    by_did: dict[str, list[str]] = defaultdict(list)
    for cid, did, _, _ in creds:
        by_did[did or ""].append(cid)
    outcomes = Counter(record.attempts.values())
    for did, outcome in record.attempts.items():
        found = by_did.get(did, [])
        if outcome == "acked" and found != [record.acked[did]]:
            problems.append(f"acknowledged {did} ({record.acked[did]}) stored as {found}")
        if outcome in ("unsent", "refused") and found:
            problems.append(f"{outcome} {did} is visible: {found}")
        if outcome == "doubt" and len(found) > 1:
            problems.append(f"in-doubt {did} stored {len(found)} times")
    doubt_present = sum(1 for d, o in record.attempts.items() if o == "doubt" and by_did.get(d))
    status = {cid: st for cid, _, st, _ in creds}
    issued: Counter[str] = Counter()
    changes: dict[str, list[str]] = defaultdict(list)
    for cid, event, index in entries:
        if index is None:
            problems.append(f"entry for {cid} ({event}) never sequenced")
        if event == "issued":
            issued[cid] += 1
        else:
            changes[cid].append(event)
    for cid in status:
        if issued[cid] != 1:
            problems.append(f"credential {cid} has {issued[cid]} issuance entries")
    phantoms = [cid for cid, did, _, ach in creds if ach != reviewed and did not in record.attempts]
    if phantoms:
        problems.append(f"credentials nobody asked for: {phantoms[:5]}")
    for cid in record.revoked:
        if status.get(cid) != "revoked" or "revoked" not in changes[cid]:
            problems.append(f"acknowledged revocation of {cid}: {status.get(cid)}, {changes[cid]}")
    sub_status = {sid: (st, cred) for sid, st, cred in subs}
    for sid in record.passed:
        st, cred = sub_status.get(sid, ("missing", None))
        if st != "passed" or cred not in status:
            problems.append(f"acknowledged pass of {sid}: {st}, credential {cred}")
    earned = [cid for cid, _, _, ach in creds if ach == reviewed]
    passed_subs = [cred for st, cred in sub_status.values() if st == "passed"]
    if sorted(earned) != sorted(c for c in passed_subs if c):
        problems.append(
            f"{len(earned)} earned credentials for {len(passed_subs)} passed submissions"
        )
    counts["issuance attempts"] = len(record.attempts)
    counts["  acknowledged (present exactly once)"] = outcomes["acked"]
    counts["  never sent (connection refused; absent)"] = outcomes["unsent"]
    counts["  refused with 4xx (absent)"] = outcomes["refused"]
    counts["  in doubt (5xx / reset / timeout)"] = outcomes["doubt"]
    counts["    of which committed (present once)"] = doubt_present
    counts["revocations acknowledged (all logged)"] = len(record.revoked)
    counts["submissions acknowledged"] = len(record.submissions)
    counts["  passed by the reviewer (acknowledged)"] = len(record.passed)
    counts["  passed in the database"] = len(passed_subs)
    counts["credentials stored"] = len(creds)
    counts["log entries"] = len(entries)
    return problems


def check_proofs(cluster: Cluster, url: str, counts: Counts) -> list[str]:
    """Every credential's tlog-proof verifies against a checkpoint the quorum cosigned."""
    problems: list[str] = []
    engine = create_engine(url)
    with engine.connect() as c:
        docs = c.execute(text("SELECT id, document, status FROM credentials")).all()
    engine.dispose()
    bases = cluster.bases
    policy = Policy.parse(httpx.get(f"{bases[0]}/log/policy", timeout=30).text)
    clients = [httpx.Client(base_url=b, timeout=30) for b in bases]
    revoked_seen = 0

    def one(n: int, cid: str, document: str, state: str) -> tuple[list[str], bool]:
        r = clients[n % len(clients)].get(f"/credentials/{cid}/tlog-proof")
        if r.status_code != 200:
            return [f"tlog-proof of {cid}: HTTP {r.status_code} {r.text[:200]}"], False
        doc = json.loads(document)
        checks = {ch.check: ch for ch in LogProofCheck(TlogProof.parse(r.text), policy)(doc, doc)}
        found = [
            f"{cid} {name}: {checks[name].message}"
            for name in ("log_inclusion", "witnesses")
            if checks[name].status.value != "passed"
        ]
        return found, state == "revoked" and checks["log_status"].status.value == "failed"

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda a: one(*a), [(n, *row) for n, row in enumerate(docs)]))
    for found, revoked in results:
        problems += found
        revoked_seen += revoked
    verified = sum(1 for found, _ in results if not found)
    for cl in clients:
        cl.close()
    counts["tlog-proofs verified (quorum 2 of 3)"] = verified
    counts["  revoked ones the proof shows revoked"] = revoked_seen
    return problems


def check_witnesses(cluster: Cluster, url: str, counts: Counts) -> list[str]:
    """The three witnesses hold the same cosigned checkpoint, the log's own."""
    problems: list[str] = []
    log_key = Ed25519NoteVerifier.from_vkey(cluster.log_vkey)
    origin = log_key.name
    hashed = hashlib.sha256(origin.encode()).hexdigest()
    seen = []
    for w in cluster.witness_urls:
        r = httpx.get(f"{w}/{hashed}/checkpoint", timeout=10)
        if r.status_code != 200:
            problems.append(f"witness {w}: HTTP {r.status_code}")
            continue
        note = parse_note(r.text)
        verify_note(note, [log_key])
        cp = Checkpoint.parse(note.text)
        seen.append((cp.size, cp.root_hash))
    engine = create_engine(url)
    with engine.connect() as c:
        roots = dict(c.execute(text("SELECT size, root FROM log_checkpoints")).all())
    engine.dispose()
    for size, root in seen:
        if bytes(roots.get(size, b"")) != root:
            problems.append(f"a witness holds size {size} with a root the log never signed")
    if len(set(seen)) != 1:
        problems.append(f"witnesses disagree: {sorted({s for s, _ in seen})}")
    counts["witnesses agreeing on size"] = sorted({s for s, _ in seen})
    return problems


def check_audit(cluster: Cluster, counts: Counts) -> list[str]:
    """``microcred audit`` (asking the witnesses too) finds nothing."""
    r = run_cli("audit", "--json", env=cluster.env, timeout=300)
    try:
        report = json.loads(r.stdout)
    except ValueError:
        return [f"audit did not answer JSON: {r.stdout[-500:]} {r.stderr[-1500:]}"]
    counts["audit"] = (
        f"clean={report['clean']} entries={report['entries']} "
        f"credentials={report['credentials']} cosigned={report['cosigned_size']}"
    )
    if r.returncode != 0 or not report["clean"]:
        return [f"audit: {report['findings'][:5]} {report['warnings'][:3]}"]
    return []
