"""How long rag.knowledge takes: building its indexes once, and matching a question and a passage.

    python bench/bench_knowledge.py [--repeat 200]

Prints medians (and the best run, which a busy machine disturbs least) in milliseconds, with the
load average. Passages are the corpus's own: 300-word windows of documents/.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "Когда Токаев посетил Бразилию с государственным визитом?",
    "What did the Foreign Ministers of Kazakhstan and Egypt discuss in Cairo?",
    "Кога министърът на външните работи на Казахстан посети Аржентина?",
    "Тоқаев Жапония Премьер-министрімен қандай құжаттарға қол қойды?",
]


def timings_ms(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times


def median_ms(fn, repeat: int) -> float:
    return statistics.median(timings_ms(fn, repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    t = time.perf_counter()
    import rag.knowledge as knowledge
    print(f"import                     {1000 * (time.perf_counter() - t):8.1f} ms")
    t = time.perf_counter()
    knowledge.warm_up()
    print(f"build indexes (once)       {1000 * (time.perf_counter() - t):8.1f} ms")

    words = " ".join(p.read_text("utf-8") for p in sorted((ROOT / "documents").glob("*.txt"))).split()
    passages = [" ".join(words[i:i + 300]) for i in range(0, len(words) - 300, 300)]
    print(f"question: entities_in      {median_ms(lambda: [knowledge.entities_in(q) for q in QUESTIONS], args.repeat) / len(QUESTIONS):8.3f} ms (median)")
    print(f"question: unknown_names    {median_ms(lambda: [knowledge.unknown_names(q) for q in QUESTIONS], args.repeat) / len(QUESTIONS):8.3f} ms (median)")
    medians, bests = [], []
    for p in passages:
        times = timings_ms(lambda: knowledge.entities_in(p), max(5, args.repeat // 10))
        medians.append(statistics.median(times))
        bests.append(min(times))
    print(f"300-word passage: entities_in {statistics.median(medians):6.3f} ms median, {statistics.median(bests):.3f} ms "
          f"best (over {len(passages)} passages; slowest passage's median {max(medians):.3f})")
    medians = [median_ms(lambda: knowledge.unknown_names(p), 10) for p in passages]
    print(f"300-word passage: unknown_names {statistics.median(medians):6.3f} ms median")
    texts = [(p, "") for p in passages]
    print(f"load average               {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    t = time.perf_counter()
    table = knowledge.collect_names(texts)
    print(f"collect_names (corpus)     {1000 * (time.perf_counter() - t):8.1f} ms, {len(table.names)} names")


if __name__ == "__main__":
    main()
