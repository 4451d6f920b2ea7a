"""Question → language → retrieval → answer: the one path the CLI, the app and the evaluation share."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Sequence

from rag import knowledge
from rag.answering import Answer, Passage
from rag.answering.citations import renumber
from rag.answering.prompts import message
from rag.answering.questions import asked_measure, asked_type, content_words, counted_thing, quantities_named
from rag.language import LanguageGuess, detect_language
from rag.retrieval import Retrieved, embed_query, search_store
from rag.settings import SUPPORTED_LANGUAGES, Settings
from rag.store import Store, open_store
from rag.knowledge import NameTable
from rag.types import Filters

log = logging.getLogger(__name__)

class InvalidQuestion(ValueError):
    """The question cannot be answered as asked (empty, too long, no content); the message says why.

    ``kind`` is "empty", "long" or "no_content": the evaluation counts a content-free question as refused."""

    def __init__(self, text: str, kind: str = "empty") -> None:
        super().__init__(text)
        self.kind = kind


def validate_question(settings: Settings, question: str | None, ui_language: str = "en",
                      follow_up: bool = False) -> str:
    """The question stripped, or InvalidQuestion with a message in the question's language when it can
    be told, else the interface language. A ``follow_up`` ("And when?") takes its content from the
    conversation, so it is not checked for content of its own."""
    text = (question or "").strip()
    if not text:
        raise InvalidQuestion(message("empty_question", ui_language), "empty")
    language = _message_language(text, ui_language)
    if len(text) > settings.max_question_chars:
        raise InvalidQuestion(message("long_question", language, limit=settings.max_question_chars,
                                      length=len(text)), "long")
    if not follow_up and not content_words(text):
        raise InvalidQuestion(message("no_content", language), "no_content")
    return text


def _message_language(text: str, ui_language: str) -> str:
    guess = detect_language(text[:1000], fallback=ui_language)
    return guess.code if guess.supported else ui_language  # unsure: the interface's, or the script's


def answer_language(question: str, ui_language: str) -> tuple[LanguageGuess, str | None]:
    """The language to answer in, and a note for the user when it is not the question's own."""
    fallback = ui_language if ui_language in SUPPORTED_LANGUAGES else "en"
    guess = detect_language(question, fallback=fallback)
    if not guess.supported:
        return guess, message("unsupported_language", "en")
    return guess, None


def answer_question(settings: Settings, question: str, *, k: int | None = None, filters: Filters | None = None,
                    history: Sequence[str] = (), previous_question: str | None = None,
                    ui_language: str | None = None, on_token: Callable[[str], None] | None = None) -> Answer:
    """Answer one question with citations, in the question's language (raises InvalidQuestion).

    ``history`` holds the conversation's earlier questions, oldest first (``previous_question`` is the
    one-turn shorthand); a follow-up is resolved with them (:mod:`rag.conversation`), and
    ``Answer.query`` says what was actually retrieved.
    """
    from rag.answering.extractive import Context
    from rag.conversation import resolve

    ui = ui_language or settings.ui_language
    turns = list(history) or ([previous_question] if previous_question else [])
    text = validate_question(settings, question, ui, follow_up=any(t and t.strip() for t in turns))
    guess, note = answer_language(text, ui)
    if not guess.reliable and turns:  # a short follow-up ("А когда?") is in the conversation's language
        earlier = answer_language(turns[-1], ui)[0]
        if earlier.reliable and earlier.supported:
            guess = earlier

    started = time.perf_counter()
    store = open_store(settings)
    names, common = corpus_names(store)
    turn = resolve(text, turns, guess.code, names, common)
    if not content_words(turn.query):  # nothing to ask about, even with the conversation
        raise InvalidQuestion(message("no_content", guess.code), "no_content")
    vector = embed_query(settings, turn.query)
    texts: dict[str, tuple[str, ...]] = {}  # each article's sentences, read once for the boost and the passages

    def article_text(doc: str) -> str:
        if doc not in texts:
            texts[doc] = tuple(s.sentence.text for s in store.article_sentences(doc))
        return " ".join(texts[doc])

    boosts = [b for b in (entity_boost(turn.entities, settings.entity_rerank_weight, settings.entity_article_weight,
                                       article_text),
                          figure_boost(text, settings.figure_rerank_weight, turn.query if turn.follow_up else None))
              if b is not None]
    found = search_store(store, vector, k or settings.top_k, filters, settings.sentence_rerank_weight,
                         settings.rerank_depth, (lambda chunk: sum(b(chunk) for b in boosts)) if boosts else None)
    passages = evidence_passages(store, found, texts)
    retrieved = time.perf_counter()

    answer = _answer(settings, text, guess.code, passages, on_token, Context(names, turn.carried, common,
                                                                     turn.years if turn.follow_up else frozenset(),
                                                                     turn.venues if turn.follow_up else frozenset(),
                                                                     turn.subject))
    answer.guess, answer.note, answer.query = guess, note, turn.query
    answer.timings_ms = {"retrieve": round((retrieved - started) * 1000, 1),
                         "answer": round((time.perf_counter() - retrieved) * 1000, 1)}
    return renumber(answer)


def entity_boost(entities: Sequence, weight: float, article_weight: float = 0.0,
                 article_text: Callable[[str], str] | None = None) -> Callable | None:
    """A retrieval boost: ``weight`` × the share of the question's named entities (with those carried from
    the conversation) that a chunk's title and text mention, so that of two reports of an event the one
    about the question's people and places ranks first; plus ``article_weight`` × the share its whole
    article mentions (``article_text``: doc → text), because a lead chunk that names only the host
    ("Tokayev thanked the guest…") says nothing of which guest the article is about."""
    if not entities or (weight <= 0 and (article_weight <= 0 or article_text is None)):
        return None
    from rag.answering.grounding import evidence_of, is_mentioned

    def share(text: str) -> float:
        evidence = evidence_of(text)
        return sum(is_mentioned(n, evidence) for n in entities) / len(entities)

    shares: dict[str, float] = {}  # per article, for this one search

    def boost(chunk) -> float:
        score = weight * share(f"{chunk.title}\n{chunk.text}") if weight > 0 else 0.0
        if article_weight > 0 and article_text is not None:
            if chunk.doc not in shares:
                shares[chunk.doc] = share(f"{chunk.title}\n{article_text(chunk.doc)}")
            score += article_weight * shares[chunk.doc]
        return score

    return boost


def figure_boost(question: str, weight: float, conversation: str | None = None) -> Callable | None:
    """A retrieval boost for a how-much or how-many question: ``weight`` for a chunk that holds a figure of
    what is asked (:func:`rag.answering.extractive.measured_amounts`: a sum or rate of the trade asked
    about, not a count of companies), so that the chunk with the figure is among the passages the
    answerer reads even when another chunk of the event reads more like the question. A follow-up
    (``conversation``: the earlier turns with it) asks what its own question word asks ("And when did Radev
    visit?" after a trade question is no figure's); one without a question word ("And with Hungary?") asks
    what the conversation did, of what it names."""
    from rag.answering.extractive import measured_amounts

    asks = question if conversation is None or knowledge.find_terms(question, "question") else conversation
    if weight <= 0 or asked_type(asks) != "amount":
        return None
    measure, quantities = asked_measure(asks), frozenset(quantities_named(conversation or question))
    counted = counted_thing(asks)
    return lambda chunk: weight if measured_amounts(chunk.text, measure, quantities, counted) else 0.0


_names_lock = threading.Lock()
_names: dict[tuple[int, str | None], tuple[NameTable | None, frozenset[str]]] = {}


def corpus_names(store: Store) -> tuple[NameTable | None, frozenset[str]]:
    """The names the corpus mentions and the words it writes in lower case (both collected at index
    time), loaded once per store version."""
    key = (id(store), store.version())
    with _names_lock:
        if key not in _names:
            meta = store.meta() or {}
            _names.clear()
            _names[key] = (NameTable.from_json(meta["names"]) if meta.get("names") else None,
                           frozenset(meta.get("lowercase_words") or ()))
        return _names[key]


def evidence_passages(store: Store, found: Retrieved,
                      texts: dict[str, tuple[str, ...]] | None = None) -> list[Passage]:
    """The hits as numbered passages, each with its scored sentences and its article's text (``texts``:
    articles' sentences already read, by doc)."""
    texts = {} if texts is None else texts
    for hit in found.hits:
        doc = hit.chunk.doc
        if doc not in texts:
            texts[doc] = tuple(s.sentence.text for s in store.article_sentences(doc))
    return [Passage(i, hit, tuple(found.sentences.get(hit.chunk.chunk_id, ())), texts[hit.chunk.doc])
            for i, hit in enumerate(found.hits, start=1)]


def _answer(settings: Settings, question: str, language: str, passages: list[Passage],
            on_token: Callable[[str], None] | None, context) -> Answer:
    from rag.answering.extractive import answer_extractive

    if settings.generator_model:
        from rag.answering.generative import answer_generative

        try:
            return answer_generative(settings, question, language, passages, on_token=on_token, context=context)
        except Exception as exc:  # a generator that fails to load or run must not take the answer down
            log.warning("The generator failed (%s); answering extractively", exc)
    return answer_extractive(settings, question, language, passages, context)
