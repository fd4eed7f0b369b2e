"""Concept vectors for the semantic signal: the centroid of every label a concept has.

ESCO gives a skill about seven labels (preferred, alternative, hidden); a text worded like any of
them should land near the concept. Embedding each label and averaging the unit vectors keeps one
vector per concept, so a query costs one matrix-vector product (about 14,000 × 256 for ESCO
skills) instead of one per label (about 110,000 rows), which ``bench/skills_match.py`` measured
as too slow for the 10 ms budget.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from microcred.assessment.embedder import Embedder

FloatArray = npt.NDArray[np.float32]

#: Labels embedded per call, so a large taxonomy never sits in one batch.
BATCH = 8_192


def concept_centroids(embedder: Embedder, labels: Sequence[Sequence[str]]) -> FloatArray:
    """One unit vector per concept: the normalised mean of its labels' vectors.

    ``labels[i]`` lists concept ``i``'s labels (empty and repeated labels are skipped); a
    concept without any label gets a zero vector, which matches nothing.
    """
    distinct: dict[str, int] = {}
    owners: list[int] = []
    rows: list[int] = []
    for i, names in enumerate(labels):
        for name in dict.fromkeys(n.strip() for n in names):
            if name:
                owners.append(i)
                rows.append(distinct.setdefault(name, len(distinct)))
    texts = list(distinct)
    # a model with a query cache may offer a bulk path that leaves the cache to queries
    embed = getattr(embedder, "embed_uncached", embedder.embed)
    dim = 0
    chunks: list[FloatArray] = []
    for lo in range(0, len(texts), BATCH):
        chunk = np.asarray(embed(texts[lo : lo + BATCH]), dtype=np.float32)
        dim = int(chunk.shape[1])
        chunks.append(chunk)
    if not chunks:
        return np.zeros((len(labels), 1), dtype=np.float32)
    vectors = np.concatenate(chunks)
    out = np.zeros((len(labels), dim), dtype=np.float32)
    np.add.at(out, np.asarray(owners, dtype=np.int64), vectors[np.asarray(rows, dtype=np.int64)])
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.where(norms > 0, norms, 1.0)).astype(np.float32)
