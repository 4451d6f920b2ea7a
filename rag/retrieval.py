"""Dense retrieval: a question's embedding against the FAISS index, with optional filters."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.chunking import Chunk
from rag.index import LoadedIndex, current_version, load_index
from rag.settings import Settings


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk and its cosine similarity to the query."""

    rank: int
    score: float
    chunk: Chunk


@dataclass(frozen=True)
class Filters:
    """Narrow retrieval to source languages and an inclusive ISO date range.

    With a date bound set, articles of unknown date are left out: they cannot be shown to be in range.
    """

    languages: frozenset[str] | None = None
    date_from: str | None = None
    date_to: str | None = None

    def allows(self, chunk: Chunk) -> bool:
        if self.languages and chunk.language not in self.languages:
            return False
        if self.date_from or self.date_to:
            if not chunk.date:
                return False
            if self.date_from and chunk.date < self.date_from:
                return False
            if self.date_to and chunk.date > self.date_to:
                return False
        return True

    @property
    def active(self) -> bool:
        return bool(self.languages or self.date_from or self.date_to)


_lock = threading.Lock()
_loaded: dict[Path, LoadedIndex] = {}


def current_index(index_dir: Path) -> LoadedIndex:
    """The live index, loaded once and reloaded when a rebuild swaps in a new version."""
    key = index_dir.resolve()
    with _lock:
        cached = _loaded.get(key)
        if cached is not None and cached.version == current_version(index_dir):
            return cached
        fresh = load_index(index_dir)
        _loaded[key] = fresh
        return fresh


def search_vector(index: LoadedIndex, query: np.ndarray, k: int, filters: Filters | None = None,
                  sentence_weight: float = 0.3, rerank_depth: int = 30) -> list[Hit]:
    """Top ``k`` chunks for one normalised query vector, filtered when ``filters`` is active.

    FAISS finds the ``rerank_depth`` nearest chunks; each is then scored as a blend of its own
    similarity and that of its best sentence (``sentence_weight``), so a chunk holding one sentence
    that answers the question outranks a chunk that is only broadly on topic.
    """
    total = index.faiss_index.ntotal
    if total == 0 or k <= 0:
        return []
    query = np.asarray(query, dtype=np.float32).reshape(-1)
    depth = max(k, rerank_depth)
    want = min(total, depth if not (filters and filters.active) else max(depth * 20, 200))
    while True:
        scores, ids = index.faiss_index.search(query.reshape(1, -1), want)
        hits = [(float(s), index.chunks[i]) for s, i in zip(scores[0], ids[0]) if i >= 0]
        if filters and filters.active:
            hits = [(s, c) for s, c in hits if filters.allows(c)]
        if len(hits) >= depth or want >= total:
            break
        want = min(total, want * 4)
    rescored = [(_blend(index, query, score, chunk, sentence_weight), chunk) for score, chunk in hits[:depth]]
    rescored.sort(key=lambda sc: -sc[0])
    return [Hit(rank, score, chunk) for rank, (score, chunk) in enumerate(rescored[:k], start=1)]


def _blend(index: LoadedIndex, query: np.ndarray, score: float, chunk: Chunk, weight: float) -> float:
    rows = index.sentences_in(chunk)
    if not rows or weight <= 0:
        return score
    best_sentence = float(np.max(index.sentence_embeddings[rows] @ query))
    return (1 - weight) * score + weight * best_sentence


def embed_query(settings: Settings, text: str) -> np.ndarray:
    """The normalised query embedding."""
    from rag.embedding import embed_queries

    return embed_queries(settings, [text])[0]


def retrieve(settings: Settings, query: str, k: int | None = None, filters: Filters | None = None,
             index: LoadedIndex | None = None) -> list[Hit]:
    """Embed ``query`` and return the top ``k`` hits from the live index."""
    index = index or current_index(settings.index_dir)
    return search_vector(index, embed_query(settings, query), k or settings.top_k, filters,
                         settings.sentence_rerank_weight)
