"""Spelling normalisation learned from one rubric's own answers.

Learners misspell the very words a rubric turns on ("photosynthesys", "ribosone"). A ``Speller``
learns the rubric's vocabulary from its graded answers (words seen at least ``min_count`` times)
and maps every other word of at least ``min_length`` letters to the closest such word: within
one edit for words of four or five letters, two for longer ones (insertions, deletions,
substitutions and swaps of neighbouring letters), the more frequent word winning a tie. Words it
cannot place stay as they are. Candidates come from a table of the known words' deletions
(symmetric-delete lookup), so correcting a word costs a few dictionary probes, not a scan.

Measured on ASAP-SAS (ADR 0006): with about 1,340 graded answers per rubric, n-gram features of
normalised answers raised the trained reviewer's mean QWK from 0.7315 to 0.7368 on the same
folds, no prompt lower (0.7320–0.7368 for vocabulary thresholds of 2 to 5 occurrences); with 100
graded answers they lowered it (the vocabulary is too small), so the trained reviewer corrects
only from ``SPELLING_MIN_GRADED`` answers on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from microcred.assessment.lexical import words

#: Corrections remembered per speller before the memory is cleared (a long-lived reviewer sees
#: ever new misspellings).
CACHE_LIMIT = 50_000


def _deletions(word: str, distance: int) -> set[str]:
    """``word`` and every string made from it by deleting up to ``distance`` letters."""
    found = {word}
    frontier = {word}
    for _ in range(distance):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance between ``a`` and ``b`` (a swap of neighbouring letters
    counts as one edit); any value above ``limit`` is reported as ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def _reach(word: str) -> int:
    return 2 if len(word) >= 6 else 1


@dataclass(slots=True)
class Speller:
    """A rubric's vocabulary and the corrections it implies; call it on a text."""

    counts: Counter[str]
    min_count: int = 3
    min_length: int = 4
    _index: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _cache: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def fit(cls, texts: Iterable[str], *, min_count: int = 3, min_length: int = 4) -> Speller:
        """Learn the vocabulary of ``texts``."""
        speller = cls(Counter(w for t in texts for w in words(t)), min_count, min_length)
        for word, count in speller.counts.items():
            if count >= min_count and len(word) >= min_length:
                for key in _deletions(word, _reach(word)):
                    speller._index.setdefault(key, []).append(word)
        return speller

    def known(self, word: str) -> bool:
        """Whether ``word`` is part of the learned vocabulary."""
        return self.counts.get(word, 0) >= self.min_count

    def correct(self, word: str) -> str:
        """The known word ``word`` most likely stands for (``word`` itself if none is close)."""
        if len(word) < self.min_length or self.known(word):
            return word
        found = self._cache.get(word)
        if found is not None:
            return found
        reach = _reach(word)
        best = (reach + 1, 0, word)
        seen: set[str] = set()
        for key in _deletions(word, reach):
            for candidate in self._index.get(key, ()):
                if candidate in seen:
                    continue
                seen.add(candidate)
                distance = edit_distance(word, candidate, reach)
                if distance <= reach:
                    best = min(best, (distance, -self.counts[candidate], candidate))
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = best[2]
        return best[2]

    def __call__(self, text: str) -> str:
        """``text`` as lower-case words, each misspelling replaced by the word it stands for."""
        return " ".join(self.correct(w) for w in words(text))

    def normalise(self, texts: Sequence[str]) -> list[str]:
        """Every text of ``texts`` normalised."""
        return [self(t) for t in texts]
