"""``microcred assess evaluate``: the data set format, its errors, and the report."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcred.assessment import evaluation
from microcred.assessment.evaluation import parse_dataset
from microcred.cli.assess import app
from microcred.errors import InvalidInput, PayloadTooLarge

HEADER = ["item_id", "question", "reference", "answer", "score", "max_score", "split"]
KEYS = ("sunlight", "oxygen", "glucose")


def _rows(seed: int = 0) -> list[list[str]]:
    """Two items with graded work and one new item with only a reference (no train rows)."""
    rng = random.Random(seed)
    rows = []
    for item in ("plants", "plants2"):
        for i in range(70):
            level = rng.randrange(3)
            words = [*rng.sample(KEYS, level), "plants", rng.choice(["grow", "live", "are green"])]
            rng.shuffle(words)
            split = "test" if i % 4 == 0 else "train"
            rows.append([item, "Why light?", "", " ".join(words), str(level), "2", split])
    for i in range(8):
        answer = "light makes glucose and oxygen" if i % 2 else "no idea"
        ref = "Light drives photosynthesis, making glucose and oxygen."
        rows.append(["new", "What does light do?", ref, answer, str(i % 2 * 2), "2", "test"])
    return rows


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode()


def test_cli_json_has_exactly_the_documented_shape(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(_csv(_rows()))
    result = CliRunner().invoke(app, ["evaluate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {
        "items",
        "mean_qwk",
        "accuracy",
        "auto_share",
        "auto_qwk",
        "auto_human_qwk",
    }
    assert set(report["items"]) == {"plants", "plants2", "new"}
    assert set(report["items"]["plants"]) == {
        "qwk",
        "accuracy",
        "n",
        "auto_share",
        "auto_qwk",
        "auto_human_qwk",
        "routing",
    }
    assert report["auto_human_qwk"] is None  # no second_score column
    assert "one grader per answer" in report["items"]["plants"]["routing"]
    assert report["items"]["plants"]["n"] == 18
    assert report["items"]["plants"]["qwk"] > 0.7
    assert 0.0 <= report["auto_share"] <= 1.0


def test_cli_table_names_the_reviewer_and_the_new_item_never_decides_alone(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(_csv(_rows()))
    result = CliRunner().invoke(app, ["evaluate", str(path), "--required-qwk", "0.5"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line}
    assert "trained/minilm-static-256" in lines["plants"]
    assert "embedding/minilm-static-256" in lines["new"]  # no other item has a reference
    assert lines["new"].split()[-3] == "0.0%"
    assert "mean QWK" in result.stdout


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_csv([["a", "q", "", "x", "1", "2", "test"]], [*HEADER[:-1], "splitt"]), "split"),
        (_csv([["a", "q", "", "x", "one", "2", "test"]]), "not a number"),
        (_csv([["a", "q", "", "x", "3", "2", "test"]]), "outside"),
        (_csv([["a", "q", "", "x", "1", "2", "later"]]), "train"),
        (_csv([["a", "q", "", "x", "1", "2", "train"]]), "no test rows"),
        (_csv([["a", "q", "", "x", "nan", "2", "test"]]), "finite"),
        (
            _csv([["a", "q", "", "x", "1", "2", "test"], ["a", "q", "", "y", "1", "3", "test"]]),
            "more than one max_score",
        ),
        (_csv([["a", "q", "", "x", "1", "2"]]), "fields"),
        ("item_id,question\n".encode("utf-16"), "UTF-8"),
        (b"", "empty"),
        (b"\x00\x01", "NUL"),
    ],
)
def test_bad_data_sets_get_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_dataset(data)


def test_huge_inputs_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluation, "MAX_BYTES", 100)
    with pytest.raises(PayloadTooLarge):
        parse_dataset(_csv(_rows()))
    monkeypatch.setattr(evaluation, "MAX_BYTES", 10**9)
    long = _csv([["a", "q", "", "x" * 200_000, "1", "2", "test"]])
    with pytest.raises(InvalidInput, match=r"longer than|not valid CSV"):
        parse_dataset(long)


def test_cli_exits_2_with_a_message_on_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([["a", "q", "", "x", "1", "2", "test"]], HEADER[:4]))
    result = CliRunner().invoke(app, ["evaluate", str(bad)])
    assert result.exit_code == 2
    assert "lacks the column(s) score, max_score, split" in result.output
    missing = CliRunner().invoke(app, ["evaluate", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2
    assert "cannot be read" in missing.output
    assert "Traceback" not in missing.output


def test_fractional_scores_become_levels() -> None:
    rows = parse_dataset(
        _csv([["a", "q", "", "x", "0.5", "1", "test"], ["a", "q", "", "y", "0.25", "1", "train"]])
    )
    rubric = evaluation.item_rubric(rows)
    assert [lv.points for lv in rubric.criteria[0].levels] == [0.0, 0.25, 0.5, 1.0]
