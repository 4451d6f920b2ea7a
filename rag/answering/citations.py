"""Citation markers: parsing, validating against the given passages, and numbering for display."""

from __future__ import annotations

import dataclasses
import re

from rag.answering import Answer, Citation, Passage

MARKER = re.compile(r"\[(\d{1,3})\]")


def cited_numbers(text: str) -> list[int]:
    """The [n] numbers in ``text``, in order of first appearance, without repeats."""
    seen: list[int] = []
    for m in MARKER.finditer(text):
        n = int(m.group(1))
        if n not in seen:
            seen.append(n)
    return seen


def drop_invalid_markers(text: str, valid: set[int]) -> str:
    """Remove markers that name no given passage (and the space before them)."""
    cleaned = re.sub(r"\s?\[(\d{1,3})\]", lambda m: m.group(0) if int(m.group(1)) in valid else "", text)
    return cleaned.strip()


QUOTATION = re.compile(r"«[^»]*»|“[^”]*”|„[^“”]*[“”]|\"[^\"]*\"")


def own_words(text: str, quotes: list[str] | tuple[str, ...] = ()) -> str:
    """The answer without its quotations and markers: the words written in the answer's own language.

    Pass the citations' quotes: they are removed verbatim first (they may hold quotation marks of their own)."""
    for quote in sorted(quotes, key=len, reverse=True):
        text = text.replace(quote, " ")
    return MARKER.sub("", QUOTATION.sub(" ", text)).strip()


def locate_quote(passage_text: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` stands verbatim in the passage, or None."""
    start = passage_text.find(quote)
    return (start, start + len(quote)) if start >= 0 else None


def renumber(answer: Answer) -> Answer:
    """Number cited passages 1, 2, … in order of first citation, uncited ones after them, and
    rewrite the markers to match, so that the reader sees [1] first and every marker has a citation."""
    by_n = {p.n: p for p in answer.passages}
    order = [n for n in cited_numbers(answer.answer) if n in by_n]
    order += [p.n for p in answer.passages if p.n not in order]
    mapping = {old: new for new, old in enumerate(order, start=1)}
    text = MARKER.sub(lambda m: f"[{mapping[int(m.group(1))]}]" if int(m.group(1)) in mapping else "", answer.answer)
    passages = [dataclasses.replace(p, n=mapping[p.n]) for p in sorted(answer.passages, key=lambda p: mapping[p.n])]
    cited = set(cited_numbers(text))
    citations = sorted((dataclasses.replace(c, n=mapping[c.n]) for c in answer.citations
                        if c.n in mapping and mapping[c.n] in cited), key=lambda c: c.n)
    # every quote the answer shows is a citation (an open answer may quote two sentences of one passage);
    # the same quote twice is one
    unique: dict[tuple[int, int, int], Citation] = {}
    for c in citations:
        unique.setdefault((c.n, c.quote_start, c.quote_end), c)
    values = [dataclasses.replace(v, n=mapping[v.n]) for v in answer.values if v.n in mapping]
    return dataclasses.replace(answer, answer=text, passages=passages, citations=list(unique.values()),
                               values=values)
