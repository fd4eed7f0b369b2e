"""The analysed taxonomy stored beside its bundle (``index.npz``), so matchers start fast.

The file carries the analyser version and the bundle's fingerprint; when either differs from the
running code or the bundle, it is ignored and the taxonomy is analysed afresh.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from microcred.skills.concept_index import AnalysedConcepts
from microcred.skills.taxonomy import OccupationTable, SkillTable, Taxonomy
from microcred.skills.text import ANALYZER_VERSION

INDEX_FILE = "index.npz"


def search_labels(table: SkillTable | OccupationTable) -> list[list[str]]:
    """Each concept's labels as matched: preferred, alternative, then hidden."""
    return [
        [lab, *alt, *table.hidden(i)]
        for i, (lab, alt) in enumerate(zip(table.label, table.alt_labels, strict=True))
    ]


def analyse_taxonomy(taxonomy: Taxonomy) -> tuple[AnalysedConcepts, AnalysedConcepts]:
    """Skills and occupations reduced to stems (a few seconds for ESCO)."""
    t = taxonomy
    return (
        AnalysedConcepts.of(search_labels(t.skills), t.skills.description),
        AnalysedConcepts.of(search_labels(t.occupations), t.occupations.description),
    )


def write_index(taxonomy: Taxonomy, folder: Path, fingerprint: str) -> Path:
    """Store the analysed taxonomy beside its bundle so matchers start fast."""
    skills, occupations = analyse_taxonomy(taxonomy)
    path = folder / INDEX_FILE
    arrays: dict[str, Any] = {
        "analyzer": np.array(ANALYZER_VERSION.encode(), dtype=np.bytes_),
        "fingerprint": np.array(fingerprint.encode(), dtype=np.bytes_),
        **skills.arrays("skills_"),
        **occupations.arrays("occupations_"),
    }
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)
    return path


def analysed_taxonomy(taxonomy: Taxonomy) -> tuple[AnalysedConcepts, AnalysedConcepts]:
    """The stored analysis of a bundle when it is current, else a fresh one."""
    if taxonomy.folder is not None and taxonomy.fingerprint:
        try:
            with np.load(taxonomy.folder / INDEX_FILE) as data:
                if (
                    bytes(data["analyzer"].item()).decode() == ANALYZER_VERSION
                    and bytes(data["fingerprint"].item()).decode() == taxonomy.fingerprint
                ):
                    skills = AnalysedConcepts.from_arrays(data, "skills_")
                    occupations = AnalysedConcepts.from_arrays(data, "occupations_")
                    if (
                        len(skills.label_start) == len(taxonomy.skills) + 1
                        and len(occupations.label_start) == len(taxonomy.occupations) + 1
                    ):
                        return skills, occupations
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            pass  # absent or stale: analyse afresh
    return analyse_taxonomy(taxonomy)
