"""Answering a question from retrieved passages: the shared result types.

Two answerers produce an :class:`Answer`: the grounded extractive one (default,
``extractive.py``) and a ``transformers`` generator (``generative.py``), whose output is
validated and replaced by the extractive answer when it fails the checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.language import LanguageGuess
from rag.retrieval import Hit


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
    """A retrieved passage as shown to the user; ``n`` is the number [n] refers to."""

    n: int
    hit: Hit

    def to_dict(self) -> dict:
        c = self.hit.chunk
        return {"n": self.n, "doc": c.doc, "chunk_id": c.chunk_id, "score": round(self.hit.score, 4),
                "text": c.text, "title": c.title, "date": c.date, "source": c.source, "language": c.language,
                "url": c.url}


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
