"""Growing delays for guessable actions (sign-in, password checks, ...), counted per key (an
account, a client address) in the database, so every web process sees the same counters."""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from microcred.errors import TooManyAttempts
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import UnitOfWorkFactory

#: a counter nobody touched for this long is dropped, once in a while
_PRUNE_EVERY = 256


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """``free_failures`` attempts, then each further one waits a delay doubling up to the max."""

    free_failures: int
    max_delay: timedelta
    first_delay: timedelta = timedelta(seconds=1)
    #: a counter with no attempt for this long starts again from zero
    forget_after: timedelta = timedelta(hours=24)
    #: a success clears the counter (per account); otherwise it only gives its attempt back
    reset_on_success: bool = False

    def delay_after(self, failures: int) -> timedelta | None:
        """How long to wait after ``failures`` failures, or None while they are free."""
        over = failures - self.free_failures
        if over <= 0:
            return None
        factor: int = 2 ** min(over - 1, 40)
        return min(self.first_delay * factor, self.max_delay)


@dataclass(frozen=True, slots=True)
class Reservation:
    """One counted attempt: the keys it counted against and which of them it locked."""

    keys: Mapping[str, str]
    newly_locked: frozenset[str]


def client_key(address: str | None) -> str | None:
    """A client address as throttled: IPv4 as is, IPv6 by its /64 (one subscriber's block)."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip.ipv4_mapped or ip) if isinstance(ip, ipaddress.IPv6Address) else str(ip)


class AttemptThrottle:
    """Counts attempts of one action against several kinds of key, each with its own policy.

    An attempt is counted *before* it is checked (`reserve`), under a row lock, so parallel
    guessers cannot slip extra guesses in between a check and its count; a success then gives
    it back (`succeeded`)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        action: str,
        policies: Mapping[str, ThrottlePolicy],
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._action = action
        self._policies = dict(policies)
        self._calls = 0

    def _key(self, kind: str, subject: str) -> str:
        return hashlib.sha256(f"{self._action}\0{kind}\0{subject}".encode()).hexdigest()

    def reserve(self, subjects: Mapping[str, str | None]) -> Reservation:
        """Count one attempt for each named subject, or raise `TooManyAttempts` (uncounted)."""
        now = self._clock.now()
        keys = {
            kind: self._key(kind, subject)
            for kind, subject in sorted(subjects.items())
            if subject and kind in self._policies
        }
        newly_locked: set[str] = set()
        with self._uow() as uow:
            counters = {kind: uow.attempts.lock(key, now) for kind, key in keys.items()}
            wait = 0.0
            for kind, counter in counters.items():
                if counter.locked_until is not None and counter.locked_until > now:
                    wait = max(wait, (counter.locked_until - now).total_seconds())
                elif now - counter.updated_at > self._policies[kind].forget_after:
                    counter.failures = 0
            if wait > 0:
                raise TooManyAttempts(
                    "Too many failed attempts; wait before trying again.",
                    retry_after=math.ceil(wait),
                    hint=f"Try again in {math.ceil(wait)} s.",
                )
            for kind, counter in counters.items():
                counter.failures += 1
                delay = self._policies[kind].delay_after(counter.failures)
                counter.locked_until = now + delay if delay else None
                if counter.failures == self._policies[kind].free_failures + 1:
                    newly_locked.add(kind)
                counter.updated_at = now
                uow.attempts.save(counter)
            self._calls += 1
            if self._calls % _PRUNE_EVERY == 0:
                longest = max(p.forget_after for p in self._policies.values())
                uow.attempts.prune(now - longest, now)
            uow.commit()
        return Reservation(keys, frozenset(newly_locked))

    def succeeded(self, reservation: Reservation) -> None:
        """A success: clear the counters that reset, give the attempt back to the others."""
        now = self._clock.now()
        with self._uow() as uow:
            for kind, key in reservation.keys.items():
                policy = self._policies[kind]
                if policy.reset_on_success:
                    uow.attempts.delete(key)
                    continue
                counter = uow.attempts.lock(key, now)
                counter.failures = max(0, counter.failures - 1)
                if policy.delay_after(counter.failures) is None:
                    counter.locked_until = None
                uow.attempts.save(counter)
            uow.commit()
