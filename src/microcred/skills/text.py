"""Text to content-word stems: the analyser behind skill matching.

Lower-case, fold accents to ASCII, split into words (keeping ``c++`` and ``c#``), drop stop words,
spell out a few job-ad abbreviations, fold British spelling to American, and stem with Snowball's
English stemmer (Porter2, from ``snowballstemmer``, which uses the C ``PyStemmer`` when that is
installed). A handful of exceptions keep apart words it conflates with unrelated ones.
``docs/decisions/0008-snowball-stemmer.md`` records why this stemmer and what it was measured at.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Protocol, cast

import snowballstemmer

#: Bumped whenever tokenising or stemming changes, so cached analyses are rebuilt.
ANALYZER_VERSION = "snowball-english-1"
#: The Snowball algorithm used: "english" is Porter2, Porter's own revision of his 1980 stemmer.
STEMMER_ALGORITHM = "english"

_TOKEN = re.compile(r"[a-z0-9]+(?:\+\+|#)?")
_STOP = frozenset(
    (
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
        "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between",
        "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during",
        "each", "etc", "e", "g", "eg", "few", "for", "from", "further", "had", "has", "have",
        "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i",
        "ie", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my",
        "myself", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "our",
        "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such",
        "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these",
        "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was",
        "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will",
        "with", "would", "you", "your", "yours", "yourself", "yourselves", "within", "including",
        "include", "includes", "using", "use", "used", "via", "per", "across", "well", "must",
        "may", "might", "shall",
    )
)  # fmt: skip
_BRITISH = (
    (re.compile(r"isation(s?)$"), r"ization\1"),
    (re.compile(r"(?<=.{3})is(e|ed|es|ing)$"), r"iz\1"),
    (re.compile(r"(?<=.{3})ys(e|ed|es|ing)$"), r"yz\1"),
    (re.compile(r"(?<=.{2}[^aeiou])our(s?)$"), r"or\1"),
    (re.compile(r"(?<=.{3})tre(s?)$"), r"ter\1"),
    (re.compile(r"ogue(s?)$"), r"og\1"),
)

#: Words the stemmer conflates with unrelated ones (experience/experiment, proven/provenance);
#: "generalist" joins "general", which Porter2 already keeps apart from "generate".
_STEM_EXCEPTIONS = {
    **dict.fromkeys(("experience", "experiences", "experienced"), "experienc"),
    "generalist": "general",
    "provenance": "provenanc",
    "proven": "prove",
}

#: Common job-ad abbreviations ESCO spells out ("UX designer" → "user experience designer").
_ABBREVIATIONS = {
    "ux": ("user", "experience"),
    "ui": ("user", "interface"),
    "hr": ("human", "resources"),
    "qa": ("quality", "assurance"),
    "hgv": ("heavy", "goods", "vehicle"),
    "ai": ("artificial", "intelligence"),
    "ml": ("machine", "learning"),
    "seo": ("search", "engine", "optimisation"),
    "crm": ("customer", "relationship", "management"),
    "erp": ("enterprise", "resource", "planning"),
}


class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...  # noqa: N802 — the library's name


#: Snowball stemmer objects keep per-call state, so one thread at a time uses this one.
_SNOWBALL = cast(_Stemmer, snowballstemmer.stemmer(STEMMER_ALGORITHM))
_SNOWBALL_LOCK = threading.Lock()


def stem(word: str) -> str:
    """The stem of one lower-case English word (Snowball English, no exceptions applied)."""
    with _SNOWBALL_LOCK:
        return _SNOWBALL.stemWord(word)


@lru_cache(maxsize=200_000)
def _stem(token: str) -> str:
    if token in _STEM_EXCEPTIONS:
        return _STEM_EXCEPTIONS[token]
    if len(token) > 5:
        for pattern, repl in _BRITISH:
            token = pattern.sub(repl, token)
    return stem(token)


def stems(text: str) -> list[str]:
    """Content-word stems of ``text``, in order (stop words dropped, British spelling folded,
    a few abbreviations spelt out)."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    out: list[str] = []
    for token in _TOKEN.findall(folded):
        if token in _STOP:
            continue
        out.extend(_stem(t) for t in _ABBREVIATIONS.get(token, (token,)))
    return out


#: Seniority words vacancy titles add that say nothing about the occupation.
_SENIORITY = frozenset(("senior", "junior", "snr", "jnr", "sr", "jr", "experienced"))
_TITLE_TAIL = re.compile(r"\s+[-–|/]\s+.*$|\s*\(.*$")


def vacancy_title(text: str) -> str:
    """A vacancy title reduced to its occupation: no "- London"/"(m/f)" tail, no seniority words.

    Returns ``text`` unchanged when nothing would be left.
    """
    head = _TITLE_TAIL.sub("", text).strip() or text
    words = [w for w in head.split() if w.lower().strip(".,") not in _SENIORITY]
    return " ".join(words) if words else head
