"""Dense retrieval: the question's embedding against the store, re-scored by each chunk's best sentence.

Talks to the store only through :class:`rag.store.Store`, so FAISS and PostgreSQL serve the same
ranking. The sentences fetched for re-scoring are handed on as evidence for the answerer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from rag.settings import Settings
from rag.store import Store, open_store
from rag.types import Chunk, Filters, Hit, ScoredSentence, SearchQuery

__all__ = ["Filters", "Hit", "Retrieved", "embed_query", "retrieve", "search_store"]

# How many chunks the vector search returns for re-scoring (the answer reads the best ``k``).
RERANK_DEPTH = 30


@dataclass(frozen=True)
class Retrieved:
    """The ranked hits and, for each hit's chunk, its sentences scored against the query."""

    hits: list[Hit]
    sentences: dict[str, list[ScoredSentence]] = field(default_factory=dict)


def search_store(store: Store, query: np.ndarray, k: int, filters: Filters | None = None,
                 sentence_weight: float = 0.3, rerank_depth: int = RERANK_DEPTH,
                 boost: Callable[[Chunk], float] | None = None) -> Retrieved:
    """Top ``k`` chunks for one normalised query vector.

    The store finds the ``rerank_depth`` nearest chunks; each is then scored as a blend of its own
    similarity and that of its best sentence (``sentence_weight``), so a chunk holding one sentence
    that answers the question outranks a chunk that is only broadly on topic. ``boost`` adds to a chunk's
    score what the caller knows of it (the pipeline: a share of the question's named entities it mentions).
    """
    if k <= 0:
        return Retrieved([])
    vector = np.asarray(query, dtype=np.float32).reshape(-1)
    raw = store.search(SearchQuery(vector, max(k, rerank_depth), filters))
    sentences = store.sentences([c.chunk_id for _, c in raw], vector) if raw else {}
    rescored = [(_blend(score, sentences.get(chunk.chunk_id, []), sentence_weight) + (boost(chunk) if boost else 0.0),
                 chunk) for score, chunk in raw]
    rescored.sort(key=lambda sc: -sc[0])
    hits = [Hit(rank, score, chunk) for rank, (score, chunk) in enumerate(rescored[:k], start=1)]
    return Retrieved(hits, {h.chunk.chunk_id: sentences.get(h.chunk.chunk_id, []) for h in hits})


def _blend(score: float, sentences: list[ScoredSentence], weight: float) -> float:
    if not sentences or weight <= 0:
        return score
    return (1 - weight) * score + weight * max(s.similarity for s in sentences)


def embed_query(settings: Settings, text: str) -> np.ndarray:
    """The normalised query embedding (the last few thousand are remembered: a question asked again,
    or a sweep of the evaluation over settings, is not embedded again)."""
    from rag.embedding import embed_queries

    key = (settings.embedding_model, str(settings.models_dir), text)
    with _cache_lock:
        cached = _query_cache.get(key)
    if cached is not None:
        return cached
    vector = embed_queries(settings, [text])[0]
    vector.setflags(write=False)
    with _cache_lock:
        if len(_query_cache) >= QUERY_CACHE_SIZE:
            _query_cache.pop(next(iter(_query_cache)))
        _query_cache[key] = vector
    return vector


QUERY_CACHE_SIZE = 4096
_cache_lock = threading.Lock()
_query_cache: dict[tuple[str, str, str], np.ndarray] = {}


def retrieve(settings: Settings, query: str, k: int | None = None, filters: Filters | None = None,
             store: Store | None = None) -> list[Hit]:
    """Embed ``query`` and return the top ``k`` hits from the configured store."""
    store = store or open_store(settings)
    return search_store(store, embed_query(settings, query), k or settings.top_k, filters,
                        settings.sentence_rerank_weight).hits

