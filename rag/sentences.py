"""Sentence boundaries in the four languages (pySBD), as character spans into the original text."""

from __future__ import annotations

from functools import lru_cache

import pysbd

# Fragments this short are abbreviations pySBD split on ("2023 ж. 7 қыркүйекте", "Г-н"): glue them on.
MIN_WORDS = 3


@lru_cache(maxsize=8)
def _segmenter(language: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=language if language in {"ru", "en", "bg", "kk"} else "en", clean=False,
                           char_span=True)


def split_sentences(text: str, language: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of ``text``, whitespace trimmed, paragraphs never joined."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n"):
        if paragraph.strip():
            pending: tuple[int, int] | None = None
            for seg in _segmenter(language).segment(paragraph):
                start, end = _trim(paragraph, seg.start, seg.end)
                if start >= end:
                    continue
                if pending is not None:
                    start = pending[0]
                    pending = None
                if len(paragraph[start:end].split()) < MIN_WORDS:
                    pending = (start, end)
                    continue
                spans.append((offset + start, offset + end))
            if pending is not None:
                if spans and spans[-1][0] >= offset:  # attach a trailing fragment to the paragraph's last sentence
                    spans[-1] = (spans[-1][0], offset + pending[1])
                else:
                    spans.append((offset + pending[0], offset + pending[1]))
        offset += len(paragraph) + 1
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
