"""What a question asks for: the type of its answer, read from the question words of the four languages.

The question words are data (``rag/knowledge/data/questions.json``, the ``question`` lexicon). A question
may hold several ("қандай мәселелер… талқылады"); the most specific one decides, and among equals the
first in the question.
"""

from __future__ import annotations

import re

from rag import knowledge

# Answer types, most specific first. "discussed" and the generic "what"/"how" make an open question.
SPECIFIC = ("country", "where", "post", "organisation", "document", "areas", "why", "amount", "when", "who")
OPEN = "open"
# What an amount question about growth wants: a percentage rather than the amount itself.
PERCENT_HINT = re.compile(r"%|процент|percent|\bна сколько\b|by how much|\bс колко\b|пайыз|grow|rise|increase|"
                          r"вырос|рост|увелич|ръст|нарасн|өсті|өсім", re.I)


def asked_type(question: str) -> str:
    """One of :data:`SPECIFIC` or ``"open"``."""
    found = [m for m in knowledge.find_terms(question, "question") if m.id in SPECIFIC]
    if not found:
        return OPEN
    return min(found, key=lambda m: (SPECIFIC.index(m.id), m.start)).id


def wants_percent(question: str) -> bool:
    """Whether an amount question asks for a rate of change."""
    return bool(PERCENT_HINT.search(question))
