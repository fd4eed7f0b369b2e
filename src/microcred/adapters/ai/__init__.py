"""AI adapters: embedding models and the OpenAI-compatible LLM reviewer client.

Everything that loads a model, a tokenizer or talks to a model server lives here; the assessment
core only sees the ``Embedder`` and ``Reviewer`` protocols.
"""

from microcred.adapters.ai.embeddings import MiniLMEmbedder, StaticEmbedder, load_embedder
from microcred.adapters.ai.llm import LLMReviewer, LLMSettings

__all__ = [
    "LLMReviewer",
    "LLMSettings",
    "MiniLMEmbedder",
    "StaticEmbedder",
    "load_embedder",
]
