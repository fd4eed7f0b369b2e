"""Workers wake at once on PostgreSQL (LISTEN/NOTIFY beside the ``SKIP LOCKED`` claim): a job
enqueued while a worker idles runs long before the worker's next poll, a rolled-back enqueue
announces nothing, and a lost listening connection falls back to polling, then recovers."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from microcred.adapters.clock import SystemClock
from microcred.bootstrap import Container
from microcred.ports.jobs import JobWakeup
from microcred.services.jobs import JobRunner


def _wakeup(container: Container) -> JobWakeup:
    if container.jobs.wakeup is None:
        assert container.engine.dialect.name == "sqlite"
        pytest.skip("SQLite has one process and no LISTEN/NOTIFY: its worker polls")
    return container.jobs.wakeup


def _enqueue(container: Container, *, commit: bool = True) -> None:
    with container.uow() as uow:
        uow.jobs.enqueue("wake-test", {})
        if commit:
            uow.commit()
        else:
            uow.rollback()


def test_an_idle_worker_runs_a_new_job_long_before_its_next_poll(container: Container) -> None:
    wakeup = _wakeup(container)
    stop, ran = threading.Event(), threading.Event()

    def handler(_: dict[str, object]) -> None:
        ran.set()
        stop.set()  # the loop ends after this job

    runner = JobRunner(container.uow, container.clock, {"wake-test": handler}, wakeup=wakeup)
    thread = threading.Thread(target=runner.run_forever, args=(stop, 60.0), daemon=True)
    thread.start()
    time.sleep(0.5)  # the worker found nothing and now waits up to 60 s
    started = time.monotonic()
    _enqueue(container)
    assert ran.wait(10), "the worker slept through the notification"
    assert time.monotonic() - started < 10
    thread.join(10)
    assert not thread.is_alive()


def test_only_a_committed_enqueue_announces_a_job(container: Container) -> None:
    wakeup = _wakeup(container)
    assert wakeup.wait(0.01) is False  # connects and LISTENs
    _enqueue(container, commit=False)
    assert wakeup.wait(0.5) is False
    _enqueue(container)
    assert wakeup.wait(5) is True


def test_a_lost_listening_connection_falls_back_to_polling_then_recovers(
    container: Container,
) -> None:
    wakeup = _wakeup(container)
    assert wakeup.wait(0.01) is False
    listener: Any = getattr(wakeup, "_conn")  # noqa: B009 — this test kills that very connection
    with container.engine.begin() as conn:
        killed = conn.execute(
            text("SELECT pg_terminate_backend(:pid)"), {"pid": listener.info.backend_pid}
        ).scalar_one()
    assert killed is True
    started = time.monotonic()
    assert wakeup.wait(0.3) is False  # the loss is noticed; it sleeps instead of spinning
    assert time.monotonic() - started >= 0.25
    assert wakeup.wait(0.01) is False  # reconnected
    _enqueue(container)
    assert wakeup.wait(5) is True


def test_an_idle_worker_runs_a_scheduled_job_when_it_is_due_not_at_its_next_poll(
    container: Container,
) -> None:
    clock = SystemClock()
    stop, ran = threading.Event(), threading.Event()

    def handler(_: dict[str, object]) -> None:
        ran.set()
        stop.set()

    runner = JobRunner(container.uow, clock, {"later": handler}, wakeup=container.jobs.wakeup)
    with container.uow() as uow:
        uow.jobs.enqueue("later", {}, run_at=clock.now() + timedelta(seconds=0.4))
        uow.commit()
    started = time.monotonic()
    thread = threading.Thread(target=runner.run_forever, args=(stop, 60.0), daemon=True)
    thread.start()
    assert ran.wait(10)
    assert 0.3 <= time.monotonic() - started < 10
    thread.join(10)
    assert not thread.is_alive()
