"""The one port through which core code turns text into vectors.

Adapters in ``microcred.adapters.ai.embeddings`` implement it (a static model shipped inside
microcred by default; all-MiniLM-L6-v2 on torch in the ``ai`` extra). Core code never loads a
model itself. Two core packages use it: assessment (embedding and trained reviewers) and skills
(the semantic signal of ``microcred.skills.skill_matching``). It lives here, in the lower of the
two: skills may import assessment, assessment imports nothing from skills.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float64]


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (one row per text)."""

    @property
    def name(self) -> str:
        """A stable model name, recorded with reviews and measurements."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        """An ``(len(texts), dim)`` float64 array of unit rows (zero rows for empty texts)."""
