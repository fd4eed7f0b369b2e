"""Data sets of ``bench/grading.py``, read from ../shared/data/grading and converted at run time
(never into the repository)."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from microcred.assessment.evaluation import Row

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "grading"
ASAP = DATA / "asap-sas-train"
SEMEVAL = DATA / "semeval2013_task7"
SAF = DATA / "saf" / "data"


# ---------------------------------------------------------------- data, converted at run time


def asap_answers() -> list[dict[str, Any]]:
    """ASAP-SAS training answers with both human scores."""
    csv.field_size_limit(10**7)
    with (ASAP / "asap_sas_train_two_raters.tsv").open(encoding="utf-8") as f:
        second = {r["Id"]: r["Score2"] for r in csv.DictReader(f, delimiter="\t")}
    with (ASAP / "asap_sas_train.tsv").open(encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        return [
            {"id": r[0], "set": int(r[1]), "s1": int(r[2]), "s2": int(second[r[0]]), "text": r[3]}
            for r in reader
        ]


def semeval_rows(corpus: str) -> tuple[list[Row], dict[str, str]]:
    """Training answers (train) and both unseen test sets (test); item → test set name."""
    rows: list[Row] = []
    which: dict[str, str] = {}
    parts = [("train", SEMEVAL / "training" / "2way" / corpus, "train")]
    for name in ("test-unseen-answers", "test-unseen-questions"):
        parts.append(("test", SEMEVAL / "test" / "2way" / corpus / name, name))
    for split, folder, name in parts:
        for path in sorted(folder.glob("*.xml")):
            q = ET.parse(path).getroot()
            item = q.get("id", path.stem)
            question = (q.findtext("questionText") or "").strip()
            refs = [r.text or "" for r in q.iter("referenceAnswer")]
            reference = refs[0].strip() if refs else ""
            if split == "test":
                which[item] = name
            for a in q.iter("studentAnswer"):
                score = 1.0 if a.get("accuracy") == "correct" else 0.0
                rows.append(
                    Row(item, question, reference, (a.text or "").strip(), score, 1.0, split)
                )
    return rows, which


SAF_LEVELS = {"incorrect": 0.0, "partially correct": 1.0, "correct": 2.0}


def saf_rows() -> tuple[list[Row], dict[tuple[str, str], str]]:
    """SAF English: verdict levels 0–2; (item, answer) → the grader's written feedback."""
    rows: list[Row] = []
    feedback: dict[tuple[str, str], str] = {}
    for split, folder in (
        ("train", "training"),
        ("test", "unseen_answers"),
        ("test", "unseen_questions"),
    ):
        for path in sorted((SAF / folder / "english").glob("*.xml")):
            q = ET.parse(path).getroot()
            item = q.get("id", path.stem)
            question = " ".join((q.findtext("questionText") or "").split())
            reference = " ".join((q.findtext(".//referenceAnswer") or "").split())
            for a in q.iter("studentAnswer"):
                verdict = (a.findtext("verification_feedback") or "").strip().lower()
                if verdict not in SAF_LEVELS:
                    continue
                answer = " ".join((a.findtext("response") or "").split())
                rows.append(Row(item, question, reference, answer, SAF_LEVELS[verdict], 2.0, split))
                feedback[(item, answer)] = " ".join((a.findtext("response_feedback") or "").split())
    return rows, feedback


def write_csv(rows: Sequence[Row], path: Path) -> None:
    """The evaluation CSV, as a user would hand it to ``microcred assess evaluate``."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "item_id",
                "question",
                "reference",
                "answer",
                "score",
                "max_score",
                "split",
                "second_score",
            ]
        )
        for r in rows:
            second = "" if r.second_score is None else f"{r.second_score:g}"
            w.writerow(
                [
                    r.item_id,
                    r.question,
                    r.reference,
                    r.answer,
                    f"{r.score:g}",
                    f"{r.max_score:g}",
                    r.split,
                    second,
                ]
            )
