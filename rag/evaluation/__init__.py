"""`rag eval`: score retrieval, answers, citations and refusals on the gold set, beside a BM25 baseline.

The run has four steps:

1. **Check the gold file** (:func:`check_gold`) before any model loads; every problem is reported
   with its line number and the run stops with exit code 2.
2. **Bring the index up to date** with :func:`rag.index.build_index` (incremental: only new or changed
   articles are embedded), so that chunk offsets match the articles the gold set quotes.
3. **Answer every question** through :func:`rag.pipeline.answer_question` — the one path the CLI and the
   app use, given the question's ``history`` (earlier questions of its conversation) — and rank the
   same chunks with BM25 for the baseline.
4. **Score and write** ``report.md``, ``results.json``, ``per_question.jsonl`` and plots (and, with
   ``--calibrate``, the refusal-threshold sweep) to the output folder.

Definitions (all figures are means over the questions they apply to):

- **Relevant chunk**: its text contains the gold evidence (whitespace runs normalised), or its article
  is the gold ``doc`` or one of ``also_docs``. Unanswerable questions have no relevant chunk.
- **Retrieval** (answerable questions; the k passages in their original retrieval order, ``hit.rank``):
  ``recall@k`` is 1 when a relevant chunk is in the top k; ``mrr`` is 1/rank of the first relevant
  chunk (0 when none); ``ndcg@10`` uses binary gains and the trec_eval ideal, i.e. as many relevant
  chunks as the whole index holds for the question, capped at 10.
- **Answers** (answerable questions; a refusal scores 0 on each):
  ``evidence_hit`` is 1 when some cited passage is relevant; ``citation_precision`` is the fraction of
  cited passages that are relevant (ALCE precision with "relevant to the gold evidence" standing in for
  "supports the statement"); ``citation_recall`` is the fraction of the answer's statements (text up to
  its citation markers or a paragraph break, an introduction like "In the source:" joined to the quote
  it introduces; :func:`answer_statements`) that carry at least one relevant citation (ALCE recall, same
  stand-in; a statement without a marker is unsupported); ``answer_match`` — see :func:`answer_match`.
- **language_match** (all questions, refusals included): the answer's own words (cited quotes and other
  quotations and markers removed, :func:`answer_own_words`) are detected as the question's language. When the
  detector is not confident (a bare number, a short text Russian and Bulgarian share) the question's
  language is its fallback: such text is no evidence of the wrong language.
- **Refusals** (all questions): ``refusal_precision`` = truly unanswerable / refused;
  ``refusal_recall`` = refused / unanswerable.
- **Halves**: every question is in the ``tune`` or the ``test`` half (its ``split``, see
  :func:`derive_split`); each headline metric is also given on each half, with the gap |tune − test|.
  ``--split tune|test`` runs one half only.
- **Latency**: wall time of one ``answer_question`` call, after one untimed warm-up call (so the model
  load is not counted).

Every figure is also broken down by question language × evidence language (the ``doc``'s language,
"—" for unanswerable questions): cross-lingual cells are where multilingual systems fail.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rag.evaluation.baseline import BM25Baseline, bm25_tokens  # noqa: F401
from rag.evaluation.calibration import (  # noqa: F401
    CALIBRATION_MIN_PRECISION, CALIBRATION_RANGE, CALIBRATION_STEP, CalibrationPoint, calibration_grid, plateau,
    recommend, refused_at, sweep)
from rag.evaluation.gold import (  # noqa: F401
    ALL, EVIDENCE_LANGUAGES, ID_PATTERN, LANGUAGES, NO_EVIDENCE, OPTIONAL_FIELDS, REQUIRED_FIELDS, SPLITS,
    GoldProblem, GoldQuestion, check_gold, derive_split, locate, normalise_space)
from rag.evaluation.metrics import (  # noqa: F401
    ANSWER_METRICS, HEADLINE_METRICS, MAX_FACT_ANSWER_WORDS, MIN_TOKEN_OVERLAP, NDCG_K, RECALL_KS,
    RETRIEVAL_METRICS, TWIN_SENTENCES, WORD, CitedQuote, Facts, _fmt, answer_match, answer_statements, cell_keys,
    citation_precision, citation_recall, date_matches, dense_ahead, f1, facts_match, is_cross_lingual,
    is_relevant, language_matrix, mean, missing_facts, ndcg_at_k, percentile, recall_at_k, reciprocal_rank,
    reference_facts, refusal_precision, refusal_recall, retrieval_scores, spans_overlap, stated_facts,
    token_overlap)
from rag.evaluation.report import (  # noqa: F401
    _round, build_results, default_out, plot_calibration, plot_language_matrix, plot_recall_curves,
    render_report, write_calibration, write_outputs)
from rag.evaluation.run import (  # noqa: F401
    TARGETS, QuestionRecord, Retrieved, answer_own_words, baseline_headline, cross_lingual_cells,
    cross_lingual_target, failure_reasons, gold_spans, halves, headline, matrices, recall_curve, run_questions,
    score_question, split_gap, split_records, target_counts, target_results)
from rag.settings import Settings, SettingsError, with_values


# --- the command ------------------------------------------------------------------------------------------


def ensure_index(settings: Settings) -> None:
    """Build the index, or update it incrementally, so it matches the documents the gold set quotes."""
    from rag.index import build_index
    from rag.store import open_store

    store = open_store(settings)
    fresh = store.version() is None
    print(f"{'Building' if fresh else 'Checking (incremental update)'} the index in {store.location()} "
          f"from {settings.documents_dir} …", file=sys.stderr)
    report = build_index(settings, progress=True)
    s = report.summary()
    if s["added"] or s["updated"] or s["removed"]:
        print(f"Index updated: {s['added']} added, {s['updated']} updated, {s['removed']} removed, "
              f"{s['unchanged']} unchanged ({s['chunks_embedded']} chunks embedded).", file=sys.stderr)
    else:
        print(f"Index up to date ({s['documents']} articles, {s['chunks']} chunks).", file=sys.stderr)


def headline_json(results: dict, out: Path) -> dict:
    """The `--json` object: the headline metrics on all questions, on each half (``halves``) and their
    ``gap``, the question counts, BM25's metrics and the output dir."""
    data = {m: results["metrics"][m] for m in HEADLINE_METRICS}
    data.update(questions=results["questions"], split=results["split"],
                halves={h: {m: v[m] for m in HEADLINE_METRICS} for h, v in results["halves"].items()},
                gap={m: results["gap"][m] for m in HEADLINE_METRICS}, baseline=results["baseline"], out=str(out))
    return _round(data)


def _summary(results: dict, out: Path, calibration: dict | None) -> str:
    """The printed summary: each headline figure on all questions with the test half's beside it."""
    m, b, test = results["metrics"], results["baseline"], results["halves"]["test"]
    # beside "all" only when the run holds both halves (with --split the selection is one half)
    both = results["split"] is None and all(results["split_questions"].values())

    def fig(metric: str, digits: int = 3) -> str:
        return _fmt(m[metric], digits) + (f" [test {_fmt(test[metric], digits)}]" if both else "")

    met, applicable, missed, not_applicable = target_counts(results["targets"])
    selection = f" ({results['split']} half)" if results["split"] else \
        f" (test half: {results['split_questions']['test']})" if both else ""
    lines = [f"{results['questions']} questions{selection}: recall@1 {fig('recall@1')} / recall@5 "
             f"{fig('recall@5')} (BM25 {_fmt(b['recall@1'])} / {_fmt(b['recall@5'])}), mrr {fig('mrr')}, "
             f"evidence_hit {fig('evidence_hit')}, answer_match {fig('answer_match')}, "
             f"citation P/R {fig('citation_precision')}/{fig('citation_recall')}, "
             f"language_match {fig('language_match')}, refusal P/R {fig('refusal_precision')}/"
             f"{fig('refusal_recall')}, latency p50/p95 {fig('latency_p50_ms', 0)}/"
             f"{fig('latency_p95_ms', 0)} ms.",
             f"Targets: {met}/{applicable} met"
             + (f"; missed: {', '.join(missed)}" if missed else "")
             + (f"; n/a (no value for these questions): {', '.join(not_applicable)}" if not_applicable else "")
             + "."]
    if calibration is not None:
        lines.append(_calibration_line(calibration))
    lines.append(f"Report: {out / 'report.md'}")
    return "\n".join(lines)


def _calibration_line(calibration: dict) -> str:
    if calibration["recommended"] is None:
        return (f"Calibration: no threshold reaches refusal precision {CALIBRATION_MIN_PRECISION}; "
                f"see calibration.md.")
    low, high = calibration["same_result_range"]
    line = (f"Calibration: recommended refusal_min_score = {calibration['recommended']:.2f} "
            f"(same refusals for any t in {low:.2f}–{high:.2f}; now {calibration['current']})")
    if low <= calibration["current"] <= high:
        return line + "; the current value in rag/settings.py (`refusal_min_score`) is already in that range."
    return line + "; put it in rag/settings.py (`refusal_min_score`)."


def sweep_grid(assignments: list[str]) -> list[dict[str, str]]:
    """``["a=1,2", "b=x"]`` → every combination as ``{"a": "1", "b": "x"}`` dicts."""
    import itertools

    axes = []
    for item in assignments:
        name, _, values = item.partition("=")
        if not name or not values:
            raise SettingsError(f"--set {item!r}: write NAME=VALUE or NAME=V1,V2,…")
        axes.append([(name.strip(), v.strip()) for v in values.split(",") if v.strip()])
    return [dict(combo) for combo in itertools.product(*axes)]


def run_sweep(settings: Settings, questions: list, args: argparse.Namespace, grid: list[dict[str, str]]) -> int:
    """Answer the questions once per combination of settings; print and save each half's headline."""
    from rag.evaluation.run import halves

    out = Path(args.out) if args.out else default_out()
    out.mkdir(parents=True, exist_ok=True)
    metrics = ("recall@1", "evidence_hit", "answer_match", "own_words", "citation_precision", "refusal_precision",
               "refusal_recall")
    rows = []
    for values in grid:
        current = with_values(settings, values)
        ensure_index(current)
        records, _ = run_questions(current, questions, args.k)
        by_half = halves(records)
        rows.append({"set": values, "halves": _round(by_half)})
        label = ", ".join(f"{k}={v}" for k, v in values.items())
        print(f"{label}: " + "; ".join(
            f"{m} {_fmt(by_half['tune'][m])}/{_fmt(by_half['test'][m])}" for m in metrics) + " (tune/test)")
    (out / "sweep.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"Sweep: {out / 'sweep.json'} (choose on the tune half; report both)")
    return 0


def main(args: argparse.Namespace, settings: Settings) -> int:
    """`rag eval`: check the gold file, update the index, answer, score, write the report."""
    from rag.store import open_store

    questions, problems = check_gold(args.gold, settings.documents_dir)
    if problems:
        for problem in problems:
            print(f"{args.gold}:{problem.line}: {problem.message}", file=sys.stderr)
        print(f"error: {len(problems)} problem(s) in the gold file {args.gold}; fix them and run again.",
              file=sys.stderr)
        return 2
    split = getattr(args, "split", None)
    if split:
        questions = [q for q in questions if q.split == split]
        if not questions:
            print(f"error: no question of {args.gold} is in the {split} half.", file=sys.stderr)
            return 2
    if args.limit:
        questions = questions[:args.limit]
    if getattr(args, "set", None):
        grid = sweep_grid(args.set)
        if len(grid) > 1:
            return run_sweep(settings, questions, args, grid)
        settings = with_values(settings, grid[0])
    ensure_index(settings)
    records, _ = run_questions(settings, questions, args.k)
    out = Path(args.out) if args.out else default_out()
    results = build_results(records, settings, open_store(settings), args.gold, args.k, split=split)
    calibration = None
    out.mkdir(parents=True, exist_ok=True)
    if args.calibrate:
        calibration = write_calibration(records, settings.refusal_min_score, out)
        results["calibration"] = {k: calibration[k] for k in ("recommended", "same_result_range", "current")}
    write_outputs(results, records, out)
    if args.json:
        data = headline_json(results, out)
        if calibration is not None:
            data["calibration"] = results["calibration"]
        print(json.dumps(data, ensure_ascii=False))
        if calibration is not None:
            print(_calibration_line(calibration), file=sys.stderr)
    else:
        print(_summary(results, out, calibration))
    return 0
