"""``microcred skills`` as a user runs it: match, occupation, taxonomy import and show.

Runs the sub-app module directly (``python -m microcred.cli.skills``) so it works whether or not
the main CLI mounts it yet.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.vectors import vector

pytestmark = pytest.mark.e2e

CLI = [sys.executable, "-m", "microcred.cli.skills"]
PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=120, input=stdin, check=False
    )


def test_match_prints_a_ranked_table() -> None:
    r = run("match", "Python and SQL for data pipelines", "--top", "5")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 5 and PYTHON in r.stdout


def test_match_file_json_prints_one_line_per_input(tmp_path: Path) -> None:
    texts = ["manage budgets", "bake bread in a bakery", "Python programming"]
    f = tmp_path / "texts.txt"
    f.write_text("\n".join([texts[0], "", *texts[1:]]) + "\n", encoding="utf-8")
    r = run("match", "--file", str(f), "--top", "3", "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["text"] for row in rows] == texts
    for row in rows:
        assert 1 <= len(row["results"]) <= 3
        assert set(row["results"][0]) == {"uri", "label", "score"}
    assert rows[0]["results"][0]["label"] == "manage budgets"
    assert rows[2]["results"][0]["uri"] == PYTHON


def test_occupation_json_from_stdin() -> None:
    r = run("occupation", "--file", "-", "--json", "-k", "2", stdin="chef\nsoftware developer\n")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert rows[0]["results"][0]["label"] == "chef"
    assert rows[1]["results"][0]["label"] == "software developer"


def test_bad_usage_gets_a_message_not_a_traceback(tmp_path: Path) -> None:
    r = run("match")
    assert r.returncode == 2 and "either a TEXT" in r.stderr and "Traceback" not in r.stderr
    r = run("match", "x", "--file", str(tmp_path / "missing.txt"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = run("match", "--file", str(tmp_path / "missing.txt"))
    assert r.returncode == 2 and "cannot be read" in r.stderr
    r = run("match", "   ")
    assert r.returncode == 2 and "empty" in r.stderr
    r = run("match", "python", "--top", "0")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_custom_framework_import_then_match(tmp_path: Path) -> None:
    skills = tmp_path / "skills.csv"
    skills.write_text(
        "id,label,alt_labels,description\n"
        "kubernetes,Operate Kubernetes clusters,k8s|container orchestration,Run and scale pods\n"
        "terraform,Infrastructure as code,Terraform,Describe cloud resources in code\n",
        encoding="utf-8",
    )
    bundle = tmp_path / "acme"
    r = run(
        "taxonomy", "import", "custom", str(skills), "--name", "Acme", "--version", "1",
        "--base-uri", "https://acme.example/skills/", "--into", str(bundle),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["skills"] == 2
    r = run("match", "we use k8s for container orchestration", "--taxonomy", str(bundle), "--json")
    assert r.returncode == 0, r.stderr
    top = json.loads(r.stdout)["results"][0]
    assert top["uri"] == "https://acme.example/skills/kubernetes"
    r = run("taxonomy", "show", str(bundle))
    assert r.returncode == 0 and json.loads(r.stdout.splitlines()[0])["name"] == "Acme"


def test_bad_custom_csv_is_refused_clearly(tmp_path: Path) -> None:
    skills = tmp_path / "skills.csv"
    skills.write_text("id,name\nx,y\n", encoding="utf-8")
    r = run(
        "taxonomy", "import", "custom", str(skills), "--name", "A", "--version", "1",
        "--into", str(tmp_path / "out"),
    )  # fmt: skip
    assert r.returncode == 2 and "lacks the column(s) label" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "out").exists()


def test_onet_import_and_shipped_show(tmp_path: Path) -> None:
    r = run(
        "taxonomy", "import", "onet", str(vector("onet-29.2", "Occupation Data.txt")),
        "--version", "29.2", "--into", str(tmp_path / "onet"),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["occupations"] == 1016 and "CC BY 4.0" in r.stderr
    r = run("occupation", "software developers", "--taxonomy", str(tmp_path / "onet"), "-k", "1")
    assert r.returncode == 0 and "15-1252.00" in r.stdout
    r = run("taxonomy", "show")
    assert r.returncode == 0 and json.loads(r.stdout.splitlines()[0])["links"] == 123_855
    assert "This product uses the ESCO classification of the European Commission." in r.stdout
