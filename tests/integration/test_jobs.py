"""The job queue on SQLite and PostgreSQL: transactional enqueue, dedupe, retries, crash recovery,
and concurrent workers that never run a job twice."""

from __future__ import annotations

import threading
from datetime import timedelta

from microcred.bootstrap import Container
from microcred.services.jobs import JobRunner


def test_enqueue_joins_the_transaction(container: Container) -> None:
    with container.uow() as uow:
        assert uow.jobs.enqueue("noop", {"n": 1})
        uow.rollback()
    with container.uow() as uow:
        assert uow.jobs.pending() == 0
        uow.jobs.enqueue("noop", {"n": 2})
        uow.commit()
    with container.uow() as uow:
        assert uow.jobs.pending("noop") == 1


def test_dedupe_key_until_done(container: Container) -> None:
    seen: list[int] = []
    runner = JobRunner(container.uow, container.clock, {"seq": lambda p: seen.append(p["n"])})
    with container.uow() as uow:
        assert uow.jobs.enqueue("seq", {"n": 1}, dedupe_key="sequence")
        assert not uow.jobs.enqueue("seq", {"n": 2}, dedupe_key="sequence")
        uow.commit()
    assert runner.drain() == 1 and seen == [1]
    with container.uow() as uow:
        assert uow.jobs.enqueue("seq", {"n": 3}, dedupe_key="sequence")
        uow.commit()
    assert runner.drain() == 1 and seen == [1, 3]


def test_failures_retry_with_backoff_then_give_up(container: Container, clock) -> None:
    calls: list[int] = []

    def flaky(payload: dict) -> None:
        calls.append(1)
        raise RuntimeError("boom")

    runner = JobRunner(container.uow, container.clock, {"flaky": flaky})
    with container.uow() as uow:
        uow.jobs.enqueue("flaky", {}, max_attempts=3)
        uow.commit()
    assert runner.run_once()
    assert not runner.run_once()  # backing off
    clock.advance(seconds=3)
    assert runner.run_once()
    clock.advance(seconds=5)
    assert runner.run_once()
    clock.advance(hours=1)
    assert not runner.run_once()
    assert len(calls) == 3
    with container.uow() as uow:
        assert uow.jobs.pending() == 0


def test_a_crashed_worker_job_is_picked_up_again(container: Container, clock) -> None:
    with container.uow() as uow:
        uow.jobs.enqueue("work", {})
        uow.commit()
    with container.uow() as uow:
        assert uow.jobs.claim("dead-worker", clock.now()) is not None
        uow.commit()
    done: list[int] = []
    runner = JobRunner(
        container.uow,
        container.clock,
        {"work": lambda p: done.append(1)},
        stale_after=timedelta(minutes=10),
    )
    assert not runner.run_once()
    clock.advance(minutes=11)
    assert runner.run_once() and done == [1]


def test_concurrent_workers_run_each_job_once(container: Container) -> None:
    with container.uow() as uow:
        for n in range(60):
            uow.jobs.enqueue("count", {"n": n})
        uow.commit()
    ran: list[int] = []
    lock = threading.Lock()

    def handler(payload: dict) -> None:
        with lock:
            ran.append(payload["n"])

    runners = [
        JobRunner(container.uow, container.clock, {"count": handler}, worker_id=f"w{i}")
        for i in range(4)
    ]
    threads = [threading.Thread(target=r.drain) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(ran) == list(range(60))
