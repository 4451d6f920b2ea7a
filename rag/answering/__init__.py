"""Answering a question from retrieved passages: the shared result types.

Two answerers produce an :class:`Answer`: the grounded extractive one (default,
``extractive.py``) and a ``transformers`` generator (``generative.py``), whose output is
validated and replaced by the extractive answer when it fails the checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.types import Hit, LanguageGuess, ScoredSentence


@dataclass(frozen=True)
class Citation:
    """A numbered source of the answer: ``quote`` is a verbatim substring of the passage's text,
    at ``quote_start:quote_end`` of ``passage.chunk.text``."""

    n: int
    hit: Hit
    quote: str
    quote_start: int
    quote_end: int

    def to_dict(self) -> dict:
        c = self.hit.chunk
        return {"n": self.n, "doc": c.doc, "title": c.title, "date": c.date, "source": c.source,
                "language": c.language, "chunk_id": c.chunk_id, "url": c.url, "quote": self.quote}


@dataclass(frozen=True)
class Passage:
    """A retrieved passage as shown to the user; ``n`` is the number [n] refers to.

    The evidence comes with it, so that answerers never need the store: ``sentences`` are the
    chunk's sentences scored against the question, ``article_sentences`` every sentence of its article
    (years and numbers may stand anywhere in the article).
    """

    n: int
    hit: Hit
    sentences: tuple[ScoredSentence, ...] = field(default=(), compare=False, repr=False)
    article_sentences: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def article_text(self) -> str:
        return self.hit.chunk.title + "\n" + " ".join(self.article_sentences)

    def to_dict(self) -> dict:
        c = self.hit.chunk
        return {"n": self.n, "doc": c.doc, "chunk_id": c.chunk_id, "score": round(self.hit.score, 4),
                "text": c.text, "title": c.title, "date": c.date, "source": c.source, "language": c.language,
                "url": c.url}


@dataclass(frozen=True)
class StatedValue:
    """A value the answer states in its own words (a date, an amount, a person, a post, a country…), and
    the span of passage ``n``'s text it was read from (``start:end`` into ``passage.hit.chunk.text``)."""

    type: str
    value: str
    n: int
    start: int
    end: int

    def to_dict(self, passages: list[Passage]) -> dict:
        by_n = {p.n: p for p in passages}
        chunk = by_n[self.n].hit.chunk if self.n in by_n else None
        return {"type": self.type, "value": self.value, "n": self.n,
                "chunk_id": chunk.chunk_id if chunk else None, "start": self.start, "end": self.end,
                "source_text": chunk.text[self.start:self.end] if chunk else None}


@dataclass
class Answer:
    """The result of answering one question."""

    question: str
    language: str  # the language the answer is written in
    answer: str  # text with [n] markers
    answerer: str  # "extractive" | "generative"
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    note: str | None = None  # e.g. "your question's language is not supported; answering in English"
    guess: LanguageGuess | None = None
    # Score of the evidence that passed the grounding checks (None when none did); refusal is
    # `confidence is None or confidence < settings.refusal_min_score`, which `rag eval --calibrate` sweeps.
    confidence: float | None = None
    query: str | None = None  # what was actually retrieved (the question, completed from the conversation)
    values: list[StatedValue] = field(default_factory=list)  # what the answer restates, with its spans
