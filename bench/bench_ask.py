"""`rag ask` latency with the models warm: retrieval and answering separately, p50/p95.

Usage: python bench/bench_ask.py [--index DIR] [--repeats 3]
Runs every question of eval/gold.jsonl through the shared pipeline (after one warm-up call) and prints
medians and 95th percentiles of the retrieve and answer timings the pipeline reports.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from rag.index import build_index
from rag.store import open_store
from rag.pipeline import answer_question
from rag.settings import load_settings

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings(index_dir=args.index)
    if open_store(settings).version() is None:
        build_index(settings)
    questions = [json.loads(line)["question"] for line in (REPO / "eval" / "gold.jsonl").read_text().splitlines()]
    answer_question(settings, questions[0])  # warm: model and index loaded
    retrieve, answer, total = [], [], []
    for _ in range(args.repeats):
        for q in questions:
            t = time.perf_counter()
            a = answer_question(settings, q)
            total.append((time.perf_counter() - t) * 1000)
            retrieve.append(a.timings_ms["retrieve"])
            answer.append(a.timings_ms["answer"])

    def row(name: str, xs: list[float]) -> str:
        return f"{name:<22} p50 {statistics.median(xs):7.1f} ms   p95 {np.percentile(xs, 95):7.1f} ms"

    print(f"rag ask latency, models warm, {len(questions)} questions x {args.repeats} ({len(total)} calls)")
    print(row("retrieve (embed+FAISS)", retrieve))
    print(row("answer (extractive)", answer))
    print(row("total", total))
    print(f"answering share of total (medians): {statistics.median(answer) / statistics.median(total):.0%}")


if __name__ == "__main__":
    main()
