"""C2SP tlog-policy: which log keys, which witnesses and which quorum make a checkpoint final.

::

    log example.com/log+1a2b3c4d+AQ...           # type 0x01 vkey; key name = origin
    witness w1 w1.example+5e6f7a8b+BA...          # type 0x04 (Ed25519 cosignature) vkeys
    witness w2 w2.example+...
    group two-of-three 2 w1 w2 w3
    quorum two-of-three

A checkpoint is *final* under a policy when a listed log signed it and the quorum of witnesses
cosigned it (`Policy.check`). ML-DSA-44 witness keys (type 0x06) are refused as unsupported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from microcred.errors import InvalidInput, MicrocredError, PayloadTooLarge, VerificationError
from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.cosignature import CosignatureVerifier, cosignature_timestamp
from microcred.transparency.note import (
    Ed25519NoteVerifier,
    Note,
    NoteVerifier,
    parse_note,
    verify_note,
)

#: The predefined quorum name that requires no cosignature.
NONE = "none"
#: Limits on policy complexity (the spec recommends supporting at least 32 of each).
MAX_LOGS = MAX_WITNESSES = MAX_GROUPS = 256
#: The largest policy file accepted.
MAX_POLICY_BYTES = 256 * 1024

_BAD_OCTETS = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"[ \t]+")
_K = re.compile(r"[1-9][0-9]{0,5}")


class MalformedPolicy(InvalidInput):
    """The policy file is not valid; the message names the line."""

    code = "malformed_policy"


@dataclass(frozen=True, slots=True)
class PolicyLog:
    """A log the policy accepts: its Ed25519 note key (named after its origin) and URL."""

    verifier: Ed25519NoteVerifier
    url: str | None = None

    @property
    def origin(self) -> str:
        """The log's origin (its key name)."""
        return self.verifier.name


@dataclass(frozen=True, slots=True)
class PolicyWitness:
    """A witness: its policy-local name, cosignature key and optional submission URL."""

    name: str
    verifier: CosignatureVerifier
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """At least ``threshold`` of ``members`` (witnesses or groups) must have witnessed."""

    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FinalCheckpoint:
    """A checkpoint that satisfied a policy, with the log that signed it and the cosigners."""

    checkpoint: Checkpoint
    note: Note
    log: PolicyLog
    #: Witness name → timestamp of its verified cosignature.
    cosigners: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed tlog policy."""

    logs: tuple[PolicyLog, ...]
    witnesses: Mapping[str, PolicyWitness]
    groups: Mapping[str, Group]
    quorum: str

    @classmethod
    def parse(cls, data: bytes | str) -> Policy:
        """Parse a policy file strictly (the message of a `MalformedPolicy` names the line)."""
        raw = data.encode() if isinstance(data, str) else data
        if len(raw) > MAX_POLICY_BYTES:
            raise PayloadTooLarge(f"The policy is {len(raw)} bytes; at most {MAX_POLICY_BYTES}.")
        bad = _BAD_OCTETS.search(raw)
        if bad:
            where = raw[: bad.start()].count(b"\n") + 1
            raise MalformedPolicy(
                f"Line {where}: control characters other than tab are not allowed."
            )
        builder = _Builder()
        for number, line in enumerate(raw.decode("utf-8", "surrogateescape").split("\n"), 1):
            items = _SPACES.split(line.strip(" \t"))
            if items == [""] or items[0].startswith("#"):
                continue
            try:
                builder.add(items)
            except MicrocredError as exc:
                raise MalformedPolicy(f"Line {number}: {exc.message}") from None
        return builder.build()

    def format(self) -> str:
        """The policy as a file (logs, witnesses, groups, quorum)."""
        lines = [" ".join(filter(None, ["log", p.verifier.vkey, p.url])) for p in self.logs]
        lines += [
            " ".join(filter(None, ["witness", w.name, w.verifier.vkey, w.url]))
            for w in self.witnesses.values()
        ]
        lines += [
            " ".join(["group", g.name, str(g.threshold), *g.members]) for g in self.groups.values()
        ]
        lines.append(f"quorum {self.quorum}")
        return "\n".join(lines) + "\n"

    def satisfied(self, cosigners: Iterable[str]) -> bool:
        """True when witnesses ``cosigners`` (policy names) meet the quorum."""
        return self._met(self.quorum, set(cosigners))

    def _met(self, name: str, cosigners: set[str]) -> bool:
        if name == NONE:
            return True
        if name in self.witnesses:
            return name in cosigners
        group = self.groups[name]
        return sum(self._met(m, cosigners) for m in group.members) >= group.threshold

    def _explain(self, name: str, cosigners: set[str]) -> str:
        if name in self.witnesses:
            return f"witness {name} has not cosigned"
        group = self.groups[name]
        met = [m for m in group.members if self._met(m, cosigners)]
        missing = [self._explain(m, cosigners) for m in group.members if m not in met]
        return (
            f"group {name} needs {group.threshold} of {len(group.members)}, has {len(met)} "
            f"({'; '.join(missing)})"
        )

    def check(
        self,
        note: Note | bytes | str,
        *,
        extra_logs: Iterable[Ed25519NoteVerifier] = (),
        now: int | None = None,
        max_skew: int = 600,
    ) -> FinalCheckpoint:
        """Check that a cosigned checkpoint is final under this policy; raise otherwise.

        A listed log (key name = origin) must have signed it, every signature from a known key
        must verify, and the verified cosignatures must meet the quorum. With ``now``, a
        cosignature timestamped more than ``max_skew`` seconds in the future does not count.
        ``extra_logs`` adds log keys known from context (for policies that list no log).
        """
        parsed = note if isinstance(note, Note) else parse_note(note)
        checkpoint = Checkpoint.parse(parsed.text)
        origin = checkpoint.origin
        logs = {
            (p.verifier.name, p.verifier.key_id): p
            for p in (*self.logs, *(PolicyLog(v) for v in extra_logs))
            if p.origin == origin
        }
        if not logs:
            raise VerificationError(f"The policy accepts no log with origin {origin!r}.")
        by_id = {(w.verifier.name, w.verifier.key_id): w for w in self.witnesses.values()}
        known: list[NoteVerifier] = [p.verifier for p in logs.values()]
        known += [w.verifier for w in self.witnesses.values()]
        verified = verify_note(parsed, known)
        log = next(
            (logs[(v.name, v.key_id)] for v, _ in verified.verified if (v.name, v.key_id) in logs),
            None,
        )
        if log is None:
            raise VerificationError(f"The checkpoint is not signed by the log {origin!r}.")
        cosigners: dict[str, int] = {}
        for v, sig in verified.verified:
            witness = by_id.get((v.name, v.key_id))
            if witness is None:
                continue
            stamp = cosignature_timestamp(sig)
            if now is not None and stamp > now + max_skew:
                continue
            cosigners.setdefault(witness.name, stamp)
        if not self.satisfied(cosigners):
            raise VerificationError(
                "The checkpoint is not final under the policy: "
                + self._explain(self.quorum, set(cosigners))
                + "."
            )
        return FinalCheckpoint(checkpoint, parsed, log, cosigners)


class _Builder:
    """Accumulates policy lines in order, enforcing the spec's rules."""

    def __init__(self) -> None:
        self.logs: list[PolicyLog] = []
        self.witnesses: dict[str, PolicyWitness] = {}
        self.groups: dict[str, Group] = {}
        self.quorum: str | None = None

    def _new_name(self, name: str) -> str:
        if name == NONE:
            raise InvalidInput("'none' is a reserved name.")
        if name in self.witnesses or name in self.groups:
            raise InvalidInput(f"The name {name!r} is already defined.")
        return name

    def _defined(self, name: str) -> bool:
        return name in self.witnesses or name in self.groups

    def add(self, items: list[str]) -> None:
        keyword, args = items[0], items[1:]
        if keyword == "log":
            if len(args) not in (1, 2):
                raise InvalidInput("A log line is 'log <vkey> [<url>]'.")
            verifier = Ed25519NoteVerifier.from_vkey(args[0])
            if any(p.verifier.public == verifier.public for p in self.logs):
                raise InvalidInput("This log key is already listed.")
            if len(self.logs) == MAX_LOGS:
                raise InvalidInput(f"At most {MAX_LOGS} logs are supported.")
            self.logs.append(PolicyLog(verifier, args[1] if len(args) == 2 else None))
        elif keyword == "witness":
            if len(args) not in (2, 3):
                raise InvalidInput("A witness line is 'witness <name> <vkey> [<url>]'.")
            name = self._new_name(args[0])
            cosigner = CosignatureVerifier.from_vkey(args[1])
            if any(w.verifier.public == cosigner.public for w in self.witnesses.values()):
                raise InvalidInput("This witness key is already listed.")
            if len(self.witnesses) == MAX_WITNESSES:
                raise InvalidInput(f"At most {MAX_WITNESSES} witnesses are supported.")
            self.witnesses[name] = PolicyWitness(
                name, cosigner, args[2] if len(args) == 3 else None
            )
        elif keyword == "group":
            self._group(args)
        elif keyword == "quorum":
            if len(args) != 1:
                raise InvalidInput("A quorum line is 'quorum <name>'.")
            if self.quorum is not None:
                raise InvalidInput("A policy has exactly one quorum line.")
            if args[0] != NONE and not self._defined(args[0]):
                raise InvalidInput(f"The quorum names {args[0]!r}, which is not defined above.")
            self.quorum = args[0]
        else:
            raise InvalidInput(f"Unknown keyword {keyword[:40]!r}.")

    def _group(self, args: list[str]) -> None:
        if len(args) < 3:
            raise InvalidInput("A group line is 'group <name> <all|any|k> <name>...'.")
        name = self._new_name(args[0])
        members = args[2:]
        for member in members:
            if member == NONE:
                raise InvalidInput("'none' cannot be a group member.")
            if not self._defined(member):
                raise InvalidInput(f"The group member {member!r} is not defined above.")
        if len(set(members)) != len(members):
            raise InvalidInput("A group lists each member at most once.")
        if args[1] == "all":
            threshold = len(members)
        elif args[1] == "any":
            threshold = 1
        elif _K.fullmatch(args[1]) and int(args[1]) <= len(members):
            threshold = int(args[1])
        else:
            raise InvalidInput(
                f"The threshold {args[1][:12]!r} must be all, any or 1..{len(members)}."
            )
        if len(self.groups) == MAX_GROUPS:
            raise InvalidInput(f"At most {MAX_GROUPS} groups are supported.")
        self.groups[name] = Group(name, threshold, tuple(members))

    def build(self) -> Policy:
        if self.quorum is None:
            raise MalformedPolicy("The policy has no quorum line.")
        return Policy(tuple(self.logs), dict(self.witnesses), dict(self.groups), self.quorum)
