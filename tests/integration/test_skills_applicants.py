"""External applicants present Open Badges 3.0 credentials: verified ones count, forged, revoked,
someone else's or badly logged ones do not, and the reason is shown. SQLite and PostgreSQL.

The issuer is another organisation on the same server, so status lists and DID documents are
served locally and nothing is fetched from the network.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.skills_world import PY, SQL, Org, make_org

from microcred.bootstrap import Container
from microcred.domain.credential import StatusAction
from microcred.services.credentials.issuance import Suite
from microcred.web.api.app import create_app

ANN = "ann@example.org"


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


def _document(o: Org, credential_id: str) -> dict[str, Any] | str:
    with o.c.uow() as uow:
        found = uow.public.credential(credential_id)
    assert found is not None
    return found.jwt or copy.deepcopy(found.document)


def _checks(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["check"]: (c["status"], c["message"]) for c in body["checks"]}


def test_verified_credentials_count_and_failed_ones_show_why(
    container: Container, client: TestClient
) -> None:
    school = make_org(container, client, "school")
    py3 = school.achievement("Python 3", [(PY, 3)], 10)
    sql3 = school.achievement("SQL 3", [(SQL, 3)], 10)
    genuine = school.issue(py3, ANN, suite=Suite.EDDSA_RDFC_2022)
    as_jwt = school.issue(sql3, ANN, suite=Suite.VC_JWT_EDDSA)
    revoked = school.issue(sql3, ANN)
    school.change(revoked, StatusAction.REVOKE)
    not_hers = school.issue(py3, "someone@example.org")

    hire = make_org(container, client, "hire")
    role = hire.role("Engineer", [(PY, 3), (SQL, 3)])
    r = hire.post("/api/v1/applicants", {"name": "Ann", "email": ANN})
    assert r.status_code == 201, r.text
    ann = r.json()["id"]
    path = f"/api/v1/applicants/{ann}/credentials"

    def present(credential: dict[str, Any] | str, **extra: str) -> dict[str, Any]:
        r = hire.post(path, {"credential": credential, **extra})
        assert r.status_code == 201, r.text
        return dict(r.json())

    def search() -> list[tuple[str, float]]:
        body = hire.ok(f"/api/v1/roles/{role}/candidates", kind="applicant")
        return [(x["person_id"], x["readiness"]) for x in body["results"]]

    assert search() == []
    ok = present(_document(school, genuine))
    assert ok["verified"] is True and ok["counts"] is True and ok["name"] == "Python 3"
    assert _checks(ok)["recipient"][0] == "passed"
    assert ok["skills"] == [{"skill_uri": PY, "label": "Python", "level": 3, "level_stated": True}]
    assert search() == [(ann, 0.5)]

    jwt = _document(school, as_jwt)
    assert isinstance(jwt, str)
    assert present(jwt)["verified"] is True
    assert search() == [(ann, 1.0)]
    hit = hire.ok(f"/api/v1/roles/{role}/candidates")["results"][0]
    assert (hit["kind"], hit["name"]) == ("applicant", "Ann")
    assert {m["credential_name"] for m in hit["matches"]} == {"Python 3", "SQL 3"}

    # forged: the level raised after signing
    forged_doc = _document(school, genuine)
    assert isinstance(forged_doc, dict)
    alignment = forged_doc["credentialSubject"]["achievement"]["alignment"][0]
    alignment["targetDescription"] = "Required proficiency level: 5."
    forged = present(forged_doc)
    assert forged["verified"] is False and forged["counts"] is False
    assert _checks(forged)["proof"][0] == "failed" and _checks(forged)["proof"][1]
    assert forged["skills"][0]["level"] == 5  # what it claims is shown, and not counted

    bad = present(_document(school, revoked))
    assert bad["verified"] is False
    assert _checks(bad)["status"] == ("failed", "The issuer has revoked this credential.")

    stolen = present(_document(school, not_hers))
    assert stolen["verified"] is False
    assert _checks(stolen)["recipient"][0] == "failed"
    assert "someone else" in _checks(stolen)["recipient"][1]

    assert present({"not": "a credential"})["verified"] is False
    assert search() == [(ann, 1.0)]  # none of the failures moved anything

    listed = hire.ok(f"/api/v1/applicants/{ann}")
    assert sorted(c["verified"] for c in listed["credentials"]) == [False] * 4 + [True] * 2

    # the issuer revokes the Python credential later: re-verifying shows it and it stops counting
    school.change(genuine, StatusAction.REVOKE)
    again = hire.post(f"{path}/{ok['id']}/verify")
    assert again.status_code == 200 and again.json()["verified"] is False
    assert _checks(again.json())["status"][0] == "failed"
    assert search() == [(ann, 0.5)]


def test_a_tlog_proof_is_checked_against_the_policy_given(
    container: Container, client: TestClient
) -> None:
    school = make_org(container, client, "school")
    py3 = school.achievement("Python 3", [(PY, 3)], 10)
    first = school.issue(py3, ANN)
    second = school.issue(py3, ANN)
    while container.ledger.sequence() is not None:
        pass
    policy = client.get("/log/policy").text
    proof_of = {cid: client.get(f"/credentials/{cid}/tlog-proof").text for cid in (first, second)}
    assert all(p.startswith("c2sp.org/tlog-proof") for p in proof_of.values()), proof_of

    hire = make_org(container, client, "hire")
    ann = hire.post("/api/v1/applicants", {"name": "Ann", "email": ANN}).json()["id"]
    path = f"/api/v1/applicants/{ann}/credentials"
    credential = _document(school, first)
    r = hire.post(
        path, {"credential": credential, "tlog_proof": proof_of[first], "tlog_policy": policy}
    )
    assert r.status_code == 201, r.text
    assert r.json()["verified"] is True and r.json()["has_tlog_proof"] is True
    assert _checks(r.json())["log_inclusion"][0] == "passed"

    wrong = hire.post(
        path, {"credential": credential, "tlog_proof": proof_of[second], "tlog_policy": policy}
    )
    assert wrong.status_code == 201
    assert wrong.json()["verified"] is False
    assert _checks(wrong.json())["log_inclusion"] == (
        "failed",
        "The tlog-proof is for another credential.",
    )

    r = hire.post(path, {"credential": credential, "tlog_proof": proof_of[first]})
    assert r.status_code == 422 and "policy" in r.json()["message"]
    r = hire.post(path, {"credential": credential, "tlog_proof": "nonsense", "tlog_policy": policy})
    assert r.status_code == 422
    r = hire.post(
        path, {"credential": credential, "tlog_proof": proof_of[first], "tlog_policy": "x"}
    )
    assert r.status_code == 422
    assert len(hire.ok(f"/api/v1/applicants/{ann}")["credentials"]) == 2  # refusals store nothing


def test_applicants_are_listed_paged_and_forgotten(
    container: Container, client: TestClient
) -> None:
    hire = make_org(container, client, "hire")
    ids = []
    for i in range(3):
        r = hire.post("/api/v1/applicants", {"name": f"A{i}", "email": f"a{i}@example.org"})
        assert r.status_code == 201
        ids.append(r.json()["id"])
    dup = hire.post("/api/v1/applicants", {"name": "Again", "email": "A0@example.org"})
    assert dup.status_code == 409
    page = hire.ok("/api/v1/applicants", offset=1, limit=1)
    assert page["total"] == 3 and [a["id"] for a in page["items"]] == [sorted(ids)[1]]  # same time
    assert hire.delete(f"/api/v1/applicants/{ids[0]}").status_code == 204
    assert hire.get(f"/api/v1/applicants/{ids[0]}").status_code == 404
    assert hire.ok("/api/v1/applicants")["total"] == 2
    r = hire.post(f"/api/v1/applicants/{ids[1]}/credentials", {"credential": "not.a jwt"})
    assert r.status_code == 422
    assert json.loads(hire.get(f"/api/v1/applicants/{ids[1]}").text)["credentials"] == []
