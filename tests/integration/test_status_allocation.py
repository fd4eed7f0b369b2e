"""Status-list index allocation under concurrency, on real SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from microcred.bootstrap import Container
from microcred.credentials.status_list import Bitstring
from microcred.domain.credential import Recipient, StatusAction
from microcred.domain.identity import Principal
from microcred.services.credentials import status_lists
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.credentials.status_lists import BLOCK
from microcred.services.identity.service import principal_of


def _setup(c: Container) -> tuple[Principal, str]:
    _, admin = c.identity.create_organisation(
        slug="alloc",
        name="Alloc Ltd",
        admin_email="admin@alloc.test",
        admin_password="a long enough password",
    )
    p = principal_of(admin)
    aid = c.achievements.create(
        p,
        AchievementInput(
            name="Incident response",
            description="Leads an incident to resolution.",
            criteria_narrative="Run a postmortem.",
        ),
    ).id
    return p, aid


def test_two_threads_never_share_an_index_and_the_count_is_exact(container: Container) -> None:
    p, aid = _setup(container)
    # the list exists before the race (two first issuances on PostgreSQL may each open a list)
    first = container.issuance.issue(p, IssueRequest(aid, Recipient(email="first@example.org")))
    per_thread = 15
    issued: list[tuple[str, int]] = [(first.status_list_id, first.status_index)]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(k: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                cred = container.issuance.issue(
                    p, IssueRequest(aid, Recipient(email=f"t{k}-{i}@example.org"))
                )
                issued.append((cred.status_list_id, cred.status_index))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert len(issued) == 2 * per_thread + 1
    assert len(set(issued)) == len(issued), "an index was handed out twice"
    with container.uow() as uow:
        lists = [s for s in uow.public.all_status_lists() if s.organisation_id == p.organisation_id]
    assert len(lists) == 1
    # one block reserved (31 < BLOCK positions); no reservation lost between the threads
    assert lists[0].allocated == BLOCK


def test_allocation_writes_only_the_counter_and_revocation_still_publishes(
    container: Container,
) -> None:
    p, aid = _setup(container)
    first = container.issuance.issue(p, IssueRequest(aid, Recipient(email="a@example.org")))
    with container.uow() as uow:
        before = uow.public.status_list(first.status_list_id)
    assert before is not None
    second = container.issuance.issue(p, IssueRequest(aid, Recipient(email="b@example.org")))
    with container.uow() as uow:
        after = uow.public.status_list(first.status_list_id)
    assert after is not None and second.status_list_id == before.id
    # the second came from the block reserved before the first: the list's row is untouched
    assert after.allocated == before.allocated == BLOCK
    assert (after.bits, after.signed_document, after.version) == (
        before.bits,
        before.signed_document,
        before.version,
    )
    container.credentials.change_status(p, second.id, StatusAction.REVOKE, "issued in error")
    published = Bitstring.decode(
        container.public.status_list(second.status_list_id)["credentialSubject"]["encodedList"]
    )
    assert published.get(second.status_index)
    assert not published.get(first.status_index)


def test_an_index_drawn_by_a_concurrent_issuance_is_drawn_again(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes may draw the same free index at once (neither sees the other's
    uncommitted row): the unique constraint refuses the second, which is issued again."""
    p, aid = _setup(container)
    first = container.issuance.issue(p, IssueRequest(aid, Recipient(email="a@example.org")))
    draws = iter([first.status_index, 4242])
    monkeypatch.setattr(status_lists.secrets, "randbelow", lambda _n: next(draws))
    # as if the first credential were still uncommitted in another process
    monkeypatch.setattr(type(_scope_lists(container, p)), "index_taken", lambda *_a: False)
    second = container.issuance.issue(p, IssueRequest(aid, Recipient(email="b@example.org")))
    assert second.status_index == 4242
    # both stored, each at its own index (the frozen clock gives them one issue time: no order)
    assert sorted(c.status_index for c in container.credentials.list(p)) == sorted(
        [4242, first.status_index]
    )


def test_issuance_does_not_wait_for_the_status_list_row(container: Container) -> None:
    """While another transaction holds the list's row (a revocation re-signing it), issuing
    from the reserved block goes on: the row is not locked per credential."""
    if container.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time whatever is locked")
    p, aid = _setup(container)
    first = container.issuance.issue(p, IssueRequest(aid, Recipient(email="a@example.org")))
    done: list[str] = []
    with container.uow() as holder:
        assert holder.tenant(p.organisation_id).status_lists.get(first.status_list_id)
        worker = threading.Thread(
            target=lambda: done.append(
                container.issuance.issue(p, IssueRequest(aid, Recipient(email="b@example.org"))).id
            )
        )
        worker.start()
        worker.join(timeout=20)
        assert done, "issuance waited for the status list's row lock"


def _scope_lists(container: Container, p: Principal) -> object:
    with container.uow() as uow:
        return uow.tenant(p.organisation_id).status_lists
