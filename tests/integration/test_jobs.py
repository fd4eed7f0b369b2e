"""The job queue on SQLite and PostgreSQL: transactional enqueue, dedupe, retries, crash recovery,
and concurrent workers that never run a job twice."""

from __future__ import annotations

import threading
import time
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


def test_a_killed_workers_job_is_rerun_within_a_minute(container: Container, clock) -> None:
    """Found by the chaos run: a worker SIGKILLed mid-job left its claim for 10 minutes, so the
    submission it was reviewing waited that long. Claims now lapse after a minute without a
    heartbeat."""
    with container.uow() as uow:
        uow.jobs.enqueue("work", {})
        uow.commit()
    with container.uow() as uow:
        assert uow.jobs.claim("killed-worker", clock.now()) is not None
        uow.commit()
    done: list[int] = []
    runner = JobRunner(container.uow, container.clock, {"work": lambda p: done.append(1)})
    clock.advance(seconds=30)
    assert not runner.run_once()
    clock.advance(seconds=31)
    assert runner.run_once() and done == [1]


def test_a_live_worker_keeps_its_claim_however_long_the_job(container: Container, clock) -> None:
    """The heartbeat renews the claim while the handler runs: a slow job is not handed to a
    second worker as if its worker had vanished."""
    with container.uow() as uow:
        uow.jobs.enqueue("slow", {})
        uow.commit()
    entered, go = threading.Event(), threading.Event()
    runs: list[str] = []

    def slow(_payload: dict) -> None:
        runs.append("slow")
        entered.set()
        assert go.wait(30)

    a = JobRunner(
        container.uow, clock, {"slow": slow}, worker_id="a", stale_after=timedelta(seconds=0.4)
    )
    b = JobRunner(
        container.uow,
        clock,
        {"slow": lambda p: runs.append("twice")},
        worker_id="b",
        stale_after=timedelta(seconds=0.4),
    )
    result: list[bool] = []
    worker = threading.Thread(target=lambda: result.append(a.run_once()))
    worker.start()
    assert entered.wait(30)
    clock.advance(seconds=10)  # long past stale_after, by the clock the claim is judged by
    time.sleep(0.5)  # a few heartbeats (every 0.1 s) renew the claim at the new time
    assert not b.run_once()  # nothing to take over: a is alive
    go.set()
    worker.join(30)
    assert result == [True] and runs == ["slow"]
    with container.uow() as uow:
        assert uow.jobs.pending() == 0
