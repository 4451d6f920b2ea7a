"""The store interface every backend implements, and what a write hands it.

A store keeps, for every article, its metadata record, its chunks and sentences with their vectors,
and answers vector searches with filters given as data (:class:`rag.types.Filters`). The incremental
build logic (what changed, what to embed) lives once above the backends in :mod:`rag.index`;
retrieval, evaluation, the UI and the CLI talk to a store only through :class:`Store`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Iterator, Protocol, Sequence, runtime_checkable

from rag.types import ArticleRecord, Chunk, ScoredSentence, SearchQuery, Sentence, StoreStatus


class IndexUnavailable(RuntimeError):
    """No usable index: missing, corrupt, or built with another model, format or schema. The message says what to do."""


@dataclass(frozen=True)
class ArticleData:
    """One article's complete stored form: record, chunks and sentences, each with its vector."""

    record: ArticleRecord
    chunks: tuple[Chunk, ...]
    chunk_vectors: Any  # float32 array (len(chunks), dim)
    sentences: tuple[Sentence, ...]
    sentence_vectors: Any  # float32 array (len(sentences), dim)


@dataclass(frozen=True)
class StoreUpdate:
    """A write: articles to add or replace, articles to remove, and the build's metadata.

    ``replace_all`` drops every article not in ``upserts`` (a full rebuild). ``meta`` records what the
    vectors were made with (model, chunking, sentence layout, dim): a store built otherwise is rebuilt.
    """

    meta: dict
    upserts: tuple[ArticleData, ...] = ()
    removals: tuple[str, ...] = ()
    replace_all: bool = False
    on_article: Any = field(default=None, compare=False)  # optional callback(doc) after each article is written


@runtime_checkable
class Store(Protocol):
    """What retrieval, answering's caller, the evaluation and the UI may ask of a store."""

    backend: str

    def location(self) -> str:
        """Where the data lives (a folder, a database URL without its password)."""

    def version(self) -> str | None:
        """A token that changes whenever a write lands (cheap: called on every question); None when empty."""

    def meta(self) -> dict | None:
        """The metadata of the last write (model, chunking, dim, built_at…), None when nothing was built."""

    def articles(self) -> dict[str, ArticleRecord]:
        """Every stored article's record, by document id."""

    def write(self, update: StoreUpdate) -> str:
        """Apply ``update``; readers never see a half-written article. Returns the new version."""

    def build_lock(self) -> AbstractContextManager[None]:
        """Held while a build decides and writes, so that two builds never interleave."""

    def search(self, query: SearchQuery) -> list[tuple[float, Chunk]]:
        """The ``query.k`` chunks nearest to ``query.vector`` that pass its filters: (cosine, chunk), best first."""

    def sentences(self, chunk_ids: Sequence[str], vector: Any | None) -> dict[str, list[ScoredSentence]]:
        """Each chunk's sentences (those lying wholly inside it), in text order, with their cosine to ``vector``."""

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> dict[str, Any]:
        """The stored vectors of the given chunks."""

    def article_sentences(self, doc: str) -> list[ScoredSentence]:
        """Every sentence of one article with its vector (similarity 0), in text order."""

    def chunks(self) -> Iterator[Chunk]:
        """Every stored chunk (for baselines and evaluation)."""

    def status(self) -> StoreStatus:
        """Counts, model and build time."""
