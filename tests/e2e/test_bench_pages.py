"""``bench/pages.py`` in a small smoke run, so that it cannot rot: both organisations are seeded,
every GET page route is either measured (answering 200) or skipped with its reason, and the
table prints."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.e2e
BENCH = Path(__file__).resolve().parents[2] / "bench" / "pages.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_pages", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_page_is_measured_or_skipped_with_a_reason() -> None:
    pages = _bench()
    result = pages.run(people=40, repeats=2, db=None, seed=3, n_roles=3)
    orgs = result.pop("_orgs")
    assert [o.name for o in orgs] == ["demo", "people"]
    assert orgs[1].counts["people"] == 45  # 40 generated, the admin and four sign-ins
    assert orgs[1].counts["credentials"] > 40

    rows = result["rows"]
    routes = {r["route"] for r in rows}
    for org in ("demo", "people"):
        mine = [r for r in rows if r["org"] == org]
        assert {r["route"] for r in mine} == routes, "every route is listed for both"
        measured = [r for r in mine if "skipped" not in r]
        assert not [r for r in mine if r.get("error")], [r for r in mine if r.get("error")]
        assert all(r["skipped"] for r in mine if "skipped" in r)  # a reason, never blank
        assert all(0 < r["p50"] <= r["p95"] <= r["p99"] for r in measured)
        assert {"/skills", "/skills/people", "/skills/people/{user_id}"} <= {
            r["route"] for r in measured
        }
    assert "/review/{submission_id}/files/{digest}" in routes
    assert len(routes) > 30
    text = pages.table(orgs, rows, result["repeats"], result["backend"])
    assert "/skills/people/{user_id}" in text and "×static" in text
