"""Turning an :class:`Answer` into the CLI's JSON and plain text."""

from __future__ import annotations

from rag.answering import Answer
from rag.answering.prompts import message


def answer_to_json(answer: Answer) -> dict:
    """The `rag ask --json` object."""
    return {
        "question": answer.question,
        "language": answer.language,
        "answer": answer.answer,
        "answerer": answer.answerer,
        "refused": answer.refused,
        "citations": [c.to_dict() for c in answer.citations],
        "passages": [p.to_dict() for p in answer.passages],
        "timings_ms": answer.timings_ms,
        "note": answer.note,
        "query": answer.query,
        "values": [v.to_dict(answer.passages) for v in answer.values],
    }


def answer_to_text(answer: Answer) -> str:
    """The answer, then its sources (title, date, outlet, language, file, page address, quoted sentence)."""
    lines: list[str] = []
    if answer.note:
        lines.append(f"({answer.note})")
    lines.append(answer.answer)
    lines.append("")
    if answer.refused:
        lines.append(message("closest_articles", answer.language))
        seen: set[str] = set()
        for p in answer.passages:
            c = p.hit.chunk
            if c.doc not in seen:
                seen.add(c.doc)
                lines.append(f"  - {c.title} ({c.date or 'undated'}, {c.source or '?'}, {c.language}, {c.doc})")
                if c.url:
                    lines.append(f"    {c.url}")
        return "\n".join(lines)
    shown: set[int] = set()
    for cit in answer.citations:
        c = cit.hit.chunk
        if cit.n not in shown:  # a passage quoted twice is listed once, with both quotes
            shown.add(cit.n)
            lines.append(f"[{cit.n}] {c.title} — {c.date or 'undated'}, {c.source or '?'}, {c.language}, {c.doc}")
            if c.url:  # a fetched page: where a reader can check the quote
                lines.append(f"    {c.url}")
        lines.append(f"    “{cit.quote}”")
    return "\n".join(lines)
