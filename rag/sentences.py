"""Sentence boundaries in the four languages (pySBD), as character spans into the original text."""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd

from rag import knowledge
from rag.knowledge.matcher import alternation
from rag.knowledge.places import load

# Fragments this short are abbreviations pySBD split on ("2023 ж. 7 қыркүйекте", "Г-н"): glue them on.
MIN_WORDS = 3
# pySBD reads a year's "г." as an abbreviation inside the sentence even where it ends one ("… през 2023 г.
# Стокообменът между двете страни…"). Before a capitalised common word it ends the sentence when the words
# before it make one: a sentence that opens with its year ("В 2023 г. Стороны…") has too few. Before a name
# it may not end one ("… съобщи, че през 2024 г. Казахстан е изнесъл…", "… в 2024 г. Министерство
# иностранных дел провело…"), so a known place, body, document or post, or a run of capitalised words (a
# person) after it leaves the sentence whole, as pySBD did.
YEAR_END_MIN_WORDS = 6
# Recorded in the index's manifest: a change re-splits (and so re-embeds) every article.
SPLITTING = "pysbd + year abbreviations end sentences/3"


@lru_cache(maxsize=8)
def _year_end(language: str) -> re.Pattern | None:
    forms = load("periods.json")["year_abbreviations"].get(language)
    if not forms:
        return None
    return re.compile(rf"(?<=\d)\s(?:{alternation(forms)})(?=\s+[^\W\d_])")


def _names_a_thing(text: str) -> bool:
    """Whether ``text`` opens with the name of a place, a body, a document or a post: capitalised in the
    middle of a sentence too ("… че през 2024 г. Министерството на външните работи…"). An area's word
    ("Стокообменът…") is capitalised only where a sentence starts."""
    return any(e.start == 0 and e.kind != "area" for e in knowledge.entities_in(text[:60]))


def _year_ends(segment: str, language: str) -> list[int]:
    """Where ``segment`` ends a sentence after a year's abbreviation pySBD did not split on (offsets after
    the abbreviation's dot)."""
    pattern = _year_end(language)
    if pattern is None:
        return []
    cuts, last = [], 0
    for m in pattern.finditer(segment):
        after = segment[m.end():].lstrip()
        words = after.split()
        if (after[:1].isupper() and len(segment[last:m.end()].split()) >= YEAR_END_MIN_WORDS
                and len(words) >= MIN_WORDS and not words[1][:1].isupper() and not _names_a_thing(after)):
            cuts.append(m.end())
            last = m.end()
    return cuts


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
            pieces: list[tuple[int, int]] = []
            for seg in _segmenter(language).segment(paragraph):
                bounds = [seg.start, *(seg.start + c for c in _year_ends(paragraph[seg.start:seg.end], language)),
                          seg.end]
                pieces += list(zip(bounds, bounds[1:]))
            for seg_start, seg_end in pieces:
                start, end = _trim(paragraph, seg_start, seg_end)
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
