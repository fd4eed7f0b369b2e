"""What sharing adds to a credential's public addresses, beside baselines measured in the same
run (in-process, Starlette's TestClient, a fresh SQLite database, the rows interleaved):

- ``JSON, public, signed out``: the download of a public credential (the floor: one lookup);
- ``JSON, private, signed out``: a private credential to a stranger (the 404 answer);
- ``JSON, private, holder``: the holder's download (plus the session lookup);
- ``page, public, signed out``: the credential page with its Open Graph card (live verification,
  plus the stored names the card reads);
- ``page, public, holder``: the holder's page with the LinkedIn link too.

    python bench/sharing.py [--count 100]
"""

from __future__ import annotations

import argparse

from fastapi.testclient import TestClient

from error_pages import (  # bench/ is the script's directory
    PASSWORD,
    _session,
    _time,
    fresh_container,
)
from microcred.domain.credential import Recipient
from microcred.domain.identity import Role
from microcred.services.credentials import AchievementInput, IssueRequest
from microcred.services.identity.service import principal_of
from microcred.web.api.app import create_app

HTML = {"Accept": "text/html"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    count = parser.parse_args().count
    with fresh_container() as c:
        _, admin_user = c.identity.create_organisation(
            slug="bench", name="Bench", admin_email="admin@bench.test", admin_password=PASSWORD
        )
        admin = principal_of(admin_user)
        lea = c.identity.add_user(
            admin, email="lea@bench.test", name="Lea", role=Role.LEARNER, password=PASSWORD
        )
        achievement = c.achievements.create(
            admin, AchievementInput(name="Bench", description="D.", criteria_narrative="C.")
        )
        issued = [
            c.issuance.issue(admin, IssueRequest(achievement.id, Recipient(email="lea@bench.test")))
            for _ in range(2)
        ]
        public, private = issued[0].id, issued[1].id
        c.credentials.set_private(principal_of(lea), private, True)
        with TestClient(create_app(c), base_url="https://testserver") as anonymous:
            holder = _session(anonymous.app, "bench", "lea@bench.test")
            rows = [
                (
                    "JSON, public, signed out",
                    lambda: anonymous.get(f"/credentials/{public}.json").status_code,
                    200,
                ),
                (
                    "JSON, private, signed out",
                    lambda: anonymous.get(f"/credentials/{private}.json").status_code,
                    404,
                ),
                (
                    "JSON, private, holder",
                    lambda: holder.get(f"/credentials/{private}.json").status_code,
                    200,
                ),
                (
                    "page, public, signed out",
                    lambda: anonymous.get(f"/credentials/{public}", headers=HTML).status_code,
                    200,
                ),
                (
                    "page, public, holder",
                    lambda: holder.get(f"/credentials/{public}", headers=HTML).status_code,
                    200,
                ),
            ]
            results = _time(rows, count)
    floor = results[0][1]
    print(f"{count} requests each, in-process, SQLite")
    print(f"{'request':<28} {'median ms':>10} {'p95 ms':>8} {'× public JSON':>14}")
    for name, median, p95 in results:
        print(f"{name:<28} {median:>10.2f} {p95:>8.2f} {median / floor:>14.2f}")


if __name__ == "__main__":
    main()
