"""Status-list index allocation under concurrency, on real SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from microcred.bootstrap import Container
from microcred.credentials.status_list import Bitstring
from microcred.domain.credential import Recipient, StatusAction
from microcred.domain.identity import Principal
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
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
    assert lists[0].allocated == 2 * per_thread + 1  # no lost increment between the threads


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
    assert after.allocated == before.allocated + 1
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
