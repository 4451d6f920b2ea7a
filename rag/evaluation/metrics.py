"""Pure metrics: relevance, retrieval, refusal, citation, answer_match and the language matrix."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from rag.answering.citations import MARKER, QUOTATION, cited_numbers
from rag.answering.facts import DateMention, find_amounts, find_dates, numbers_in
from rag.types import Chunk
from rag.evaluation.gold import ALL, EVIDENCE_LANGUAGES, LANGUAGES, GoldQuestion, normalise_space

RECALL_KS = (1, 5, 10)
NDCG_K = 10
RETRIEVAL_METRICS = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")
ANSWER_METRICS = ("evidence_hit", "answer_match", "own_words", "citation_precision", "citation_recall")
HEADLINE_METRICS = (*RETRIEVAL_METRICS, *ANSWER_METRICS, "language_match", "refusal_precision",
                    "refusal_recall", "latency_p50_ms", "latency_p95_ms")

# answer_match for non-numeric references: a quote sharing this share of the shorter text's words.
# A reference with more words than this besides its dates and numbers is an open answer (reference_facts).
MAX_FACT_ANSWER_WORDS = 6
MIN_TOKEN_OVERLAP = 0.5
# How many sentences of a twin article (also_docs) count as "the same sentence" as the evidence.
TWIN_SENTENCES = 2

WORD = re.compile(r"\w+")


# --- relevance and retrieval metrics (pure) ------------------------------------------------------


def is_relevant(chunk: Chunk, gold: GoldQuestion) -> bool:
    """A chunk is relevant when it contains the evidence or belongs to ``doc``/``also_docs``."""
    if not gold.answerable:
        return False
    return chunk.doc in gold.docs or normalise_space(gold.evidence or "") in normalise_space(chunk.text)


def recall_at_k(relevance: Sequence[bool], k: int) -> float:
    """1.0 when one of the first ``k`` results is relevant, else 0.0."""
    return 1.0 if any(relevance[:k]) else 0.0


def reciprocal_rank(relevance: Sequence[bool]) -> float:
    """1/rank of the first relevant result (ranks from 1), 0.0 when none is."""
    return next((1.0 / rank for rank, rel in enumerate(relevance, start=1) if rel), 0.0)


def ndcg_at_k(relevance: Sequence[bool], n_relevant: int, k: int = NDCG_K) -> float:
    """Binary-gain nDCG@k; the ideal ranking puts min(n_relevant, k) relevant results first (trec_eval)."""
    ideal = min(n_relevant, k)
    if ideal == 0:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, rel in enumerate(relevance[:k], start=1) if rel)
    return dcg / sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal + 1))


def retrieval_scores(relevance: Sequence[bool], n_relevant: int) -> dict[str, float]:
    """recall@1/5/10, mrr and ndcg@10 of one ranked list."""
    scores = {f"recall@{k}": recall_at_k(relevance, k) for k in RECALL_KS}
    scores["mrr"] = reciprocal_rank(relevance)
    scores["ndcg@10"] = ndcg_at_k(relevance, n_relevant, NDCG_K)
    return scores


# --- refusal and citation metrics (pure) ---------------------------------------------------------


def refusal_precision(refused: Sequence[bool], answerable: Sequence[bool]) -> float | None:
    """Of the refused questions, the fraction that are truly unanswerable (None when none was refused)."""
    flags = [not a for r, a in zip(refused, answerable) if r]
    return sum(flags) / len(flags) if flags else None


def refusal_recall(refused: Sequence[bool], answerable: Sequence[bool]) -> float | None:
    """Of the unanswerable questions, the fraction refused (None when there are none)."""
    flags = [r for r, a in zip(refused, answerable) if not a]
    return sum(flags) / len(flags) if flags else None


def f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def citation_precision(cited_relevance: Sequence[bool]) -> float:
    """The fraction of cited passages that are relevant; an answer citing nothing scores 0."""
    return sum(cited_relevance) / len(cited_relevance) if cited_relevance else 0.0


def citation_recall(statement_relevance: Sequence[Sequence[bool]]) -> float:
    """The fraction of statements with at least one relevant citation; no statements scores 0."""
    if not statement_relevance:
        return 0.0
    return sum(any(s) for s in statement_relevance) / len(statement_relevance)


def answer_statements(text: str) -> list[list[int]]:
    """The answer's statements, each as the [n] numbers it cites.

    A statement ends after its citation markers (and the punctuation right after them) or at a
    paragraph break, so abbreviations ("2023 ж. 5 қыркүйек [1].") do not split one; quotations are
    masked first. An introduction ending in ":" ("In the source:") belongs to the statement it
    introduces; text after the last marker is a statement of its own (unsupported if it has words).
    """
    masked = QUOTATION.sub("«»", text)
    pieces = [p.strip() for p in re.split(r"(?<=\])[.!?…;,]*\s+|\n\s*\n", masked) if p and p.strip()]
    statements: list[str] = []
    carry = ""
    for piece in pieces:
        if statements and not re.search(r"\w|«»", MARKER.sub("", piece)):
            statements[-1] += " " + piece  # stray markers belong to the statement before them
            continue
        if piece.endswith(":"):
            carry += piece + " "
            continue
        statements.append(carry + piece)
        carry = ""
    if carry.strip():
        statements.append(carry.strip())
    return [cited_numbers(s) for s in statements]


# --- answer_match (pure) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """The dates and numbers a text states (numbers that are part of a date are not counted again)."""

    dates: tuple[DateMention, ...]
    numbers: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.dates or self.numbers)


def stated_facts(text: str) -> Facts:
    """Dates (find_dates) and canonical numbers (numbers_in) in ``text``."""
    dates = find_dates(text)
    rest = text
    for d in reversed(dates):
        rest = rest[:d.start] + " " + rest[d.end:]
    return Facts(tuple(dates), frozenset(numbers_in(rest)))


def reference_facts(reference: str) -> Facts:
    """The facts a reference answer asks for; parenthesised context ("(up 8.9%)") is not required.

    Only a short reference *is* a date or an amount ("375,2 млн долларов", "В январе 2024 года."):
    when more than MAX_FACT_ANSWER_WORDS words remain besides its facts, it is an open answer whose
    numbers are incidental ("The Program of Cooperation ... for 2025-2027") and no facts are returned.
    """
    text = re.sub(r"\([^)]*\)", " ", reference)
    facts = stated_facts(text)
    rest = text
    for d in reversed(facts.dates):
        rest = rest[:d.start] + " " + rest[d.end:]
    words = [w for w in WORD.findall(rest) if not w.isdigit()]
    return facts if len(words) <= MAX_FACT_ANSWER_WORDS else Facts((), frozenset())


def date_matches(reference: DateMention, stated: DateMention) -> bool:
    """Same year, and same part of the year, month and day as far as the reference gives them."""
    return (stated.year == reference.year
            and (reference.period is None or stated.period == reference.period)
            and (reference.month is None or stated.month == reference.month)
            and (reference.day is None or stated.day == reference.day))


def _date_text(d: DateMention) -> str:
    return f"{d.year}" + (f"-{d.month:02d}" if d.month else "") + (f"-{d.day:02d}" if d.day and d.month else "")


def missing_facts(reference: Facts, text: str) -> list[str]:
    """The reference's dates and numbers that ``text`` does not state."""
    stated = stated_facts(text)
    missing = [_date_text(d) for d in reference.dates if not any(date_matches(d, s) for s in stated.dates)]
    return missing + sorted(reference.numbers - stated.numbers)


def facts_match(reference: Facts, answer_text: str, quoted_text: str = "") -> tuple[bool, str]:
    """Whether ``answer_text`` states every reference date and number, and what is missing (noting
    when the quotations, which do not count, hold it)."""
    missing = missing_facts(reference, answer_text)
    if not missing:
        return True, "dates and numbers agree"
    in_quotes = " (only its quotation does)" if quoted_text and not missing_facts(reference, quoted_text) else ""
    return False, f"the answer does not state {', '.join(missing)}{in_quotes}"


def token_overlap(a: str, b: str) -> float:
    """Shared distinct words (lower-cased) as a fraction of the shorter text's distinct words."""
    ta, tb = set(WORD.findall(a.lower())), set(WORD.findall(b.lower()))
    return len(ta & tb) / min(len(ta), len(tb)) if ta and tb else 0.0


@dataclass(frozen=True)
class CitedQuote:
    """A quotation of the answer located in its article: ``start:end`` in the doc's cleaned body."""

    doc: str
    start: int
    end: int
    text: str


def spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def answer_match(reference: str, evidence: str, own_text: str, quotes: Sequence[CitedQuote],
                 gold_spans: dict[str, list[tuple[int, int]]]) -> tuple[bool, str]:
    """Whether the answer gives the reference answer, and why (or why not).

    When the reference is a date or an amount (:func:`reference_facts`), the answer's own words
    (quotations removed) must state each of its dates and numbers: dates as precisely as the reference,
    numbers in any notation ("584,3" = "584.3").
    Otherwise one of the answer's quotes must share at least half of the shorter text's words with the
    gold evidence, or lie in the evidence's sentence in ``doc`` or in one of the TWIN_SENTENCES
    sentences of an ``also_docs`` twin most similar to it (``gold_spans``).
    """
    facts = reference_facts(reference)
    if facts:
        return facts_match(facts, own_text, " ".join(q.text for q in quotes))
    for quote in quotes:
        overlap = token_overlap(quote.text, evidence)
        if overlap >= MIN_TOKEN_OVERLAP:
            return True, f"a quote shares {overlap:.0%} of its words with the evidence"
        if any(spans_overlap((quote.start, quote.end), span) for span in gold_spans.get(quote.doc, [])):
            return True, f"a quote is the evidence's sentence in {quote.doc}"
    return False, "no quote overlaps the gold evidence" if quotes else "the answer quotes nothing"


# --- own words (pure) ------------------------------------------------------------------------------------


def key_facts(reference: str) -> tuple[Facts, list[str], list[tuple[str, str]]]:
    """What a reference answer's first paragraph must state: its dates and numbers, its names (capitalised
    words that are no known term), and the known things it names (countries, posts, documents, areas…)."""
    from rag import knowledge
    from rag.knowledge.lexicon import all_stopwords

    text = re.sub(r"\([^)]*\)", " ", reference)
    facts = stated_facts(text)
    known = knowledge.entities_in(text)
    # a currency's code is the figure's unit, stated with it ("USD 1.38 billion" as "$1.38 billion"), no name
    units = {w.lower() for a in find_amounts(text) if a.currency for w in WORD.findall(a.text)}
    names = [n for n in (" ".join(w for w in run.split() if w.lower() not in units)
                         for run in knowledge.unknown_names(text)) if n and n.lower() not in all_stopwords()]
    # proper names only: countries, cities, buildings and organisations the reference names (its posts,
    # areas and documents are common nouns that a restatement may word otherwise)
    terms = list(dict.fromkeys((m.kind, m.id) for m in known if m.kind in ("country", "city", "building",
                                                                              "organisation")
                               and not (m.kind == "country" and m.id == "KZ")))
    return facts, names, terms


def own_words_match(reference: str | None, first_paragraph: str) -> tuple[float | None, list[str]]:
    """1.0 when the answer's first paragraph (quotations removed) states every key fact of the reference
    in its own words, 0.0 when it misses some (listed), None when the reference has no key fact."""
    from rag import knowledge

    if not reference:
        return None, []
    facts, names, terms = key_facts(reference)
    if not facts and not names and not terms:
        return None, []
    missing = missing_facts(facts, first_paragraph) if facts else []
    words = [w for _, _, w in knowledge.capitalised_runs(first_paragraph, min_words=1)] + \
        WORD.findall(first_paragraph)
    missing += [n for n in names if not any(knowledge.same_name(n, w) for w in words)]
    stated = {(m.kind, m.id) for m in knowledge.entities_in(first_paragraph)}
    stated |= {(m.country and "country", m.country) for m in knowledge.entities_in(first_paragraph) if m.country}
    missing += [f"{kind}:{id}" for kind, id in terms if (kind, id) not in stated]
    return (0.0 if missing else 1.0), missing


# --- language matrix (pure) ---------------------------------------------------------------------------


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None (None when there are none)."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (linear interpolation), None for no values."""
    return float(np.percentile(values, q)) if len(values) else None


def cell_keys(question_language: str, evidence_language: str) -> list[tuple[str, str]]:
    """The matrix cells a question counts in: its own, its row total, its column total, the grand total."""
    return [(question_language, evidence_language), (question_language, ALL), (ALL, evidence_language), (ALL, ALL)]


def language_matrix(rows: Sequence[tuple[str, str, float | None]]) -> dict[str, dict[str, dict]]:
    """Mean value per question language × evidence language, with "all" margins.

    ``rows`` are (question language, evidence language, value); a None value (metric not applicable)
    is not counted. Each cell is {"value": mean or None, "n": values counted}.
    """
    cells: dict[tuple[str, str], list[float]] = {}
    for qlang, elang, value in rows:
        for key in cell_keys(qlang, elang):
            cells.setdefault(key, [])
            if value is not None:
                cells[key].append(value)
    matrix = {}
    for qlang in (*LANGUAGES, ALL):
        matrix[qlang] = {}
        for elang in (*EVIDENCE_LANGUAGES, ALL):
            values = cells.get((qlang, elang), [])
            matrix[qlang][elang] = {"value": mean(values), "n": len(values)}
    return matrix


def is_cross_lingual(question_language: str, evidence_language: str) -> bool:
    return evidence_language in LANGUAGES and question_language in LANGUAGES and question_language != evidence_language


def dense_ahead(dense: float | None, bm25: float | None) -> bool:
    """Dense beats BM25 in a cell: strictly better, or both perfect (nothing left to beat)."""
    if dense is None or bm25 is None:
        return True
    return dense > bm25 or dense == 1.0


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"
