"""Question → language → retrieval → answer: the one path the CLI, the app and the evaluation share."""

from __future__ import annotations

import logging
import time
from typing import Callable

import numpy as np

from rag.answering import Answer, Passage
from rag.answering.citations import renumber
from rag.answering.prompts import message
from rag.index import LoadedIndex
from rag.language import LanguageGuess, detect_language
from rag.retrieval import Filters, Hit, current_index, embed_query, search_vector
from rag.settings import SUPPORTED_LANGUAGES, Settings

log = logging.getLogger(__name__)

# A follow-up this short ("А когда?", "And the trade?") is retrieved together with the previous question.
FOLLOW_UP_MAX_WORDS = 3


class InvalidQuestion(ValueError):
    """The question cannot be answered as asked (empty, too long); the message says why, for the user."""


LANGUAGE_SAMPLE_CHARS = 1000  # enough to tell the language of a question that is too long to answer


def validate_question(settings: Settings, question: str | None, ui_language: str = "en") -> str:
    """The question stripped, or InvalidQuestion with a message in the question's language when it
    can be told (e.g. a Russian question that is too long), else in the interface language."""
    text = (question or "").strip()
    if not text:
        raise InvalidQuestion(message("empty_question", ui_language))
    if len(text) > settings.max_question_chars:
        guess = detect_language(text[:LANGUAGE_SAMPLE_CHARS], fallback=ui_language)
        language = guess.code if guess.supported else ui_language
        raise InvalidQuestion(message("long_question", language, limit=settings.max_question_chars,
                                      length=len(text)))
    return text


def answer_language(question: str, ui_language: str) -> tuple[LanguageGuess, str | None]:
    """The language to answer in, and a note for the user when it is not the question's own."""
    fallback = ui_language if ui_language in SUPPORTED_LANGUAGES else "en"
    guess = detect_language(question, fallback=fallback)
    if not guess.supported:
        return guess, message("unsupported_language", "en")
    return guess, None


def retrieval_query(question: str, previous_question: str | None) -> str:
    """What is embedded: a short follow-up is completed with the previous question (never its answer)."""
    if previous_question and len(question.split()) <= FOLLOW_UP_MAX_WORDS:
        return f"{previous_question.strip()} {question}"
    return question


def answer_question(settings: Settings, question: str, *, k: int | None = None, filters: Filters | None = None,
                    previous_question: str | None = None, ui_language: str | None = None,
                    on_token: Callable[[str], None] | None = None) -> Answer:
    """Answer one question with citations, in the question's language (raises InvalidQuestion)."""
    ui = ui_language or settings.ui_language
    text = validate_question(settings, question, ui)
    guess, note = answer_language(text, ui)

    started = time.perf_counter()
    index = current_index(settings.index_dir)
    query = embed_query(settings, retrieval_query(text, previous_question))
    hits = search_vector(index, query, k or settings.top_k, filters, settings.sentence_rerank_weight)
    retrieved = time.perf_counter()

    answer = _answer(settings, text, guess.code, hits, on_token, index, query)
    answer.guess, answer.note = guess, note
    answer.timings_ms = {"retrieve": round((retrieved - started) * 1000, 1),
                         "answer": round((time.perf_counter() - retrieved) * 1000, 1)}
    return renumber(answer)


def _answer(settings: Settings, question: str, language: str, hits: list[Hit],
            on_token: Callable[[str], None] | None, index: LoadedIndex, query: np.ndarray) -> Answer:
    from rag.answering.extractive import answer_extractive

    passages = [Passage(i, hit) for i, hit in enumerate(hits, start=1)]
    if settings.generator_model:
        from rag.answering.generative import answer_generative

        try:
            return answer_generative(settings, question, language, passages, on_token=on_token)
        except Exception as exc:  # a generator that fails to load or run must not take the answer down
            log.warning("The generator failed (%s); answering extractively", exc)
    return answer_extractive(settings, question, language, passages, index=index, query=query)
