"""Running the questions through the shared pipeline, scoring each one, and aggregating the scores."""

from __future__ import annotations

import dataclasses
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from rag.answering import Answer
from rag.answering.citations import cited_numbers, own_words
from rag.types import Chunk
from rag.evaluation.baseline import BM25Baseline
from rag.evaluation.gold import LANGUAGES, SPLITS, GoldQuestion
from rag.evaluation.metrics import (ANSWER_METRICS, RETRIEVAL_METRICS, TWIN_SENTENCES, CitedQuote, _fmt,
                                    answer_match, answer_statements, citation_precision, citation_recall,
                                    own_words_match,
                                    dense_ahead, is_cross_lingual, is_relevant, language_matrix, mean, percentile,
                                    recall_at_k, refusal_precision, refusal_recall, retrieval_scores,
                                    spans_overlap)
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.store import Store

# The targets of the system (`metric >= threshold`) and the cross-lingual rule (see cross_lingual_target).
TARGETS = {"recall@5": 0.95, "recall@1": 0.85, "mrr": 0.88, "evidence_hit": 0.90, "citation_precision": 0.90,
           "language_match": 0.98, "refusal_recall": 0.80, "refusal_precision": 0.80}


# --- running the questions -------------------------------------------------------------------------------


@dataclass
class Retrieved:
    """One ranked chunk as the report shows it."""

    rank: int
    doc: str
    chunk_id: str
    score: float
    relevant: bool


@dataclass
class QuestionRecord:
    """Everything the run learnt about one question: per_question.jsonl holds one per line."""

    id: str
    question: str
    language: str
    evidence_language: str
    answerable: bool
    reference: str | None
    doc: str | None
    also_docs: list[str]
    answer: str
    own_text: str
    detected_language: str
    answerer: str
    refused: bool
    confidence: float | None
    latency_ms: float
    timings_ms: dict[str, float]
    n_relevant: int
    retrieved: list[Retrieved]
    bm25: list[Retrieved]
    citations: list[dict]
    scores: dict[str, float | None]
    bm25_scores: dict[str, float | None]
    answer_match_reason: str = ""
    failures: list[str] = field(default_factory=list)
    error: str | None = None
    split: str = ""  # the gold question's half: "tune" or "test"
    history: list[str] = field(default_factory=list)  # the earlier questions the pipeline was given

    def relevance(self, baseline: bool = False) -> list[bool]:
        return [r.relevant for r in (self.bm25 if baseline else self.retrieved)]


def gold_spans(store: Store, gold: GoldQuestion) -> dict[str, list[tuple[int, int]]]:
    """Body spans that count as "the evidence's sentence": the evidence (and the stored sentences it
    overlaps) in ``doc``, and in each ``also_docs`` twin the TWIN_SENTENCES sentences whose embeddings
    are closest to the evidence sentences' (twins are translations or reprints)."""
    if gold.evidence_span is None:
        return {}
    rows = [s for s in store.article_sentences(gold.doc)
            if spans_overlap((s.sentence.start, s.sentence.end), gold.evidence_span)]
    spans = {gold.doc: [gold.evidence_span] + [(s.sentence.start, s.sentence.end) for s in rows]}
    if not rows:
        return spans
    target = np.mean([s.vector for s in rows], axis=0)
    for twin in gold.also_docs:
        twin_rows = store.article_sentences(twin)
        if twin_rows:
            sims = np.stack([s.vector for s in twin_rows]) @ target
            spans[twin] = [(twin_rows[i].sentence.start, twin_rows[i].sentence.end)
                           for i in np.argsort(-sims)[:TWIN_SENTENCES]]
    return spans


def answer_own_words(answer: Answer) -> str:
    """The answer without its quotations: each cited quote is removed verbatim first (own_words' quote
    patterns miss a quote that itself holds quotation marks), then own_words drops the rest."""
    text = answer.answer
    for citation in answer.citations:
        text = text.replace(citation.quote, " ")
    return own_words(text)


def _language_of(text: str, question_language: str) -> str:
    from rag.language import detect_language

    return detect_language(text, fallback=question_language).code


def _answer_scores(gold: GoldQuestion, answer: Answer, store: Store) -> tuple[dict[str, float], str, list[dict]]:
    """evidence_hit, answer_match, citation precision/recall of one answer; the match reason; citations."""
    by_n = {p.n: p for p in answer.passages}
    cited = sorted({n for n in cited_numbers(answer.answer) if n in by_n} | {c.n for c in answer.citations})
    relevant = {n: is_relevant(by_n[n].hit.chunk, gold) for n in cited}
    quotes = [CitedQuote(c.hit.chunk.doc, c.hit.chunk.start + c.quote_start, c.hit.chunk.start + c.quote_end,
                         c.quote) for c in answer.citations]
    citations = _citation_rows(answer, relevant)
    if answer.refused:
        return {m: 0.0 for m in ANSWER_METRICS}, "refused", citations
    matched, reason = answer_match(gold.answer, gold.evidence, answer_own_words(answer), quotes,
                                   gold_spans(store, gold))
    first = answer_own_words(dataclasses.replace(answer, answer=answer.answer.split("\n\n")[0]))
    own, not_stated = own_words_match(gold.answer, first)
    if own is not None and _language_of(first, gold.language) != gold.language:
        own, not_stated = 0.0, not_stated + [f"first paragraph not in {gold.language}"]
    reason += "; own words: " + ("all key facts stated" if own == 1.0 else "n/a" if own is None
                                 else "missing " + ", ".join(not_stated))
    statements = [[relevant.get(n, False) for n in numbers] for numbers in answer_statements(answer.answer)]
    scores = {"evidence_hit": 1.0 if any(relevant.values()) else 0.0,
              "answer_match": 1.0 if matched else 0.0,
              "own_words": own,
              "citation_precision": citation_precision(list(relevant.values())),
              "citation_recall": citation_recall(statements)}
    return scores, reason, citations


def _citation_rows(answer: Answer, relevant: dict[int, bool]) -> list[dict]:
    """The answer's citations as per_question.jsonl shows them."""
    return [{"n": c.n, "doc": c.hit.chunk.doc, "chunk_id": c.hit.chunk.chunk_id, "rank": c.hit.rank,
             "quote": c.quote, "relevant": relevant.get(c.n, False)} for c in answer.citations]


def _ranked(items: Iterable[tuple[int, float, Chunk]], gold: GoldQuestion) -> list[Retrieved]:
    return [Retrieved(rank, c.doc, c.chunk_id, round(score, 4), is_relevant(c, gold)) for rank, score, c in items]


def score_question(gold: GoldQuestion, answer: Answer, latency_ms: float, store: Store, bm25: BM25Baseline,
                   k: int, error: str | None = None) -> QuestionRecord:
    """All scores of one answered question."""
    hits = sorted((p.hit for p in answer.passages), key=lambda h: h.rank)  # original retrieval order
    retrieved = _ranked(((h.rank, h.score, h.chunk) for h in hits), gold)
    baseline = _ranked(bm25.search(gold.question, k), gold)
    n_relevant = sum(is_relevant(c, gold) for c in bm25.chunks)
    own = answer_own_words(answer)
    detected = _language_of(own, gold.language)
    scores: dict[str, float | None] = dict.fromkeys((*RETRIEVAL_METRICS, *ANSWER_METRICS))
    bm25_scores: dict[str, float | None] = dict.fromkeys(RETRIEVAL_METRICS)
    reason, citations = "", []
    if gold.answerable:
        scores.update(retrieval_scores([r.relevant for r in retrieved], n_relevant))
        bm25_scores.update(retrieval_scores([r.relevant for r in baseline], n_relevant))
        answer_part, reason, citations = _answer_scores(gold, answer, store)
        scores.update(answer_part)
    else:
        citations = _citation_rows(answer, {})
    scores["language_match"] = 1.0 if detected == gold.language else 0.0
    record = QuestionRecord(gold.id, gold.question, gold.language, gold.evidence_language, gold.answerable,
                            gold.answer, gold.doc, list(gold.also_docs), answer.answer, own, detected,
                            answer.answerer, answer.refused, answer.confidence, round(latency_ms, 1),
                            dict(answer.timings_ms), n_relevant, retrieved, baseline, citations, scores,
                            bm25_scores, reason, error=error, split=gold.split or "",
                            history=list(gold.history))
    record.failures = failure_reasons(record)
    return record


def failure_reasons(r: QuestionRecord) -> list[str]:
    """Why a question counts as failed (empty when it passed every check)."""
    reasons = []
    confidence = "none" if r.confidence is None else f"{r.confidence:.3f}"
    if r.error:
        reasons.append(f"error: {r.error}")
    if not r.answerable:
        if not r.refused:
            reasons.append(f"answered an unanswerable question (confidence {confidence})")
    else:
        first = next((x.rank for x in r.retrieved if x.relevant), None)
        if r.scores["recall@5"] == 0:
            reasons.append(f"no relevant passage in the top 5 (first relevant at rank {first})"
                           if first else f"no relevant passage in the top {len(r.retrieved)}")
        if r.refused:
            reasons.append(f"refused an answerable question (confidence {confidence})")
        else:
            if r.scores["evidence_hit"] == 0:
                reasons.append("no cited passage is from doc/also_docs or contains the evidence")
            if r.scores["answer_match"] == 0:
                reasons.append(f"answer does not match: {r.answer_match_reason}")
            if (r.scores["citation_precision"] or 0) < 1:
                bad = [c["doc"] for c in r.citations if not c["relevant"]]
                reasons.append(f"irrelevant citation(s): {', '.join(bad) or 'none cited'}")
            if (r.scores["citation_recall"] or 0) < 1:
                reasons.append("a statement has no relevant citation")
    if r.scores["language_match"] == 0:
        reasons.append(f"answer's own words are in {r.detected_language}, not {r.language}")
    return reasons


def _error_answer(gold: GoldQuestion, message: str) -> Answer:
    return Answer(gold.question, gold.language, message, "none", True)


def run_questions(settings: Settings, questions: Sequence[GoldQuestion], k: int, progress: bool = True
                  ) -> tuple[list[QuestionRecord], BM25Baseline]:
    """Answer each question through the shared pipeline and score it beside BM25."""
    from tqdm import tqdm

    from rag.pipeline import InvalidQuestion, answer_question
    from rag.store import open_store

    store = open_store(settings)
    bm25 = BM25Baseline(list(store.chunks()))
    if questions:  # warm-up: loads the model and the answerer's resources outside the timed calls
        answer_question(settings, questions[0].question, k=k, history=list(questions[0].history))
    records = []
    for gold in tqdm(questions, desc="Evaluating", unit="question", file=sys.stderr, disable=not progress):
        started = time.perf_counter()
        error = None
        try:
            answer = answer_question(settings, gold.question, k=k, history=list(gold.history))
        except InvalidQuestion as exc:
            # a content-free question gets a message, which is how the system declines it: a refusal
            answer, error = _error_answer(gold, str(exc)), None if exc.kind == "no_content" else str(exc)
        latency = (time.perf_counter() - started) * 1000
        records.append(score_question(gold, answer, latency, store, bm25, k, error))
    return records, bm25


# --- aggregation ----------------------------------------------------------------------------------------


def headline(records: Sequence[QuestionRecord]) -> dict[str, float | None]:
    """The headline metrics over ``records``."""
    metrics: dict[str, float | None] = {m: mean(r.scores[m] for r in records)
                                        for m in (*RETRIEVAL_METRICS, *ANSWER_METRICS, "language_match")}
    refused = [r.refused for r in records]
    answerable = [r.answerable for r in records]
    metrics["refusal_precision"] = refusal_precision(refused, answerable)
    metrics["refusal_recall"] = refusal_recall(refused, answerable)
    latencies = [r.latency_ms for r in records]
    metrics["latency_p50_ms"] = percentile(latencies, 50)
    metrics["latency_p95_ms"] = percentile(latencies, 95)
    return metrics


def split_records(records: Sequence[QuestionRecord]) -> dict[str, list[QuestionRecord]]:
    """The records of each half, ``{"tune": [...], "test": [...]}`` (a half may be empty)."""
    return {half: [r for r in records if r.split == half] for half in SPLITS}


def halves(records: Sequence[QuestionRecord]) -> dict[str, dict[str, float | None]]:
    """The headline metrics on each half (every metric None on an empty half)."""
    return {half: headline(part) for half, part in split_records(records).items()}


def split_gap(by_half: dict[str, dict[str, float | None]]) -> dict[str, float | None]:
    """|tune − test| per metric; None where either half has no value (a half with no such question)."""
    tune, test = by_half["tune"], by_half["test"]
    return {m: None if tune.get(m) is None or test.get(m) is None else abs(tune[m] - test[m]) for m in tune}


def baseline_headline(records: Sequence[QuestionRecord]) -> dict[str, float | None]:
    """BM25's retrieval metrics over ``records``."""
    return {m: mean(r.bm25_scores[m] for r in records) for m in RETRIEVAL_METRICS}


def recall_curve(records: Sequence[QuestionRecord], k: int, baseline: bool = False) -> list[float | None]:
    """Mean recall@1..k over the answerable questions."""
    answerable = [r for r in records if r.answerable]
    return [mean(recall_at_k(r.relevance(baseline), i) for r in answerable) for i in range(1, k + 1)]


def matrices(records: Sequence[QuestionRecord]) -> dict[str, dict]:
    """Every metric's language matrix (system), BM25's retrieval matrices, and the refusal matrices."""
    out: dict[str, dict] = {}
    for metric in (*RETRIEVAL_METRICS, *ANSWER_METRICS, "language_match"):
        out[metric] = language_matrix([(r.language, r.evidence_language, r.scores[metric]) for r in records])
    for metric in RETRIEVAL_METRICS:
        out[f"bm25_{metric}"] = language_matrix([(r.language, r.evidence_language, r.bm25_scores[metric])
                                                 for r in records])
    # refusal recall: refused, over unanswerable questions; wrongly refused: refused, over answerable ones
    out["refusal_recall"] = language_matrix([(r.language, r.evidence_language, float(r.refused))
                                             for r in records if not r.answerable])
    out["wrongly_refused"] = language_matrix([(r.language, r.evidence_language, float(r.refused))
                                              for r in records if r.answerable])
    return out


def cross_lingual_cells(matrix: dict[str, dict]) -> int:
    """How many cross-lingual cells of the recall@5 matrix hold at least one question."""
    return sum(1 for q in LANGUAGES for e in LANGUAGES
               if is_cross_lingual(q, e) and matrix["recall@5"][q][e]["n"])


def cross_lingual_target(matrix: dict[str, dict]) -> tuple[bool, list[str]]:
    """Dense ahead of BM25 on recall@5 in every non-empty cross-lingual cell; the cells where it is not."""
    behind = []
    for qlang in LANGUAGES:
        for elang in LANGUAGES:
            dense, bm25 = matrix["recall@5"][qlang][elang], matrix["bm25_recall@5"][qlang][elang]
            if is_cross_lingual(qlang, elang) and dense["n"] and not dense_ahead(dense["value"], bm25["value"]):
                behind.append(f"{qlang}→{elang} ({_fmt(dense['value'])} vs {_fmt(bm25['value'])})")
    return not behind, behind


def target_results(metrics: dict, matrix: dict) -> list[dict]:
    """Each target with its value and ``passed``: True, False, or None ("n/a") when the selected questions
    give the metric no value (no unanswerable question for the refusal metrics, no cross-lingual cell)."""
    results = [{"target": f"{m} ≥ {t:.2f}", "metric": m, "value": metrics.get(m),
                "passed": None if metrics.get(m) is None else metrics[m] >= t} for m, t in TARGETS.items()]
    passed, behind = cross_lingual_target(matrix)
    applies = cross_lingual_cells(matrix) > 0
    results.append({"target": "dense ahead of BM25 on recall@5 in every cross-lingual cell", "metric": None,
                    "value": ("; ".join(behind) or "all cells") if applies else None,
                    "passed": passed if applies else None})
    return results


def target_counts(targets: Sequence[dict]) -> tuple[int, int, list[str], list[str]]:
    """(met, applicable, missed targets, n/a targets): a target without a value is neither met nor missed."""
    missed = [t["target"] for t in targets if t["passed"] is False]
    not_applicable = [t["target"] for t in targets if t["passed"] is None]
    applicable = len(targets) - len(not_applicable)
    return applicable - len(missed), applicable, missed, not_applicable
