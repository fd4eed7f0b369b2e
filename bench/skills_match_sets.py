"""Test sets, metrics and the TF-IDF baseline behind ``bench/skills_match.py``.

* **Green et al. 2022** (CC BY 4.0): job-ad sentences with gold Skill and Occupation spans, not
  linked to ESCO. A gold span maps to ESCO by a rule no ranker uses: a label (preferred or
  alternative) whose lower-cased content words equal the span's, or that has ≥ 2 content words,
  all inside the span, making up ≥ half of it.
* **Held-out ESCO labels**: one alternative label of every concept with two or more is taken
  out of the taxonomy (chosen by a hash of the URI); the rankers see the rest, and each held-out
  label is a query whose answer is its own concept: wording the index has never seen.

Every set is split into "dev" and "test" halves by a hash (of the sentence or the concept URI).
The shipped fusion weights were chosen on the dev halves only; the test halves are reported.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from microcred.skills.taxonomy import OccupationTable, SkillTable, Taxonomy

GREEN = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "skill-extraction-green2022"
)


def split_of(key: str) -> str:
    """The half a query belongs to, by a hash of ``key``."""
    return "dev" if hashlib.sha256(key.encode()).digest()[0] % 2 == 0 else "test"


# --- metrics -------------------------------------------------------------------------------------


def average_precision(ranked: Sequence[int], relevant: set[int], depth: int = 100) -> float:
    """AP over the top ``depth``, divided by min(|relevant|, depth)."""
    hits, total = 0, 0.0
    for i, s in enumerate(ranked[:depth], start=1):
        if s in relevant:
            hits += 1
            total += hits / i
    return total / min(len(relevant), depth) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[int], relevant: set[int]) -> float:
    """1 / rank of the first relevant item (0 when none)."""
    for i, s in enumerate(ranked, start=1):
        if s in relevant:
            return 1.0 / i
    return 0.0


def r_precision_at(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    """Relevant items in the top ``k`` over min(k, |relevant|)."""
    return sum(1 for s in ranked[:k] if s in relevant) / min(k, len(relevant))


def span_scores(
    ranked: Sequence[int], golds: Sequence[set[int]], k: int = 5
) -> tuple[float, float]:
    """RP@k and AP of a sentence whose relevant items are its gold *spans*.

    A span is found at the first rank holding one of its ESCO skills (each rank finds at most
    one new span); RP@k = spans found in the top k / min(k, spans); AP averages the precision
    at each find over all spans (top 100).
    """
    found: set[int] = set()
    hits, in_k, ap = 0, 0, 0.0
    for i, s in enumerate(ranked[:100], start=1):
        new = next((j for j, g in enumerate(golds) if j not in found and s in g), None)
        if new is not None:
            found.add(new)
            hits += 1
            ap += hits / i
            in_k += i <= k
    return in_k / min(k, len(golds)), ap / len(golds)


# --- Green et al. 2022 ---------------------------------------------------------------------------


def green_sentences(tag: str = "Skill") -> list[tuple[str, list[str]]]:
    """(sentence, gold spans of ``tag``) from the CoNLL-style gold test set."""
    sentences: list[tuple[str, list[str]]] = []
    tokens: list[str] = []
    spans: list[list[str]] = []
    current: list[str] | None = None
    path = GREEN / "raw_data" / "testset.txt"
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        parts = line.split()
        if not parts:
            if tokens:
                sentences.append((" ".join(tokens), [" ".join(s) for s in spans]))
            tokens, spans, current = [], [], None
            continue
        word, label = parts[0], parts[1] if len(parts) > 1 else "O"
        tokens.append(word)
        if label == f"B-{tag}":
            current = [word]
            spans.append(current)
        elif label == f"I-{tag}" and current is not None:
            current.append(word)
        else:
            current = None
    return sentences


_WORD = re.compile(r"[a-z0-9]+")


def _norm(text: str) -> tuple[str, ...]:
    words = [w for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]
    return tuple(
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words
    )


class GreenGold:
    """Maps gold spans to concepts of a table by the label rule in this module's docstring."""

    def __init__(self, table: SkillTable | OccupationTable) -> None:
        self.by_label: dict[tuple[str, ...], set[int]] = {}
        self.by_word: dict[str, list[tuple[frozenset[str], int]]] = {}
        for i, (lab, alts) in enumerate(zip(table.label, table.alt_labels, strict=True)):
            for name in (lab, *alts):
                key = _norm(name)
                if key:
                    self.by_label.setdefault(tuple(sorted(key)), set()).add(i)
                    if len(set(key)) >= 2:
                        self.by_word.setdefault(key[0], []).append((frozenset(key), i))

    def concepts(self, span: str) -> set[int]:
        """The concepts a span maps to (empty when none)."""
        key = _norm(span)
        found = set(self.by_label.get(tuple(sorted(key)), set()))
        words = set(key)
        for word in words:
            for label_words, i in self.by_word.get(word, ()):
                if len(label_words) * 2 >= len(words) and label_words <= words:
                    found.add(i)
        return found


# --- held-out ESCO labels ------------------------------------------------------------------------


def _hold_out(table: SkillTable | OccupationTable) -> tuple[list[list[str]], list[str | None]]:
    kept: list[list[str]] = []
    held: list[str | None] = []
    for uri, alts in zip(table.uri, table.alt_labels, strict=True):
        if len(alts) >= 2:
            j = hashlib.sha256(uri.encode()).digest()[1] % len(alts)
            held.append(alts[j])
            kept.append([a for k, a in enumerate(alts) if k != j])
        else:
            held.append(None)
            kept.append(list(alts))
    return kept, held


def held_out_taxonomy(tax: Taxonomy) -> tuple[Taxonomy, list[str | None], list[str | None]]:
    """The taxonomy less one alternative label per concept, and the labels held out."""
    s_alt, s_held = _hold_out(tax.skills)
    o_alt, o_held = _hold_out(tax.occupations)

    def hidden(table: SkillTable | OccupationTable, held: list[str | None]) -> list[list[str]]:
        return [[h for h in table.hidden(i) if h != held[i]] for i in range(len(table))]

    reduced = dataclasses.replace(
        tax,
        skills=dataclasses.replace(
            tax.skills, alt_labels=s_alt, hidden_labels=hidden(tax.skills, s_held)
        ),
        occupations=dataclasses.replace(
            tax.occupations, alt_labels=o_alt, hidden_labels=hidden(tax.occupations, o_held)
        ),
        folder=None,
        fingerprint="",
        _skill_index=None,
        _occupation_index=None,
    )
    return reduced, s_held, o_held


# --- baseline ------------------------------------------------------------------------------------


class TfIdfBaseline:
    """Cosine similarity of TF-IDF vectors of the text and each concept's labels + description.

    scikit-learn's TfidfVectorizer, English stop words, sublinear tf; no hidden labels.
    """

    def __init__(self, table: SkillTable | OccupationTable) -> None:
        docs = [
            " ".join([lab, *alts, desc])
            for lab, alts, desc in zip(
                table.label, table.alt_labels, table.description, strict=True
            )
        ]
        self.vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform(docs).T.tocsr()

    def rank(self, text: str, depth: int = 100) -> list[int]:
        """Concept indices, best first (those with a positive score, top ``depth``)."""
        q = self.vectorizer.transform([text])
        scores = np.asarray((q @ self.matrix).todense()).ravel()
        top = np.argpartition(-scores, depth)[:depth]
        return [int(i) for i in top[np.argsort(-scores[top], kind="stable")] if scores[i] > 0]
