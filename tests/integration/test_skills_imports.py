"""Learners' imported credentials as skill evidence (SQLite and PostgreSQL): a verified Open
Badges 3.0 import (JSON-LD or VC-JWT) issued to the learner counts for the skills its
achievement is aligned to, in their profile and in the organisation's index (role search);
a tampered one, someone else's, an unverifiable one and one verified but later revoked never
count; a copy of the organisation's own credential is not counted twice.

The issuer is another organisation on the same server, so its status list is served locally
and nothing is fetched from the network."""

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
from microcred.services.identity.service import principal_of
from microcred.web.api.app import create_app


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


def _document(o: Org, credential_id: str) -> dict[str, Any] | str:
    with o.c.uow() as uow:
        found = uow.public.credential(credential_id)
    assert found is not None
    return found.jwt or copy.deepcopy(found.document)


def _text(credential: dict[str, Any] | str) -> str:
    return credential if isinstance(credential, str) else json.dumps(credential)


def test_only_verified_imports_with_skills_count(container: Container, client: TestClient) -> None:
    acme = make_org(container, client, "acme")
    lea_id = acme.user("lea")
    lea = principal_of(container.identity.get_user(acme.admin, lea_id))
    role = acme.role("Engineer", [(PY, 3), (SQL, 3)])

    school = make_org(container, client, "school")
    py3 = school.achievement("Python 3", [(PY, 3)], 10)
    sql3 = school.achievement("SQL 3", [(SQL, 3)], 10)
    no_skills = school.achievement("Attendance", [], 1)
    genuine = _document(school, school.issue(py3, acme.email("lea"), suite=Suite.EDDSA_RDFC_2022))
    as_jwt = _document(school, school.issue(sql3, acme.email("lea"), suite=Suite.VC_JWT_EDDSA))
    later_revoked = school.issue(sql3, acme.email("lea"))
    not_hers = _document(school, school.issue(py3, "someone@example.org"))
    plain = _document(school, school.issue(no_skills, acme.email("lea")))

    def profile() -> dict[str, Any]:
        return dict(acme.ok(f"/api/v1/people/{lea_id}/skills"))

    def search() -> list[tuple[str, float]]:
        body = acme.ok(f"/api/v1/roles/{role}/candidates")
        return [(x["person_id"], x["readiness"]) for x in body["results"]]

    assert profile()["verified"] == [] and search() == []

    # refused as evidence: tampered (proof fails), issued to someone else, no skills
    assert isinstance(genuine, dict)
    tampered = copy.deepcopy(genuine)
    tampered["credentialSubject"]["achievement"]["alignment"][0]["targetDescription"] = (
        "Required proficiency level: 5."
    )
    forged = container.imports.import_text(lea, json.dumps(tampered))
    assert forged.verified is False
    someone = container.imports.import_text(lea, _text(not_hers))
    assert someone.verified is False
    assert {c.check: c.status for c in someone.checks}["recipient"] == "failed"
    container.imports.import_text(lea, _text(plain))
    assert profile()["verified"] == [] and search() == []

    # counted: the genuine JSON-LD import (Python 3)
    ok = container.imports.import_text(lea, _text(genuine))
    assert ok.verified is True
    body = profile()
    assert [(e["skill_uri"], e["level"], e["credential_id"]) for e in body["verified"]] == [
        (PY, 3, ok.id)
    ]
    assert body["verified"][0]["credential_name"] == "Python 3"
    assert search() == [(lea_id, 0.5)]

    # and a VC-JWT import (SQL 3)
    jwt = container.imports.import_text(lea, _text(as_jwt))
    assert jwt.verified is True and jwt.format == "ob3-jwt"
    assert sorted(e["skill_uri"] for e in profile()["verified"]) == [PY, SQL]
    assert search() == [(lea_id, 1.0)]

    # revoked at its issuer after the import: re-verifying takes it out of the evidence
    container.imports.delete(lea, jwt.id)
    revoked = container.imports.import_text(lea, _text(_document(school, later_revoked)))
    assert revoked.verified is True
    assert search() == [(lea_id, 1.0)]
    school.change(later_revoked, StatusAction.REVOKE)
    again = container.imports.reverify(lea, revoked.id)
    assert again.verified is False
    assert [e["skill_uri"] for e in profile()["verified"]] == [PY]
    assert search() == [(lea_id, 0.5)]

    # removing the import removes the evidence
    container.imports.delete(lea, ok.id)
    assert profile()["verified"] == [] and search() == []


def test_a_copy_of_an_own_credential_is_not_counted_twice(
    container: Container, client: TestClient
) -> None:
    acme = make_org(container, client, "acme")
    lea_id = acme.user("lea")
    lea = principal_of(container.identity.get_user(acme.admin, lea_id))
    py3 = acme.achievement("Python 3", [(PY, 3)], 10)
    own = acme.issue(py3, acme.email("lea"), suite=Suite.EDDSA_RDFC_2022)
    imported = container.imports.import_text(lea, _text(_document(acme, own)))
    assert imported.verified is True
    body = acme.ok(f"/api/v1/people/{lea_id}/skills")
    assert [e["credential_id"] for e in body["evidence"]] == [own]
    role = acme.role("Engineer", [(PY, 3)])
    ranked = acme.ok(f"/api/v1/roles/{role}/candidates")["results"]
    assert [(x["person_id"], x["readiness"]) for x in ranked] == [(lea_id, 1.0)]
    stats = acme.ok("/api/v1/skills/index")
    assert stats["evidence_rows"] == 1
