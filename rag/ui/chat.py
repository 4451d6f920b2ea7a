"""One chat turn: validate the filters, answer, stream the text, render the sources.

:func:`respond` is a generator of :class:`Frame` s; the app turns each frame into component
updates. It never raises: every failure becomes a readable message in the chat.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

from rag.answering import Answer
from rag.answering.render import answer_to_json
from rag.i18n import message, ui_language as interface_language
from rag.settings import Settings
from rag.ui import render
from rag.ui.filters import FilterError, parse_filters

log = logging.getLogger(__name__)

STREAM_DELAY_S = 0.03  # between the pieces of a finished (extractive) answer


@dataclass
class Conversation:
    """What one browser session remembers: the chat messages, its questions and each turn's sources."""

    messages: list[dict] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # one HTML section per answered turn

    @property
    def history(self) -> list[str]:
        """The questions asked so far, oldest first (follow-ups are resolved with them)."""
        return list(self.questions)

    @property
    def previous_question(self) -> str | None:
        return self.questions[-1] if self.questions else None


@dataclass
class Frame:
    """The state of the screen after one step of a turn."""

    messages: list[dict]
    sources_html: str | None = None  # None: unchanged
    answer: dict | None = None  # the finished answer as JSON (None until then, or on an error)
    done: bool = False


def _problem_text(exc: BaseException, ui_language: str) -> tuple[str, str]:
    """(message, kind) for a failure, in words a user understands."""
    from rag.embedding import ModelError
    from rag.store import IndexUnavailable
    from rag.pipeline import InvalidQuestion

    if isinstance(exc, InvalidQuestion):
        return str(exc), "info"
    if isinstance(exc, NotReady):
        return str(exc), "info"
    if isinstance(exc, FilterError):
        return message("check_filters", ui_language, problem=exc), "info"
    if isinstance(exc, IndexUnavailable):
        if str(exc).startswith("No index"):
            return message("no_index", ui_language), "error"
        return f"{message('no_index', ui_language)}\n({exc})", "error"
    if isinstance(exc, ModelError):
        return message("model_error", ui_language, reason=exc), "error"
    return message("internal_error", ui_language, kind=type(exc).__name__), "error"


class NotReady(RuntimeError):
    """The app is still preparing (model, index); the message says so, for the user."""


def _run_answer(settings: Settings, question: str, filters, previous: list[str], ui_language: str,
                stream: bool) -> Iterator[tuple[str, Answer | None]]:
    """Yield ("token", partial text) while a generator streams, then ("done", answer).

    Without a generator the answer is computed directly. Exceptions propagate to the caller.
    """
    from rag.pipeline import answer_question

    if not stream:
        yield "done", answer_question(settings, question, filters=filters, history=previous,
                                      ui_language=ui_language)
        return
    tokens: queue.Queue = queue.Queue()
    result: dict = {}

    def work() -> None:
        try:
            result["answer"] = answer_question(settings, question, filters=filters, history=previous,
                                               ui_language=ui_language, on_token=tokens.put)
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
            result["error"] = exc
        finally:
            tokens.put(None)

    threading.Thread(target=work, name="answer", daemon=True).start()
    text = ""
    while (piece := tokens.get()) is not None:
        text += piece
        yield "token", text
    if "error" in result:
        raise result["error"]
    yield "done", result["answer"]


def respond(settings: Settings, question: str | None, languages: list[str] | None, date_from: str | None,
            date_to: str | None, conversation: Conversation, *, ui_language: str | None = None,
            not_ready: Callable[[str], str | None] | None = None,
            answer_fn: Callable[..., Iterator[tuple[str, Answer | None]]] = _run_answer) -> Iterator[Frame]:
    """Answer ``question`` as the next turn of ``conversation`` (which is updated in place).

    ``ui_language`` is the interface language (messages about the interface, and the pipeline's
    fallback); ``not_ready(language)`` says why no question can be answered yet (None: go ahead).
    Logs one line per question: its language, the answerer, refused or not, latency (no text at INFO).
    """
    ui = interface_language(ui_language or settings.ui_language)
    started = time.perf_counter()
    question = (question or "").strip()
    turn = len(conversation.sources)
    messages = list(conversation.messages)
    if question:
        messages.append({"role": "user", "content": render.render_user_message(question)})
    try:
        filters = parse_filters(languages, date_from, date_to, ui)
        from rag.pipeline import validate_question

        # worded in the question's language when it can be told; a follow-up takes content from the chat
        validate_question(settings, question, ui, follow_up=bool(conversation.questions))
        reason = not_ready(ui) if not_ready is not None else None
        if reason:
            raise NotReady(reason)
        yield Frame(messages + [{"role": "assistant", "content": render.render_thinking(ui)}])
        answer = None
        drafted = False
        last_shown = 0.0
        for kind, value in answer_fn(settings, question, filters, conversation.history, ui,
                                     bool(settings.generator_model)):
            if kind == "token":
                now = time.monotonic()
                if now - last_shown >= 0.05:  # do not flood the browser with one frame per token
                    last_shown = now
                    yield Frame(messages + [{"role": "assistant",
                                             "content": render.render_streaming(value, turn, draft=True,
                                                                                language=ui)}])
                    drafted = True
            else:
                answer = value
        assert answer is not None
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message, never a trace
        text, kind = _problem_text(exc, ui)
        latency = (time.perf_counter() - started) * 1000
        if kind == "error" and not isinstance(exc, (FilterError,)):
            log.warning("question not answered: %s (%s) after %.0f ms", type(exc).__name__,
                        str(exc).splitlines()[0] if str(exc) else "", latency,
                        exc_info=not _is_known_failure(exc))
        else:
            log.info("question not answered: %s after %.0f ms", type(exc).__name__, latency)
        log.debug("question was: %r", question)
        messages.append({"role": "assistant", "content": render.render_error(text, kind)})
        conversation.messages = messages
        yield Frame(messages, None, {"error": text}, done=True)
        return

    log.info("question answered: language=%s answerer=%s refused=%s latency_ms=%.0f chars=%d",
             answer.language, answer.answerer, answer.refused, (time.perf_counter() - started) * 1000, len(question))
    log.debug("question was: %r", question)
    notes = []
    if drafted and answer.answerer != "generative":
        notes.append(message("draft_replaced", answer.language))
    if not answer.refused and not drafted:
        for piece in render.stream_pieces(answer.answer)[:-1]:
            yield Frame(messages + [{"role": "assistant",
                                     "content": render.render_streaming(piece, turn, language=answer.language)}])
            time.sleep(STREAM_DELAY_S)
    messages.append({"role": "assistant", "content": render.render_answer(answer, turn, notes)})
    conversation.messages = messages
    conversation.questions.append(question)
    conversation.sources.append(render.render_sources(answer, turn, filters))
    data = answer_to_json(answer)
    data["turn"] = turn
    yield Frame(messages, render.render_sources_panel(conversation.sources, ui), data, done=True)


def _is_known_failure(exc: BaseException) -> bool:
    """Failures with a message of their own (no stack trace needed in the log)."""
    from rag.embedding import ModelError
    from rag.index import IndexUnavailable

    return isinstance(exc, (ModelError, IndexUnavailable, NotReady))
