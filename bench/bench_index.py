"""Indexing throughput against the raw model, incremental rebuild costs and peak memory.

    .venv/bin/python bench/bench_index.py [--documents DIR] [--index DIR] [--full-runs 2] [--repeats 3]

Everything happens on a copy of the documents in a temporary folder (the index too, unless
--index names an empty scratch folder), so the real index/ is never touched. It prints
figures, not pass/fail; the last block can be pasted into the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rag import embedding  # noqa: E402
from rag.index import build_index, texts_to_embed  # noqa: E402
from rag.store.faiss_store import load_snapshot  # noqa: E402
from memory import peak_mb, rss_mb  # noqa: E402  (bench/ is on sys.path when run as a script)
from rag.settings import load_settings  # noqa: E402

ADD_ONE = "en_slovenia_tokayev_universities_bees_2025-03-31.txt"




def median(values: list[float]) -> float:
    return statistics.median(values)


def fmt(values: list[float]) -> str:
    return f"median {median(values):.2f}s (runs: {', '.join(f'{v:.2f}' for v in values)})"


def embedded_texts(index_dir: Path) -> tuple[list[str], int, int]:
    """Exactly the texts a full build embeds, in the pipeline's order (rag.index.texts_to_embed)."""
    index = load_snapshot(index_dir)
    titles = {doc: entry["title"] for doc, entry in index.documents.items()}
    return texts_to_embed(index.chunks, index.sentences, titles), len(index.chunks), len(index.sentences)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=Path, default=REPO / "documents")
    parser.add_argument("--index", type=Path, help="an empty scratch index folder (default: a temporary one)")
    parser.add_argument("--full-runs", type=int, default=2, help="full builds to time (slow: ~3 min each)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the cheap measurements")
    parser.add_argument("--add-one", default=ADD_ONE, help="the article removed and re-added")
    args = parser.parse_args()
    if args.index and args.index.exists() and any(args.index.iterdir()):
        parser.error(f"{args.index} is not empty: the benchmark deletes and rebuilds its index folder")

    work = Path(tempfile.mkdtemp(prefix="rag-bench-index-"))
    try:
        documents = work / "documents"
        shutil.copytree(args.documents, documents)
        index_dir = args.index or work / "index"
        settings = load_settings(documents_dir=documents, index_dir=index_dir)
        tokenizer = embedding.load_tokenizer(settings)
        load_start = os.getloadavg()[0]
        print(f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
              f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}")

        t0 = time.perf_counter()
        model = embedding.load_embedder(settings)
        load_seconds = time.perf_counter() - t0
        print(f"model load (cold, in process): {load_seconds:.1f}s, RSS {rss_mb():.0f} MB")

        # Full builds and the raw model on exactly the same texts, interleaved so that load from
        # other processes hits both alike.
        full_times, raw_times = [], []
        texts: list[str] = []
        n_chunks = n_sentences = 0
        for run in range(args.full_runs):
            shutil.rmtree(index_dir, ignore_errors=True)
            t0 = time.perf_counter()
            report = build_index(settings, full=True, progress=False)
            full_times.append(time.perf_counter() - t0)
            if not texts:
                texts, n_chunks, n_sentences = embedded_texts(index_dir)
                assert report.chunks_embedded == n_chunks, (report.chunks_embedded, n_chunks)
            t0 = time.perf_counter()
            embedding.encode_documents(model, texts, batch_size=settings.embedding_batch_size)
            raw_times.append(time.perf_counter() - t0)
            print(f"full build {run + 1}: {full_times[-1]:.1f}s; raw encode_documents of the same "
                  f"{len(texts)} texts: {raw_times[-1]:.1f}s")
        n_texts = len(texts)
        tokens = sum(len(tokenizer.encode(t)) for t in texts)
        full_s, raw_s = median(full_times), median(raw_times)
        print(f"articles {report.documents}, chunks {n_chunks}, sentences {n_sentences}, "
              f"embedded texts {n_texts}, tokens {tokens} (with special tokens)")

        # No-change rerun.
        nochange = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            r = build_index(settings, progress=False)
            nochange.append(time.perf_counter() - t0)
            assert r.chunks_embedded == 0
        print(f"no-change rebuild: {fmt(nochange)}, chunks embedded {r.chunks_embedded}")

        # Adding one article: remove it (a rebuild that embeds nothing), then put it back (timed).
        added, add_embedded = [], 0
        for _ in range(args.repeats):
            stash = work / args.add_one
            shutil.move(documents / args.add_one, stash)
            build_index(settings, progress=False)
            shutil.move(stash, documents / args.add_one)
            t0 = time.perf_counter()
            r = build_index(settings, progress=False)
            added.append(time.perf_counter() - t0)
            assert r.added == [args.add_one]
            add_embedded = r.chunks_embedded
        add_sentences = sum(1 for s in load_snapshot(index_dir).sentences if s.doc == args.add_one)
        print(f"adding one article ({args.add_one}): {fmt(added)}, chunks embedded {add_embedded} "
              f"(+ {add_sentences} sentences)")

        peak = peak_mb()
        overhead = full_s / raw_s
        summary = [
            f"Index benchmark ({os.cpu_count()} CPUs, no GPU; EmbeddingGemma-300m on CPU; medians; "
            f"load average {load_start:.1f} at start, {os.getloadavg()[0]:.1f} at end):",
            f"- corpus: {report.documents} articles -> {n_chunks} chunks + {n_sentences} sentences = "
            f"{n_texts} embedded texts, {tokens} tokens",
            f"- full `rag index` (model warm): {full_s:.1f}s = {n_chunks / full_s:.2f} chunks/s, "
            f"{n_texts / full_s:.2f} texts/s, {tokens / full_s:.0f} tokens/s ({len(full_times)} runs)",
            f"- raw encode_documents, same texts: {raw_s:.1f}s = {n_texts / raw_s:.2f} texts/s, "
            f"{tokens / raw_s:.0f} tokens/s",
            f"- pipeline / raw model time: {overhead:.3f} (overhead {100 * (overhead - 1):+.1f}%; target < +25%)",
            f"- model load (cold): {load_seconds:.1f}s",
            f"- no-change rerun: {median(nochange):.2f}s, 0 chunks embedded, model not needed",
            f"- add one article: {median(added):.2f}s, {add_embedded} chunks (+ {add_sentences} sentences) embedded",
            f"- peak RSS: {peak:.0f} MB",
        ]
        print("\n" + "=" * 72 + "\n" + "\n".join(summary) + "\n" + "=" * 72)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
