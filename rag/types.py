"""The records that flow between the stages: articles, chunks, sentences, hits, queries and filters.

Shared by every stage and every store backend, so this module imports nothing heavy (no numpy at
import time, no faiss, no database driver): the fact parsers and the UI can use these types without
loading a model or an index.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ArticleRecord:
    """What a store keeps about one article: its metadata, content hash and chunk ids."""

    doc: str
    title: str
    date: str | None
    source: str | None
    language: str
    content_hash: str
    chunk_ids: tuple[str, ...] = ()
    url: str | None = None
    other_urls: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        data = asdict(self)
        data["chunk_ids"] = list(self.chunk_ids)
        data["other_urls"] = list(self.other_urls)
        return data

    @classmethod
    def from_dict(cls, doc: str, data: dict) -> "ArticleRecord":
        return cls(doc, data.get("title", ""), data.get("date"), data.get("source"), data.get("language", "en"),
                   data.get("content_hash", ""), tuple(data.get("chunk_ids", ())), data.get("url"),
                   tuple(data.get("other_urls", ())))


@dataclass(frozen=True)
class Chunk:
    """A piece of an article's cleaned body, with where it came from."""

    chunk_id: str
    doc: str
    position: int
    start: int  # character offsets into Article.body
    end: int
    text: str
    title: str
    date: str | None
    source: str | None
    language: str
    url: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article: ``start:end`` are offsets into the article's cleaned body."""

    doc: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk and its score (cosine similarity, re-scored by retrieval)."""

    rank: int
    score: float
    chunk: Chunk


@dataclass(frozen=True)
class Filters:
    """Narrow a search: source languages, an inclusive ISO date range, article ids.

    With a date bound set, articles of unknown date are left out: they cannot be shown to be in range.
    Each store translates these (FAISS: a check per candidate; PostgreSQL: a ``WHERE`` clause).
    """

    languages: frozenset[str] | None = None
    date_from: str | None = None
    date_to: str | None = None
    docs: frozenset[str] | None = None

    def allows(self, chunk: Chunk) -> bool:
        """Whether ``chunk`` passes the filters (the reference semantics every backend must match)."""
        if self.languages and chunk.language not in self.languages:
            return False
        if self.docs is not None and chunk.doc not in self.docs:
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
        return bool(self.languages or self.date_from or self.date_to or self.docs is not None)


@dataclass(frozen=True)
class SearchQuery:
    """A vector search: the normalised query vector (a 1-d float32 array), how many, and filters."""

    vector: Any
    k: int
    filters: Filters | None = None


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of a chunk with its cosine similarity to a query and its vector (for twin checks)."""

    sentence: Sentence
    chunk_id: str
    similarity: float
    vector: Any = field(repr=False, compare=False, default=None)


@dataclass(frozen=True)
class StoreStatus:
    """What a store holds, for status lines and `rag index`."""

    backend: str
    location: str
    articles: int
    chunks: int
    sentences: int
    version: str | None
    built_at: str | None
    model: str | None
    languages: dict[str, int] = field(default_factory=dict)
    undated: int = 0


@dataclass(frozen=True)
class LanguageGuess:
    """The language to answer in and how sure we are about it."""

    code: str
    confidence: float
    reliable: bool
    supported: bool
