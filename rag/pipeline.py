"""Question → language → retrieval → answer: the one path the CLI, the app and the evaluation share."""

from __future__ import annotations

import logging
import time
from typing import Callable, Sequence

from rag.answering import Answer, Passage
from rag.answering.citations import renumber
from rag.answering.prompts import message
from rag.language import LanguageGuess, detect_language
from rag.retrieval import Retrieved, embed_query, search_store
from rag.settings import SUPPORTED_LANGUAGES, Settings
from rag.store import Store, open_store
from rag.types import Filters

log = logging.getLogger(__name__)

# A follow-up this short ("А когда?", "And the trade?") is retrieved together with the previous question.
FOLLOW_UP_MAX_WORDS = 3


class InvalidQuestion(ValueError):
    """The question cannot be answered as asked (empty, too long); the message says why, for the user."""


def validate_question(settings: Settings, question: str | None, ui_language: str = "en") -> str:
    """The question stripped, or InvalidQuestion with a message in the interface language."""
    text = (question or "").strip()
    if not text:
        raise InvalidQuestion(message("empty_question", ui_language))
    if len(text) > settings.max_question_chars:
        raise InvalidQuestion(message("long_question", ui_language, limit=settings.max_question_chars,
                                      length=len(text)))
    return text


def answer_language(question: str, ui_language: str) -> tuple[LanguageGuess, str | None]:
    """The language to answer in, and a note for the user when it is not the question's own."""
    fallback = ui_language if ui_language in SUPPORTED_LANGUAGES else "en"
    guess = detect_language(question, fallback=fallback)
    if not guess.supported:
        return guess, message("unsupported_language", "en")
    return guess, None


def retrieval_query(question: str, history: Sequence[str]) -> str:
    """What is embedded: a short follow-up is completed with the previous question (never its answer)."""
    previous = history[-1] if history else None
    if previous and len(question.split()) <= FOLLOW_UP_MAX_WORDS:
        return f"{previous.strip()} {question}"
    return question


def answer_question(settings: Settings, question: str, *, k: int | None = None, filters: Filters | None = None,
                    history: Sequence[str] = (), previous_question: str | None = None,
                    ui_language: str | None = None, on_token: Callable[[str], None] | None = None) -> Answer:
    """Answer one question with citations, in the question's language (raises InvalidQuestion).

    ``history`` holds the conversation's earlier questions, oldest first (``previous_question`` is the
    one-turn shorthand).
    """
    ui = ui_language or settings.ui_language
    turns = list(history) or ([previous_question] if previous_question else [])
    text = validate_question(settings, question, ui)
    guess, note = answer_language(text, ui)

    started = time.perf_counter()
    store = open_store(settings)
    query = retrieval_query(text, turns)
    vector = embed_query(settings, query)
    found = search_store(store, vector, k or settings.top_k, filters, settings.sentence_rerank_weight,
                         settings.rerank_depth)
    passages = evidence_passages(store, found)
    retrieved = time.perf_counter()

    answer = _answer(settings, text, guess.code, passages, on_token)
    answer.guess, answer.note, answer.query = guess, note, query
    answer.timings_ms = {"retrieve": round((retrieved - started) * 1000, 1),
                         "answer": round((time.perf_counter() - retrieved) * 1000, 1)}
    return renumber(answer)


def evidence_passages(store: Store, found: Retrieved) -> list[Passage]:
    """The hits as numbered passages, each with its scored sentences and its article's text."""
    texts: dict[str, str] = {}
    for hit in found.hits:
        doc = hit.chunk.doc
        if doc not in texts:
            texts[doc] = hit.chunk.title + "\n" + " ".join(s.sentence.text for s in store.article_sentences(doc))
    return [Passage(i, hit, tuple(found.sentences.get(hit.chunk.chunk_id, ())), texts[hit.chunk.doc])
            for i, hit in enumerate(found.hits, start=1)]


def _answer(settings: Settings, question: str, language: str, passages: list[Passage],
            on_token: Callable[[str], None] | None) -> Answer:
    from rag.answering.extractive import answer_extractive

    if settings.generator_model:
        from rag.answering.generative import answer_generative

        try:
            return answer_generative(settings, question, language, passages, on_token=on_token)
        except Exception as exc:  # a generator that fails to load or run must not take the answer down
            log.warning("The generator failed (%s); answering extractively", exc)
    return answer_extractive(settings, question, language, passages)
