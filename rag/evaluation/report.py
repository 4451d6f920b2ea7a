"""Writing the results: report.md, results.json, per_question.jsonl, the plots and the calibration files."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from rag.evaluation.calibration import (CALIBRATION_MIN_PRECISION, CalibrationPoint, plateau, recommend,
                                        refused_at, sweep)
from rag.evaluation.gold import ALL, EVIDENCE_LANGUAGES, LANGUAGES
from rag.evaluation.metrics import HEADLINE_METRICS, RETRIEVAL_METRICS, _fmt, is_cross_lingual
from rag.evaluation.run import (TARGETS, QuestionRecord, baseline_headline, halves, headline, matrices,
                                recall_curve, split_gap, target_results)
from rag.settings import REPO_ROOT, Settings, describe_settings

if TYPE_CHECKING:
    from rag.store import Store

# --- writing the results -------------------------------------------------------------------------------


def _round(obj):
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_round(v) for v in obj]
    return obj


def default_out() -> Path:
    return REPO_ROOT / "eval" / "results" / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _matrix_table(matrix: dict, other: dict | None = None) -> list[str]:
    """A markdown table of one language matrix; with ``other``, cells read "system / BM25"."""
    head = "| question ↓ / evidence → | " + " | ".join((*EVIDENCE_LANGUAGES, ALL)) + " |"
    lines = [head, "|" + "---|" * (len(EVIDENCE_LANGUAGES) + 2)]
    for qlang in (*LANGUAGES, ALL):
        cells = []
        for elang in (*EVIDENCE_LANGUAGES, ALL):
            cell = matrix[qlang][elang]
            if not cell["n"]:
                cells.append("·")
                continue
            text = _fmt(cell["value"], 2) + (f" / {_fmt(other[qlang][elang]['value'], 2)}" if other else "")
            text += f" (n={cell['n']})"
            cells.append(f"**{text}**" if is_cross_lingual(qlang, elang) else text)
        lines.append(f"| {qlang} | " + " | ".join(cells) + " |")
    return lines


def _failure_section(r: QuestionRecord) -> list[str]:
    route = f"{r.language}→{r.evidence_language}"
    lines = [f"### {r.id} ({route}{', unanswerable' if not r.answerable else ''})", "",
             f"- **Question:** {r.question}"]
    if r.answerable:
        lines.append(f"- **Reference:** {r.reference} — `{r.doc}`"
                     + (f" (+ {len(r.also_docs)} twin(s))" if r.also_docs else ""))
    answer = r.answer.replace("\n", " ")
    lines.append(f"- **Answer** ({'refused' if r.refused else r.answerer}, confidence {_fmt(r.confidence)}): "
                 f"{answer[:500]}{'…' if len(answer) > 500 else ''}")
    top = ", ".join(f"{x.rank}. `{x.doc}` {x.score:.3f}{' ✓' if x.relevant else ''}" for x in r.retrieved[:3])
    lines.append(f"- **Retrieved (top 3):** {top or 'nothing'}")
    lines += ["- **Why:** " + "; ".join(r.failures), ""]
    return lines


def render_report(results: dict, records: Sequence[QuestionRecord]) -> str:
    """report.md: headline, targets, language matrices, baseline, failed questions."""
    m, b, s = results["metrics"], results["baseline"], results["settings"]
    lines = [f"# Evaluation — {results['created']}", "",
             f"{results['questions']} questions ({results['answerable']} answerable) from `{results['gold']}`; "
             f"answerer {', '.join(s['answerers']) or 'n/a'}; model `{s['model'].get('name')}`; k={s['k']}; "
             f"chunks {s['chunking'].get('chunk_tokens')} tokens / {s['chunking'].get('overlap_tokens')} overlap; "
             f"refusal_min_score {s['refusal_min_score']}; index `{s['index_version']}`.", "",
             "## Headline", "", _split_note(results), "",
             "| metric | system | tune | test | gap | BM25 | target |", "|---|---|---|---|---|---|---|"]
    by_half, gap = results["halves"], results["gap"]
    for metric in HEADLINE_METRICS:
        target = f"≥ {TARGETS[metric]:.2f}" if metric in TARGETS else ""
        digits = 0 if metric.startswith("latency") else 3
        lines.append(f"| {metric} | {_fmt(m[metric], digits)} | {_fmt(by_half['tune'][metric], digits)} "
                     f"| {_fmt(by_half['test'][metric], digits)} | {_fmt(gap[metric], digits)} "
                     f"| {_fmt(b.get(metric)) if metric in b else ''} | {target} |")
    lines += ["", "## Targets", "", "n/a: the selected questions give the metric no value (e.g. refusal metrics "
              "without an unanswerable question); such a target is neither met nor missed.", "",
              "| target | value | |", "|---|---|---|"]
    for t in results["targets"]:
        value = t["value"] if isinstance(t["value"], str) else _fmt(t["value"])
        verdict = "n/a" if t["passed"] is None else "PASS" if t["passed"] else "**FAIL**"
        lines.append(f"| {t['target']} | {value} | {verdict} |")
    lines += ["", "## Tuned settings", "", "Every weight and threshold of retrieval, answering and refusal "
              "(rag/settings.py), with where its value was chosen.", "",
              "| setting | group | value | bounds | chosen |", "|---|---|---|---|---|"]
    for row in results.get("tuned_settings", []):
        bounds = row["bounds"] or row["choices"] or (f"list of {', '.join(row['items'])}" if row.get("items") else "")
        lines.append(f"| `{row['name']}` | {row['group']} | {row['value']} | {bounds} | {row['chosen'] or ''} |")
    mx = results["matrix"]
    lines += ["", "## Language matrix", "",
              "Rows: question language; columns: evidence language (the gold doc's; — = unanswerable). "
              "Cross-lingual cells are bold.", "", "### recall@5 — system / BM25", ""]
    lines += _matrix_table(mx["recall@5"], mx["bm25_recall@5"])
    lines += ["", "### evidence_hit", ""] + _matrix_table(mx["evidence_hit"])
    lines += ["", "### answer_match", ""] + _matrix_table(mx["answer_match"])
    lines += ["", "### refusal_recall (unanswerable questions refused)", ""] + _matrix_table(mx["refusal_recall"])
    lines += ["", "## BM25 baseline", "",
              "bm25s (Lucene BM25, k1=1.5, b=0.75) over the same chunks (title + text), lower-cased word "
              "tokens, no stemming, no stop words.", "", "| metric | dense | BM25 | Δ |", "|---|---|---|---|"]
    for metric in RETRIEVAL_METRICS:
        delta = None if m[metric] is None or b[metric] is None else m[metric] - b[metric]
        lines.append(f"| {metric} | {_fmt(m[metric])} | {_fmt(b[metric])} | {_fmt(delta)} |")
    failed = [r for r in records if r.failures]
    lines += ["", f"## Failed questions ({len(failed)} of {len(records)})", ""]
    for r in failed:
        lines += _failure_section(r)
    lines += ["## Plots", "", "![recall@k](recall_at_k.png)", "", "![recall@5 by language](language_matrix.png)", ""]
    return "\n".join(lines)


def _split_note(results: dict) -> str:
    """One sentence on the halves: their sizes and which one this run selected."""
    n = results["split_questions"]
    chosen = results.get("split")
    note = (f"Halves (`split`, see eval/README.md): tune {n['tune']} questions, test {n['test']}; "
            "gap = |tune − test|.")
    return note + (f" This run selected the **{chosen}** half only." if chosen else "")


def plot_recall_curves(system: Sequence[float | None], bm25: Sequence[float | None], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ks = list(range(1, len(system) + 1))
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(ks, [v or 0 for v in system], marker="o", label="dense (system)")
    ax.plot(ks, [v or 0 for v in bm25], marker="s", label="BM25")
    ax.set(xlabel="k", ylabel="recall@k", title="Recall@k, answerable questions", ylim=(0, 1.02), xticks=ks)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_language_matrix(matrix: dict, path: Path, title: str = "recall@5: question × evidence language") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.array([[matrix[q][e]["value"] if matrix[q][e]["n"] else np.nan for e in LANGUAGES]
                     for q in LANGUAGES], dtype=float)
    fig, ax = plt.subplots(figsize=(5, 4.2))
    image = ax.imshow(grid, vmin=0, vmax=1, cmap="RdYlGn")
    ax.set_xticks(range(len(LANGUAGES)), LANGUAGES)
    ax.set_yticks(range(len(LANGUAGES)), LANGUAGES)
    ax.set(xlabel="evidence language", ylabel="question language", title=title)
    for i, q in enumerate(LANGUAGES):
        for j, e in enumerate(LANGUAGES):
            cell = matrix[q][e]
            ax.text(j, i, f"{cell['value']:.2f}\nn={cell['n']}" if cell["n"] else "·", ha="center", va="center",
                    fontsize=8)
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_calibration(points: Sequence[CalibrationPoint], chosen: float | None, current: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ts = [p.threshold for p in points]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, values in (("refusal precision", [p.refusal_precision for p in points]),
                         ("refusal recall", [p.refusal_recall for p in points]), ("F1", [p.f1 for p in points])):
        ax.plot(ts, [np.nan if v is None else v for v in values], label=name)
    ax.axvline(current, color="grey", linestyle=":", label=f"current {current:.2f}")
    if chosen is not None:
        ax.axvline(chosen, color="black", linestyle="--", label=f"recommended {chosen:.2f}")
    ax.set(xlabel="refusal threshold (refused iff confidence < t)", ylim=(0, 1.02), title="Refusal calibration")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_calibration(records: Sequence[QuestionRecord], current: float, out: Path) -> dict:
    """calibration.md/json/png from the recorded confidences; returns the JSON object."""
    points = sweep([r.confidence for r in records], [r.answerable for r in records])
    chosen = recommend(points)
    # The sweep reproduces the run only when the answerer refused exactly by its threshold.
    disagree = [r.id for r in records if r.refused != refused_at(r.confidence, current)]
    grounding = sum(1 for r in records if r.answerable and r.confidence is None)
    same = plateau(points, chosen) if chosen else None
    data = {"grid": [asdict(p) for p in points], "current": current,
            "recommended": chosen.threshold if chosen else None, "same_result_range": same,
            "min_precision": CALIBRATION_MIN_PRECISION,
            "answerable_without_confidence": grounding, "runs_disagreeing_with_rule": disagree}
    (out / "calibration.json").write_text(json.dumps(_round(data), ensure_ascii=False, indent=1), encoding="utf-8")
    plot_calibration(points, data["recommended"], current, out / "calibration.png")
    lines = ["# Refusal calibration", "",
             f"Refused iff `confidence is None or confidence < t` (the answerer's rule with "
             f"`settings.refusal_min_score`, now {current}). {len(records)} questions, "
             f"{sum(not r.answerable for r in records)} unanswerable.", "",
             f"{grounding} answerable question(s) were refused by the grounding checks (confidence None): "
             "no threshold can un-refuse them.", ""]
    if disagree:
        lines += [f"Note: {len(disagree)} answer(s) do not follow the rule at the current threshold "
                  f"({', '.join(disagree)}); the sweep is exact only for the threshold rule.", ""]
    if chosen:
        lines += [f"**Recommended: `refusal_min_score = {chosen.threshold:.2f}`** (best refusal F1 "
                  f"{chosen.f1:.3f} with precision ≥ {CALIBRATION_MIN_PRECISION}; ties → lower t). Every t from "
                  f"{same[0]:.2f} to {same[1]:.2f} refuses the same {chosen.refused} questions.", ""]
    else:
        lines += [f"**No threshold reaches refusal precision {CALIBRATION_MIN_PRECISION}.**", ""]
    lines += ["| t | refusal precision | refusal recall | F1 | refused | answerable refused |",
              "|---|---|---|---|---|---|"]
    for p in points:
        mark = " ←" if chosen and p.threshold == chosen.threshold else ""
        lines.append(f"| {p.threshold:.2f}{mark} | {_fmt(p.refusal_precision)} | {_fmt(p.refusal_recall)} | "
                     f"{_fmt(p.f1)} | {p.refused} | {p.answerable_refused} |")
    lines += ["", "![calibration](calibration.png)", ""]
    (out / "calibration.md").write_text("\n".join(lines), encoding="utf-8")
    return data


def build_results(records: Sequence[QuestionRecord], settings: Settings, store: Store, gold_path: Path,
                  k: int, split: str | None = None) -> dict:
    """The results.json object (``split``: the half the run was restricted to, None for both)."""
    metrics = headline(records)
    matrix = matrices(records)
    meta = store.meta() or {}
    by_half = halves(records)
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "gold": str(gold_path),
        "questions": len(records),
        "answerable": sum(r.answerable for r in records),
        "split": split,
        "split_questions": {half: sum(r.split == half for r in records) for half in by_half},
        "metrics": metrics,
        "halves": by_half,
        "gap": split_gap(by_half),
        "baseline": baseline_headline(records),
        "recall_curve": {"system": recall_curve(records, k), "bm25": recall_curve(records, k, baseline=True)},
        "targets": target_results(metrics, matrix),
        "matrix": matrix,
        "tuned_settings": describe_settings(settings),
        "settings": {"model": meta.get("model", {}), "k": k, "chunking": meta.get("chunking", {}),
                     "refusal_min_score": settings.refusal_min_score, "answer_passages":
                         getattr(settings, "answer_passages", None), "generator_model": settings.generator_model,
                     "answerers": sorted({r.answerer for r in records}), "store": store.location(),
                     "index_version": store.version(), "documents_dir": str(settings.documents_dir),
                     "bm25": {"library": "bm25s", "method": "lucene", "k1": 1.5, "b": 0.75,
                              "tokenizer": r"lowercase \w+", "stemming": None}},
    }


def write_outputs(results: dict, records: Sequence[QuestionRecord], out: Path) -> None:
    """report.md, results.json, per_question.jsonl and the plots."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(_round(results), ensure_ascii=False, indent=1), encoding="utf-8")
    with (out / "per_question.jsonl").open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(_round(asdict(r)), ensure_ascii=False) + "\n")
    plot_recall_curves(results["recall_curve"]["system"], results["recall_curve"]["bm25"], out / "recall_at_k.png")
    plot_language_matrix(results["matrix"]["recall@5"], out / "language_matrix.png")
    (out / "report.md").write_text(render_report(results, records), encoding="utf-8")
