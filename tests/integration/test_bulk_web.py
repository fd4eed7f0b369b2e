"""Bulk issuance over HTTP: the API (multipart upload, dry run, progress, paginated problems,
organisation scope, limits) and the admin page (dry run -> confirm -> done, CSRF, the report
CSV with formula cells neutralised)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.integration.web_forms import login_csrf

from microcred.bootstrap import Container
from microcred.web.api.app import create_app

from .test_api import ACHIEVEMENT, PASSWORD, _register

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as c:
        yield c


def _achievement(client: TestClient, auth: dict[str, str]) -> str:
    r = client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=auth)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _file(aid: str, n: int, extra: list[str] | None = None) -> bytes:
    lines = ["email,name,achievement,issued_on,external_id"]
    lines += [f"p{i}@example.org,Person {i},{aid},2026-10-01,X{i}" for i in range(n)]
    return ("\n".join(lines + (extra or [])) + "\n").encode()


def _post(client: TestClient, auth: dict[str, str], data: bytes, dry_run: bool = True):
    return client.post(
        f"/api/v1/credentials/bulk?dry_run={'true' if dry_run else 'false'}",
        headers=auth,
        files={"file": ("people.csv", data, "text/csv")},
    )


def test_the_api_checks_issues_and_reports_progress(client: TestClient, container) -> None:
    auth = _register(client, "acme")
    aid = _achievement(client, auth)
    bad = ["nobody,,Incident Response,2026-13-01,Y1", "=1+2@x.org,,@SUM(1),,Y2"]
    r = _post(client, auth, _file(aid, 3, bad))
    assert r.status_code == 200, r.text
    checked = r.json()
    assert (checked["state"], checked["total_rows"], checked["problem_rows"]) == ("checked", 5, 2)
    r = client.get(f"/api/v1/credentials/bulk/{checked['id']}?limit=1", headers=auth)
    assert r.status_code == 200
    body = r.json()
    assert (body["total"], len(body["rows"]), body["rows"][0]["row"]) == (2, 1, 5)
    assert {p["column"] for p in body["rows"][0]["problems"]} == {"recipient_email", "issued_on"}
    r = client.get(f"/api/v1/credentials/bulk/{checked['id']}?offset=1", headers=auth)
    assert [row["row"] for row in r.json()["rows"]] == [6]
    r = client.post(f"/api/v1/credentials/bulk/{checked['id']}/issue", headers=auth)
    assert r.status_code == 422 and "nothing was issued" in r.json()["message"]

    r = _post(client, auth, _file(aid, 3), dry_run=False)
    assert r.status_code == 202, r.text
    queued = r.json()
    assert (queued["state"], queued["progress"]) == ("queued", 0.0)
    container.jobs.drain()
    r = client.get(f"/api/v1/credentials/bulk/{queued['id']}?all=true", headers=auth)
    run = r.json()["run"]
    assert (run["state"], run["issued"], run["progress"]) == ("done", 3, 1.0)
    assert all(row["credential_id"] for row in r.json()["rows"])
    # the same file again issues nothing
    again = _post(client, auth, _file(aid, 3), dry_run=False).json()
    container.jobs.drain()
    r = client.get(f"/api/v1/credentials/bulk/{again['id']}", headers=auth)
    assert (r.json()["run"]["issued"], r.json()["run"]["already_issued"]) == (0, 3)
    listed = client.get("/api/v1/credentials?limit=200", headers=auth).json()
    assert len(listed) == 3


def test_the_api_refuses_bad_files_and_other_organisations(client: TestClient) -> None:
    auth = _register(client, "acme")
    aid = _achievement(client, auth)
    run = _post(client, auth, _file(aid, 1)).json()
    other = _register(client, "globex")
    assert client.get(f"/api/v1/credentials/bulk/{run['id']}", headers=other).status_code == 404
    assert (
        client.post(f"/api/v1/credentials/bulk/{run['id']}/issue", headers=other).status_code == 404
    )
    assert client.get("/api/v1/credentials/bulk", headers=other).json() == []
    assert client.get(f"/api/v1/credentials/bulk/{run['id']}").status_code == 401

    latin = "email,achievement\nzoé@example.org,x\n".encode("latin-1")
    r = _post(client, auth, latin)
    assert r.status_code == 422 and "UTF-8" in r.json()["message"]
    r = _post(client, auth, b'email,achievement\na@b.org,"never closed\n')
    assert r.status_code == 422 and "unbalanced quotes" in r.json()["message"]
    r = client.post("/api/v1/credentials/bulk", headers=auth, data={"x": "y"})
    assert r.status_code == 422 and "'file'" in r.json()["message"]
    huge = {**auth, "Content-Length": str(51 * 1024 * 1024), "Content-Type": "multipart/form-data"}
    r = client.post("/api/v1/credentials/bulk", headers=huge, content=b"")
    assert r.status_code == 413 and "larger than" in r.json()["message"]
    assert client.get("/api/v1/credentials/bulk/not-a-run", headers=auth).status_code == 404


def _browser(client: TestClient, slug: str) -> tuple[TestClient, str]:
    web = TestClient(client.app, base_url="https://testserver", raise_server_exceptions=False)
    data = {
        "organisation": slug,
        "email": f"admin@{slug}.test",
        "password": PASSWORD,
        "csrf": login_csrf(web),
    }
    assert web.post("/login", data=data, follow_redirects=False).status_code == 303
    page = web.get("/admin/credentials/bulk")
    assert page.status_code == 200, page.text
    found = _CSRF.search(page.text)
    assert found
    return web, found.group(1)


def test_the_page_checks_confirms_and_shows_progress(client: TestClient, container) -> None:
    auth = _register(client, "acme")
    aid = _achievement(client, auth)
    web, csrf = _browser(client, "acme")
    files = {"file": ("people.csv", _file(aid, 4), "text/csv")}
    # without the CSRF token nothing is read or stored
    r = web.post("/admin/credentials/bulk", files=files, follow_redirects=False)
    assert r.status_code == 403  # a CSRF refusal is a 403 page
    r = web.post(
        "/admin/credentials/bulk", data={"csrf": csrf}, files=files, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    page = web.get(url)
    assert page.status_code == 200 and "Every row is fine" in page.text
    assert "Refresh" not in page.headers
    r = web.post(f"{url}/issue", data={}, follow_redirects=False)
    assert r.status_code == 403
    r = web.post(f"{url}/issue", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    page = web.get(url)
    assert page.headers["Refresh"] == "3" and '<progress id="progress"' in page.text
    container.jobs.drain()
    page = web.get(url)
    assert "Done: 4 issued" in page.text and "Refresh" not in page.headers
    r = web.post(f"{url}/issue", data={"csrf": csrf})
    assert r.status_code == 409 and "issues only once" in r.text
    listing = web.get("/admin/credentials/bulk")
    assert "people.csv" in listing.text and 'aria-current="page">Bulk issue' in listing.text


def test_the_page_reports_problems_and_a_formula_safe_csv(client: TestClient, container) -> None:
    auth = _register(client, "acme")
    aid = _achievement(client, auth)
    web, csrf = _browser(client, "acme")
    bad = [f'"=HYPERLINK(""http://evil"")",,{aid},,Z1', f"ok@example.org,,{aid},2026-99-01,Z2"]
    files = {"file": ("bad list.csv", _file(aid, 2, bad), "text/csv")}
    r = web.post("/admin/credentials/bulk", data={"csrf": csrf}, files=files)
    assert r.status_code == 200
    assert "2 row(s) have problems" in r.text
    assert 'data-row="4"' in r.text and "not a valid e-mail address" in r.text
    assert "<script" not in r.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'id="confirm"' not in r.text
    run_id = str(r.url).rstrip("/").rsplit("/", 1)[1]
    r = web.get(f"/admin/credentials/bulk/{run_id}/report.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="bulk-report-bad-list.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [x["row"] for x in rows] == ["2", "3", "4", "5"]
    formula = next(x for x in rows if x["row"] == "4")
    assert formula["value"] == '\'=HYPERLINK("http://evil")'
    assert next(x for x in rows if x["row"] == "5")["column"] == "issued_on"
    # nothing to confirm, and an empty upload is a clear error on the form
    r = web.post(f"/admin/credentials/bulk/{run_id}/issue", data={"csrf": csrf})
    assert r.status_code == 422 and "nothing was issued" in r.text
    r = web.post(
        "/admin/credentials/bulk",
        data={"csrf": csrf},
        files={"file": ("e.csv", b"", "text/csv")},
    )
    assert r.status_code == 422 and "The file is empty." in r.text
    r = web.post("/admin/credentials/bulk", data={"csrf": csrf})
    assert r.status_code == 422 and "Choose a CSV file to upload." in r.text
    # another organisation's run is not found on the page either
    _register(client, "globex")
    theirs, _ = _browser(client, "globex")
    assert theirs.get(f"/admin/credentials/bulk/{run_id}").status_code == 404
    assert theirs.get(f"/admin/credentials/bulk/{run_id}/report.csv").status_code == 404
