"""HTML for the chat app: answers with clickable [n] markers, source cards, the index status line.

Pure functions of their inputs, so they are unit-tested without a browser. Everything that comes
from an article or a user (titles, passages, quotes, questions, file names) is HTML-escaped here;
the only markup is ours. No output contains a newline, so the Chatbot's Markdown renderer treats
each message as one HTML block and leaves its text alone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from rag.answering import Answer, Citation, Passage
from rag.answering.citations import MARKER
from rag.i18n import autonym, format_duration, format_size, format_when, language_name, message
from rag.settings import SUPPORTED_LANGUAGES, Settings
from rag.types import StoreStatus

# The source-language choices carry each language's own name (CLDR), whatever the interface language.
LANGUAGE_CHOICES = [(autonym(code), code) for code in SUPPORTED_LANGUAGES]

ICON_FILE = ('<svg class="dr-icon" width="12" height="12" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
             'stroke-width="2" aria-hidden="true"><path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z"/>'
             '<path d="M14 3v5h5"/></svg>')
# Icons inside chat messages are CSS-drawn letters: the Chatbot's sanitizer mangles inline SVG.
ICON_INFO = '<span class="dr-glyph dr-glyph-info" aria-hidden="true">i</span>'
ICON_ERROR = '<span class="dr-glyph dr-glyph-error" aria-hidden="true">!</span>'
ICON_NOT_FOUND = '<span class="dr-glyph dr-glyph-none" aria-hidden="true">?</span>'
ICON_SOURCES = ('<svg width="40" height="40" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.5" '
                'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M4 5a2 2 0 0 1 2-2h9l5 5v11'
                'a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2z"/><path d="M14 3v5h5M8 13h8M8 17h5"/></svg>')

def sources_placeholder(language: str = "en") -> str:
    """The sources panel before the first answer."""
    marker = '<span class="dr-cite dr-cite-demo">[1]</span>'
    return (f'<div class="dr-empty"><div class="dr-empty-icon">{ICON_SOURCES}</div>'
            f'{message("sources_placeholder", language, marker=marker)}</div>')


SOURCES_PLACEHOLDER = sources_placeholder("en")


def label(key: str, language: str) -> str:
    """An interface word in ``language`` (kept for callers of the old LABELS table)."""
    return message(key, language)


def esc(text: object) -> str:
    """HTML-escaped text (quotes included)."""
    return html.escape("" if text is None else str(text), quote=True)


def _lines(text: str) -> str:
    """Escaped text with line breaks as <br> (no newline characters in the result)."""
    return "<br>".join(esc(line) for line in text.replace("\r", "").split("\n"))


def card_id(turn: int, n: int) -> str:
    return f"dr-src-{turn}-{n}"


def cite_link(turn: int, n: int, language: str = "en") -> str:
    return (f'<a href="#{card_id(turn, n)}" class="dr-cite" data-turn="{turn}" data-n="{n}" '
            f'title="{esc(message("show_source", language, n=n))}">[{n}]</a>')


def render_answer_text(text: str, turn: int, valid: set[int] | None = None, language: str = "en") -> str:
    """The answer's text, escaped, with each valid [n] marker a link to source card n of ``turn``."""
    out: list[str] = []
    last = 0
    for m in MARKER.finditer(text):
        n = int(m.group(1))
        if valid is not None and n not in valid:
            continue
        out.append(_lines(text[last:m.start()]))
        out.append(cite_link(turn, n, language))
        last = m.end()
    out.append(_lines(text[last:]))
    return "".join(out)


def render_user_message(question: str) -> str:
    return f'<div class="dr-question">{_lines(question.strip())}</div>'


def render_streaming(text: str, turn: int, draft: bool = False, language: str = "en") -> str:
    """A partial answer while it streams in, with a blinking caret. A generator's ``draft`` is
    labelled as such and its markers are not links yet (they are renumbered once it is checked)."""
    head = f'<div class="dr-draft-label">{esc(message("draft_label", language))}</div>' if draft else ""
    body = render_answer_text(text, turn, set() if draft else None, language)
    return (f'<div class="dr-answer dr-streaming{" dr-draft" if draft else ""}">{head}{body}'
            '<span class="dr-caret"></span></div>')


def render_thinking(language: str = "en") -> str:
    return (f'<div class="dr-answer dr-streaming"><span class="dr-thinking">{esc(message("thinking", language))}'
            '</span></div>')


def closest_articles(answer: Answer) -> list[Passage]:
    """The first retrieved passage of each distinct article, in rank order."""
    seen: set[str] = set()
    out = []
    for p in answer.passages:
        if p.hit.chunk.doc not in seen:
            seen.add(p.hit.chunk.doc)
            out.append(p)
    return out


CLOSEST_IN_CHAT = 3  # the sources panel lists them all


def render_answer(answer: Answer, turn: int, notes: list[str] | None = None) -> str:
    """The finished answer as a chat message: refusals get their own look and the closest articles.
    ``notes`` are extra remarks from the interface, shown under the answer's own note."""
    lang = answer.language
    note = "".join(f'<div class="dr-note">{ICON_INFO}<span>{esc(text)}</span></div>'
                   for text in [answer.note, *(notes or [])] if text)
    if answer.refused:
        # numbered 1, 2, 3… as their cards in the sources panel (one per article, no gaps)
        closest = "".join(
            f'<li><a href="#{card_id(turn, i)}" class="dr-cite dr-cite-plain" data-turn="{turn}" data-n="{i}">'
            f'{esc(p.hit.chunk.title)}</a> <span class="dr-muted">· {esc(_meta_line(p.hit.chunk, lang))}</span></li>'
            for i, p in enumerate(closest_articles(answer)[:CLOSEST_IN_CHAT], start=1))
        closest_html = (f'<div class="dr-closest"><div class="dr-closest-head">{esc(message("closest_articles", lang))}'
                        f'</div><ul>{closest}</ul></div>') if closest else ""
        return (f'<div class="dr-answer dr-refused" data-turn="{turn}">'
                f'<div class="dr-refusal-head">{ICON_NOT_FOUND}'
                f'{esc(label("not_found", lang))}</div>{note}'
                f'<div class="dr-text">{render_answer_text(answer.answer, turn, set(), lang)}</div>{closest_html}</div>')
    valid = {c.n for c in answer.citations} or {p.n for p in answer.passages}
    return (f'<div class="dr-answer" data-turn="{turn}">{note}'
            f'<div class="dr-text">{render_answer_text(answer.answer, turn, valid, lang)}</div></div>')


def render_error(text: str, kind: str = "error") -> str:
    """A readable problem message in the chat (never a stack trace)."""
    icon = ICON_INFO if kind == "info" else ICON_ERROR
    body = re.sub(r"`([^`<>]+)`", r"<code>\1</code>", _lines(text))
    return f'<div class="dr-answer dr-problem dr-{esc(kind)}">{icon}<span>{body}</span></div>'


def _meta_line(chunk, lang: str) -> str:
    return f"{chunk.date or label('undated', lang)}, {chunk.source or label('unknown_source', lang)}"


EXCERPT_CONTEXT = 240  # characters of context kept either side of a quote on a card
SHORT_PASSAGE = 620  # passages up to this long are shown whole


def _highlighted(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Escaped text with each (start, end) span in a <mark> (spans outside the text are ignored)."""
    out, at = [], 0
    for start, end in sorted(spans):
        if not (at <= start < end <= len(text)):
            continue
        out += [_lines(text[at:start]), f"<mark>{_lines(text[start:end])}</mark>"]
        at = end
    return "".join(out) + _lines(text[at:])


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) by EXCERPT_CONTEXT characters each side, to word boundaries."""
    lo = max(0, start - EXCERPT_CONTEXT)
    hi = min(len(text), end + EXCERPT_CONTEXT)
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space >= 0 else lo
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space >= 0 else hi
    return lo, hi


def render_passage(text: str, quote_start: int | None = None, quote_end: int | None = None,
                   language: str = "en", more: Sequence[tuple[int, int]] = ()) -> str:
    """A passage with its quote marked (and the ``more`` quotes of the same answer): whole when short,
    else an excerpt around the first quote that unfolds (a <details>) into the whole passage."""
    has_quote = quote_start is not None and quote_end is not None and 0 <= quote_start < quote_end <= len(text)
    spans = ([(quote_start, quote_end)] if has_quote else []) + [s for s in more if 0 <= s[0] < s[1] <= len(text)]
    full = _highlighted(text, spans) if spans else _lines(text)
    if len(text) <= SHORT_PASSAGE:
        return f'<div class="dr-passage">{full}</div>'
    if has_quote:
        lo, hi = _window(text, quote_start, quote_end)
        excerpt = _highlighted(text[lo:hi], [(a - lo, min(b, hi) - lo) for a, b in spans if lo <= a < hi])
    else:
        lo, hi = _window(text, 0, 0)
        excerpt = _lines(text[:hi])
    excerpt = ("… " if lo > 0 else "") + excerpt + (" …" if hi < len(text) else "")
    return (f'<details class="dr-passage dr-foldable"><summary><span class="dr-excerpt">{excerpt}</span>'
            f'<span class="dr-toggle" data-more="{esc(message("show_whole_passage", language))}" '
            f'data-less="{esc(message("show_less", language))}"></span></summary><div class="dr-full">{full}</div></details>')


def render_card(passage: Passage, turn: int, lang: str, citation: Citation | None = None,
                cited: bool = True, number: int | None = None, more: Sequence[Citation] = ()) -> str:
    """One source card: number, title, date · outlet · language, file name, the passage (its quotes marked:
    ``citation`` and the ``more`` of the same passage).

    ``number`` is the card's number when it is not the passage's own (refusals list one card per article)."""
    c = passage.hit.chunk
    n = passage.n if number is None else number
    body = (render_passage(c.text, citation.quote_start, citation.quote_end, lang,
                           [(m.quote_start, m.quote_end) for m in more]) if citation
            else render_passage(c.text, language=lang))
    lang_name = language_name(c.language, lang)
    classes = "dr-card" + ("" if cited else " dr-card-uncited")
    return (
        f'<article class="{classes}" id="{card_id(turn, n)}" data-turn="{turn}" data-n="{n}" '
        f'data-doc="{esc(c.doc)}" data-lang="{esc(c.language)}" data-date="{esc(c.date or "")}" '
        f'data-source="{esc(c.source or "")}" data-title="{esc(c.title)}">'
        f'<div class="dr-card-head"><span class="dr-badge">{n}</span>'
        f'<div class="dr-card-title">{_title(c)}</div>'
        f'<span class="dr-score" title="{esc(message("similarity", lang))}">{passage.hit.score:.2f}</span></div>'
        f'<div class="dr-card-meta"><span class="dr-date">{esc(c.date or label("undated", lang))}</span>'
        f'<span class="dr-dot">·</span><span class="dr-outlet">{esc(c.source or label("unknown_source", lang))}</span>'
        f'<span class="dr-dot">·</span><span class="dr-lang" title="{esc(lang_name)}">{esc(c.language.upper())}</span>'
        f'<span class="dr-file" title="{esc(message("file_in_documents", lang))}">{ICON_FILE}{esc(c.doc)}</span></div>'
        f'{body}</article>'
    )


def _title(chunk) -> str:
    """The card's title: a link to the article's page when it has one (only http(s) addresses)."""
    if chunk.url and re.match(r"https?://", chunk.url):
        opens_apart = 'target="_blank" ' + 'rel="noopener"'  # a new tab; the page cannot reach back to the app
        return f'<a class="dr-card-link" href="{esc(chunk.url)}" {opens_apart}>{esc(chunk.title)}</a>'
    return esc(chunk.title)


def describe_filters(filters, language: str = "en") -> str:
    """A short human description of active retrieval filters ("" when none)."""
    if filters is None or not filters.active:
        return ""
    parts = []
    if filters.languages:
        parts.append(" ".join(sorted(code.upper() for code in filters.languages)))
    if filters.date_from and filters.date_to:
        parts.append(f"{filters.date_from} – {filters.date_to}")
    elif filters.date_from:
        parts.append(message("filtered_from", language, date=filters.date_from))
    elif filters.date_to:
        parts.append(message("filtered_until", language, date=filters.date_to))
    return message("filtered", language, filters=" · ".join(parts))


def render_sources(answer: Answer, turn: int, filters=None) -> str:
    """The sources of one answer: cited cards first, the other retrieved passages folded below."""
    lang = answer.language
    by_n: dict[int, list[Citation]] = {}
    for citation in answer.citations:
        by_n.setdefault(citation.n, []).append(citation)
    timing = answer.timings_ms or {}
    total_ms = sum(v for v in timing.values() if isinstance(v, (int, float)))
    head = (f'<div class="dr-turn-head"><div class="dr-turn-q" title="{esc(answer.question)}">'
            f'{esc(answer.question)}</div><div class="dr-turn-meta">'
            f'{esc(message("turn_meta", lang, n=len(answer.passages), seconds=f"{total_ms / 1000:.1f}", answerer=answer.answerer))}'
            '</div></div>')
    if describe_filters(filters, lang):
        head += f'<div class="dr-filter-note">{esc(describe_filters(filters, lang))}</div>'
    if answer.refused:
        cards = "".join(render_card(p, turn, lang, None, cited=False, number=i)
                        for i, p in enumerate(closest_articles(answer), start=1))
        body = (f'<div class="dr-section-title dr-refused-title">{ICON_NOT_FOUND} {esc(label("not_found", lang))} · '
                f'{esc(message("closest_articles", lang))}</div>'
                f'{cards}')
    else:
        cited = [p for p in answer.passages if p.n in by_n]
        rest = [p for p in answer.passages if p.n not in by_n]
        body = (f'<div class="dr-section-title">{esc(label("sources", lang))}</div>'
                + "".join(render_card(p, turn, lang, by_n[p.n][0], more=by_n[p.n][1:]) for p in cited))
        if rest:
            body += (f'<details class="dr-more"><summary>{esc(label("more_passages", lang))} ({len(rest)})</summary>'
                     + "".join(render_card(p, turn, lang, None, cited=False) for p in rest) + "</details>")
    return f'<section class="dr-turn" id="dr-turn-{turn}" data-turn="{turn}">{head}{body}</section>'


def render_sources_panel(turns: list[str], language: str = "en") -> str:
    """All turns' source sections, the latest shown; clicking an older answer's marker shows its own."""
    if not turns:
        return sources_placeholder(language)
    sections = [t if i == len(turns) - 1 else t.replace('<section class="dr-turn"', '<section hidden class="dr-turn"', 1)
                for i, t in enumerate(turns)]
    return f'<div class="dr-sources">{"".join(sections)}</div>'


def _status_line(text_html: str, state: str = "bad") -> str:
    return f'<div class="dr-status dr-status-{state}"><span class="dr-status-dot"></span>{text_html}</div>'


def render_status(settings: Settings, status: StoreStatus | None, error: str | None = None, language: str = "en") -> str:
    """The index's state in one line: articles, passages, when built, which models answer."""
    answerer = (message("answerer_generator", language, model=settings.generator_model) if settings.generator_model
                else message("answerer_extractive", language))
    if status is None:  # `commands` in the message become code, as in the chat's problem messages
        return _status_line(re.sub(r"`([^`<>]+)`", r"<code>\1</code>", esc(error or message("status_no_index", language))))
    model = status.model or settings.embedding_model
    model = re.sub(r"^.*/(?=[^/]+/[^/]+$)", "", model)  # a local path: keep its last two parts
    parts = [message("status_articles", language, n=f"<b>{status.articles}</b>"),
             message("status_passages", language, n=f"<b>{status.chunks}</b>"),
             esc(message("status_indexed", language, when=format_when(status.built_at, language))),
             message("status_embeddings", language, model=f"<code>{esc(model)}</code>"),
             esc(message("status_answers", language, answerer=answerer))]
    if status.backend != "faiss":
        parts.append(f"<code>{esc(status.backend)}</code>")
    return ('<div class="dr-status"><span class="dr-status-dot"></span>'
            + '<span class="dr-sep">·</span>'.join(f"<span>{p}</span>" for p in parts) + "</div>")


def describe_progress(progress: dict, language: str = "en") -> str:
    """A build's progress (``build_index``'s on_progress dict) in one sentence."""
    stage = progress.get("stage")
    if stage == "embedding" and progress.get("texts_total"):
        text = message("status_building", language, articles=progress.get("articles", "?"),
                       done=progress.get("texts_done", 0), total=progress["texts_total"])
        eta = progress.get("eta_s")
        if eta is not None and progress.get("texts_done"):
            text += message("status_eta", language, eta=format_duration(eta, language))
        return text
    if stage == "writing":
        return message("status_writing", language)
    if stage == "model":
        return message("status_model", language)
    if stage == "loading":
        return message("status_loading", language)
    if stage == "starting":
        return message("status_starting", language)
    return message("status_reading", language)


def render_progress(progress: dict, language: str = "en") -> str:
    """The status line while the index is being built, with a progress bar when embedding."""
    done, total = progress.get("texts_done") or 0, progress.get("texts_total") or 0
    bar = ""
    if progress.get("stage") == "embedding" and total:
        percent = round(100 * done / total)
        bar = (f'<span class="dr-progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
               f'aria-valuenow="{percent}"><span style="width:{percent}%"></span></span>')
    return (f'<div class="dr-status dr-status-busy" data-stage="{esc(progress.get("stage") or "")}">'
            f'<span class="dr-status-dot"></span><span>{esc(describe_progress(progress, language))}</span>{bar}</div>')


def upload_placeholder(language: str = "en") -> str:
    return f'<div class="dr-upload-report dr-upload-empty">{esc(message("upload_placeholder", language))}</div>'


UPLOAD_PLACEHOLDER = upload_placeholder("en")


def upload_help(settings: Settings, language: str = "en") -> str:
    """The "Add articles" tab's instructions, with the one upload limit the app enforces."""
    return (f'<div class="dr-help">{message("upload_help", language, limit=esc(format_size(settings.max_upload_bytes, language)))}'
            "</div>")


def render_upload_report(report, language: str = "en") -> str:
    """The result of "Add articles": one row per file (added, updated, unchanged or rejected, and why)."""
    if not report.files:
        return f'<div class="dr-upload-report dr-muted">{esc(message("upload_choose_first", language))}</div>'
    rows = []
    for f in report.files:
        detail = f.reason if f.status in ("rejected", "unchanged") else message(
            "upload_detail", language, title=f.title, date=f.date or message("undated", language),
            language_name=language_name(f.language, language))
        rows.append(f'<tr class="dr-up-{esc(f.status)}"><td><span class="dr-pill dr-pill-{esc(f.status)}">'
                    f'{esc(message("upload_status_" + f.status, language))}</span></td>'
                    f'<td class="dr-up-file">{esc(f.name)}</td><td>{esc(detail)}</td></tr>')
    counts = {s: len(report.by_status(s)) for s in ("added", "updated", "unchanged", "rejected")}
    summary = ", ".join(message(f"upload_count_{k}", language, n=v) for k, v in counts.items() if v)
    extra = ""
    if report.index_summary:
        s = report.index_summary
        extra = message("upload_index_now", language, documents=s["documents"], chunks=s["chunks"],
                        embedded=s["chunks_embedded"], seconds=f"{s['seconds']:.1f}")
    error = (f'<div class="dr-problem dr-error">{ICON_ERROR}'
             f'<span>{esc(report.error)}</span></div>') if report.error else ""
    heads = "".join(f"<th>{esc(message(k, language))}</th>" for k in ("upload_th_result", "upload_th_file",
                                                                      "upload_th_details"))
    return (f'<div class="dr-upload-report"><div class="dr-upload-summary">{esc(summary)}{esc(extra)}</div>{error}'
            f'<table><thead><tr>{heads}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def stream_pieces(text: str, pieces: int = 6) -> list[str]:
    """Growing prefixes of ``text`` cut at spaces, for showing a finished answer as a stream."""
    if not text:
        return [text]
    cuts = []
    for i in range(1, pieces):
        at = text.find(" ", len(text) * i // pieces)
        if at > 0 and (not cuts or at > cuts[-1]):
            cuts.append(at)
    return [text[:c] for c in cuts] + [text]
