"""HTML for the chat app: answers with clickable [n] markers, source cards, the index status line.

Pure functions of their inputs, so they are unit-tested without a browser. Everything that comes
from an article or a user (titles, passages, quotes, questions, file names) is HTML-escaped here;
the only markup is ours. No output contains a newline, so the Chatbot's Markdown renderer treats
each message as one HTML block and leaves its text alone.
"""

from __future__ import annotations

import html
import re
from datetime import datetime

from rag.answering import Answer, Citation, Passage
from rag.answering.citations import MARKER
from rag.answering.prompts import message
from rag.settings import Settings
from rag.types import StoreStatus

# Interface words that appear next to an answer, in the answer's language (English otherwise).
LABELS: dict[str, dict[str, str]] = {
    "not_found": {"en": "Not in the press releases", "ru": "Нет в пресс-релизах",
                  "bg": "Няма го в прессъобщенията", "kk": "Баспасөз хабарламаларында жоқ"},
    "sources": {"en": "Sources", "ru": "Источники", "bg": "Източници", "kk": "Дереккөздер"},
    "more_passages": {"en": "Other retrieved passages", "ru": "Другие найденные фрагменты",
                      "bg": "Други намерени откъси", "kk": "Басқа табылған үзінділер"},
    "undated": {"en": "undated", "ru": "без даты", "bg": "без дата", "kk": "күні жоқ"},
    "unknown_source": {"en": "unknown outlet", "ru": "источник не указан", "bg": "неизвестен източник",
                       "kk": "дереккөзі белгісіз"},
}

LANGUAGE_NAMES = {"ru": "Russian", "en": "English", "bg": "Bulgarian", "kk": "Kazakh"}
LANGUAGE_CHOICES = [("Русский", "ru"), ("English", "en"), ("Български", "bg"), ("Қазақша", "kk")]

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

SOURCES_PLACEHOLDER = (
    f'<div class="dr-empty"><div class="dr-empty-icon">{ICON_SOURCES}</div>'
    "<p><strong>Sources appear here.</strong></p>"
    "<p>Every answer quotes the press releases it comes from. Click a marker such as "
    '<span class="dr-cite dr-cite-demo">[1]</span> in an answer to jump to its source.</p></div>'
)


def label(key: str, language: str) -> str:
    texts = LABELS[key]
    return texts.get(language, texts["en"])


def esc(text: object) -> str:
    """HTML-escaped text (quotes included)."""
    return html.escape("" if text is None else str(text), quote=True)


def _lines(text: str) -> str:
    """Escaped text with line breaks as <br> (no newline characters in the result)."""
    return "<br>".join(esc(line) for line in text.replace("\r", "").split("\n"))


def card_id(turn: int, n: int) -> str:
    return f"dr-src-{turn}-{n}"


def cite_link(turn: int, n: int) -> str:
    return (f'<a href="#{card_id(turn, n)}" class="dr-cite" data-turn="{turn}" data-n="{n}" '
            f'title="Show source {n}">[{n}]</a>')


def render_answer_text(text: str, turn: int, valid: set[int] | None = None) -> str:
    """The answer's text, escaped, with each valid [n] marker a link to source card n of ``turn``."""
    out: list[str] = []
    last = 0
    for m in MARKER.finditer(text):
        n = int(m.group(1))
        if valid is not None and n not in valid:
            continue
        out.append(_lines(text[last:m.start()]))
        out.append(cite_link(turn, n))
        last = m.end()
    out.append(_lines(text[last:]))
    return "".join(out)


def render_user_message(question: str) -> str:
    return f'<div class="dr-question">{_lines(question.strip())}</div>'


DRAFT_LABEL = "Draft · checked against the sources when complete"


def render_streaming(text: str, turn: int, draft: bool = False) -> str:
    """A partial answer while it streams in, with a blinking caret. A generator's ``draft`` is
    labelled as such and its markers are not links yet (they are renumbered once it is checked)."""
    head = f'<div class="dr-draft-label">{esc(DRAFT_LABEL)}</div>' if draft else ""
    body = render_answer_text(text, turn, set() if draft else None)
    return (f'<div class="dr-answer dr-streaming{" dr-draft" if draft else ""}">{head}{body}'
            '<span class="dr-caret"></span></div>')


def render_thinking() -> str:
    return '<div class="dr-answer dr-streaming"><span class="dr-thinking">Searching the press releases…</span></div>'


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
        closest = "".join(
            f'<li><a href="#{card_id(turn, p.n)}" class="dr-cite dr-cite-plain" data-turn="{turn}" data-n="{p.n}">'
            f'{esc(p.hit.chunk.title)}</a> <span class="dr-muted">· {esc(_meta_line(p.hit.chunk, lang))}</span></li>'
            for p in closest_articles(answer)[:CLOSEST_IN_CHAT])
        closest_html = (f'<div class="dr-closest"><div class="dr-closest-head">{esc(message("closest_articles", lang))}'
                        f'</div><ul>{closest}</ul></div>') if closest else ""
        return (f'<div class="dr-answer dr-refused" data-turn="{turn}">'
                f'<div class="dr-refusal-head">{ICON_NOT_FOUND}'
                f'{esc(label("not_found", lang))}</div>{note}'
                f'<div class="dr-text">{render_answer_text(answer.answer, turn, set())}</div>{closest_html}</div>')
    valid = {c.n for c in answer.citations} or {p.n for p in answer.passages}
    return (f'<div class="dr-answer" data-turn="{turn}">{note}'
            f'<div class="dr-text">{render_answer_text(answer.answer, turn, valid)}</div></div>')


def render_error(text: str, kind: str = "error") -> str:
    """A readable problem message in the chat (never a stack trace)."""
    icon = ICON_INFO if kind == "info" else ICON_ERROR
    body = re.sub(r"`([^`<>]+)`", r"<code>\1</code>", _lines(text))
    return f'<div class="dr-answer dr-problem dr-{esc(kind)}">{icon}<span>{body}</span></div>'


def _meta_line(chunk, lang: str) -> str:
    return f"{chunk.date or label('undated', lang)}, {chunk.source or label('unknown_source', lang)}"


EXCERPT_CONTEXT = 240  # characters of context kept either side of a quote on a card
SHORT_PASSAGE = 620  # passages up to this long are shown whole


def _highlighted(text: str, start: int, end: int) -> str:
    if not (0 <= start < end <= len(text)):
        return _lines(text)
    return f"{_lines(text[:start])}<mark>{_lines(text[start:end])}</mark>{_lines(text[end:])}"


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


def render_passage(text: str, quote_start: int | None = None, quote_end: int | None = None) -> str:
    """A passage with its quote marked: whole when short, else an excerpt around the quote that
    unfolds (a <details>) into the whole passage."""
    has_quote = quote_start is not None and quote_end is not None and 0 <= quote_start < quote_end <= len(text)
    full = _highlighted(text, quote_start, quote_end) if has_quote else _lines(text)
    if len(text) <= SHORT_PASSAGE:
        return f'<div class="dr-passage">{full}</div>'
    if has_quote:
        lo, hi = _window(text, quote_start, quote_end)
        excerpt = _highlighted(text[lo:hi], quote_start - lo, quote_end - lo)
    else:
        lo, hi = _window(text, 0, 0)
        excerpt = _lines(text[:hi])
    excerpt = ("… " if lo > 0 else "") + excerpt + (" …" if hi < len(text) else "")
    return (f'<details class="dr-passage dr-foldable"><summary><span class="dr-excerpt">{excerpt}</span>'
            f'<span class="dr-toggle"></span></summary><div class="dr-full">{full}</div></details>')


def render_card(passage: Passage, turn: int, lang: str, citation: Citation | None = None,
                cited: bool = True) -> str:
    """One source card: number, title, date · outlet · language, file name, the passage (quote marked)."""
    c = passage.hit.chunk
    body = (render_passage(c.text, citation.quote_start, citation.quote_end) if citation
            else render_passage(c.text))
    lang_name = LANGUAGE_NAMES.get(c.language, c.language)
    classes = "dr-card" + ("" if cited else " dr-card-uncited")
    return (
        f'<article class="{classes}" id="{card_id(turn, passage.n)}" data-turn="{turn}" data-n="{passage.n}" '
        f'data-doc="{esc(c.doc)}" data-lang="{esc(c.language)}" data-date="{esc(c.date or "")}" '
        f'data-source="{esc(c.source or "")}" data-title="{esc(c.title)}">'
        f'<div class="dr-card-head"><span class="dr-badge">{passage.n}</span>'
        f'<div class="dr-card-title">{esc(c.title)}</div>'
        f'<span class="dr-score" title="similarity to the question">{passage.hit.score:.2f}</span></div>'
        f'<div class="dr-card-meta"><span class="dr-date">{esc(c.date or label("undated", lang))}</span>'
        f'<span class="dr-dot">·</span><span class="dr-outlet">{esc(c.source or label("unknown_source", lang))}</span>'
        f'<span class="dr-dot">·</span><span class="dr-lang" title="{esc(lang_name)}">{esc(c.language.upper())}</span>'
        f'<span class="dr-file" title="file in documents/">{ICON_FILE}{esc(c.doc)}</span></div>'
        f'{body}</article>'
    )


def describe_filters(filters) -> str:
    """A short human description of active retrieval filters ("" when none)."""
    if filters is None or not filters.active:
        return ""
    parts = []
    if filters.languages:
        parts.append(" ".join(sorted(code.upper() for code in filters.languages)))
    if filters.date_from and filters.date_to:
        parts.append(f"{filters.date_from} – {filters.date_to}")
    elif filters.date_from:
        parts.append(f"from {filters.date_from}")
    elif filters.date_to:
        parts.append(f"until {filters.date_to}")
    return "Filtered: " + " · ".join(parts)


def render_sources(answer: Answer, turn: int, filters=None) -> str:
    """The sources of one answer: cited cards first, the other retrieved passages folded below."""
    lang = answer.language
    by_n = {c.n: c for c in answer.citations}
    timing = answer.timings_ms or {}
    total_ms = sum(v for v in timing.values() if isinstance(v, (int, float)))
    head = (f'<div class="dr-turn-head"><div class="dr-turn-q" title="{esc(answer.question)}">'
            f'{esc(answer.question)}</div><div class="dr-turn-meta">{len(answer.passages)} passages · '
            f'{total_ms / 1000:.1f} s · {esc(answer.answerer)}</div></div>')
    if describe_filters(filters):
        head += f'<div class="dr-filter-note">{esc(describe_filters(filters))}</div>'
    if answer.refused:
        cards = "".join(render_card(p, turn, lang, None, cited=False) for p in closest_articles(answer))
        body = (f'<div class="dr-section-title dr-refused-title">{ICON_NOT_FOUND} {esc(label("not_found", lang))} · '
                f'{esc(message("closest_articles", lang))}</div>'
                f'{cards}')
    else:
        cited = [p for p in answer.passages if p.n in by_n]
        rest = [p for p in answer.passages if p.n not in by_n]
        body = (f'<div class="dr-section-title">{esc(label("sources", lang))}</div>'
                + "".join(render_card(p, turn, lang, by_n[p.n]) for p in cited))
        if rest:
            body += (f'<details class="dr-more"><summary>{esc(label("more_passages", lang))} ({len(rest)})</summary>'
                     + "".join(render_card(p, turn, lang, None, cited=False) for p in rest) + "</details>")
    return f'<section class="dr-turn" id="dr-turn-{turn}" data-turn="{turn}">{head}{body}</section>'


def render_sources_panel(turns: list[str]) -> str:
    """All turns' source sections, the latest shown; clicking an older answer's marker shows its own."""
    if not turns:
        return SOURCES_PLACEHOLDER
    sections = [t if i == len(turns) - 1 else t.replace('<section class="dr-turn"', '<section hidden class="dr-turn"', 1)
                for i, t in enumerate(turns)]
    return f'<div class="dr-sources">{"".join(sections)}</div>'


def _when(iso: str | None) -> str:
    if not iso:
        return "unknown time"
    try:
        return datetime.fromisoformat(iso).strftime("%d %b %Y, %H:%M UTC")
    except ValueError:
        return iso


def render_status(settings: Settings, status: StoreStatus | None, error: str | None = None) -> str:
    """The index's state in one line: articles, passages, when built, which models answer."""
    answerer = f"generator {settings.generator_model}" if settings.generator_model else "extractive (verbatim quotes)"
    if status is None:
        return (f'<div class="dr-status dr-status-bad"><span class="dr-status-dot"></span>'
                f'{esc(error or "No index yet")}</div>')
    model = status.model or settings.embedding_model
    model = re.sub(r"^.*/(?=[^/]+/[^/]+$)", "", model)  # a local path: keep its last two parts
    parts = [f"<b>{status.articles}</b> articles",
             f"<b>{status.chunks}</b> passages",
             f"indexed {esc(_when(status.built_at))}",
             f"embeddings <code>{esc(model)}</code>",
             f"answers: {esc(answerer)}"]
    if status.backend != "faiss":
        parts.append(f"store <code>{esc(status.backend)}</code>")
    return ('<div class="dr-status"><span class="dr-status-dot"></span>'
            + '<span class="dr-sep">·</span>'.join(f"<span>{p}</span>" for p in parts) + "</div>")


UPLOAD_PLACEHOLDER = ('<div class="dr-upload-report dr-upload-empty">Each file is checked, saved and indexed; '
                      "what was added, updated or rejected (and why) is listed here.</div>")

_STATUS_TEXT = {"added": "added", "updated": "updated", "unchanged": "unchanged", "rejected": "rejected"}


def render_upload_report(report) -> str:
    """The result of "Add articles": one row per file (added, updated, unchanged or rejected, and why)."""
    if not report.files:
        return '<div class="dr-upload-report dr-muted">Choose one or more .txt files first.</div>'
    rows = []
    for f in report.files:
        detail = f.reason if f.status in ("rejected", "unchanged") else (
            f"{f.title} — {f.date or 'undated'}, {LANGUAGE_NAMES.get(f.language, f.language)}")
        rows.append(f'<tr class="dr-up-{esc(f.status)}"><td><span class="dr-pill dr-pill-{esc(f.status)}">'
                    f'{esc(_STATUS_TEXT.get(f.status, f.status))}</span></td><td class="dr-up-file">{esc(f.name)}</td>'
                    f'<td>{esc(detail)}</td></tr>')
    counts = {s: len(report.by_status(s)) for s in ("added", "updated", "unchanged", "rejected")}
    summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    extra = ""
    if report.index_summary:
        s = report.index_summary
        extra = (f" · index now holds {s['documents']} articles, {s['chunks']} passages "
                 f"({s['chunks_embedded']} embedded in {s['seconds']:.1f} s)")
    error = (f'<div class="dr-problem dr-error">{ICON_ERROR}'
             f'<span>{esc(report.error)}</span></div>') if report.error else ""
    return (f'<div class="dr-upload-report"><div class="dr-upload-summary">{esc(summary)}{esc(extra)}</div>{error}'
            f'<table><thead><tr><th>Result</th><th>File</th><th>Details</th></tr></thead>'
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
