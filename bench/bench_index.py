"""Index build time against the one-pass floor, incremental rebuild costs, work per article, peak memory.

    .venv/bin/python bench/bench_index.py [--documents DIR] [--index DIR] [--full-runs 2] [--repeats 3]

The "one-pass floor" is the time to encode every paragraph of every article once with the same model
(`encode_documents`, the document prompt, the build's batch size): the least any build could embed.
Full builds and the floor run interleaved, so load from other processes hits both alike; the ratio
build / floor is the figure to watch (target <= 1.5). The sentence layout is the configured one
(RAG_SENTENCE_VECTORS=pooled_title|separate|once|late). Everything happens on a copy of the documents in a temporary
folder (the index too, unless --index names an empty scratch folder), so the real index/ is never
touched. It prints figures, not pass/fail; the last block can be pasted into the README.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rag import embedding  # noqa: E402
from rag.articles import load_articles  # noqa: E402
from rag.index import build_index, pieces_to_embed, sentence_layout  # noqa: E402
from rag.store.faiss_store import load_snapshot as load_index  # noqa: E402
from memory import peak_mb, rss_mb  # noqa: E402  (bench/ is on sys.path when run as a script)
from rag.settings import load_settings  # noqa: E402

ADD_ONE = "en_slovenia_tokayev_universities_bees_2025-03-31.txt"


def median(values: list[float]) -> float:
    return statistics.median(values)


def fmt(values: list[float]) -> str:
    return f"median {median(values):.2f}s (runs: {', '.join(f'{v:.2f}' for v in values)})"


def paragraphs(documents: Path) -> list[str]:
    """Every paragraph (non-empty line of the cleaned body) of every article, as the floor encodes them."""
    articles, _ = load_articles(documents)
    return [embedding.document_text("", line.strip()) for a in articles for line in a.body.split("\n") if line.strip()]


def work_per_article(settings, index_dir: Path, tokenizer) -> list[tuple[str, int, int, int]]:
    """(article, its body's tokens, tokens embedded with this layout, tokens embedded with the other one)."""
    index = load_index(index_dir)
    titles = {doc: entry["title"] for doc, entry in index.documents.items()}
    # Each layout is compared with 'separate' (the most work), and 'separate' with 'once' (the least).
    other = dataclasses.replace(settings, sentence_vectors="once" if settings.sentence_vectors == "separate"
                                else "separate")
    articles, _ = load_articles(settings.documents_dir)
    rows = []
    for article in articles:
        chunks = [c for c in index.chunks if c.doc == article.doc]
        sentences = [s for s in index.sentences if s.doc == article.doc]
        count = lambda texts: sum(len(tokenizer.encode(t)) for t in texts)  # noqa: E731
        rows.append((article.doc, len(tokenizer.encode(article.body)),
                     count(pieces_to_embed(settings, chunks, sentences, titles)),
                     count(pieces_to_embed(other, chunks, sentences, titles))))
    return sorted(rows, key=lambda r: r[1])


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

        layout = sentence_layout(settings)
        floor_texts = paragraphs(documents)
        floor_tokens = sum(len(tokenizer.encode(t)) for t in floor_texts)
        print(f"sentence layout: {layout}")
        print(f"one-pass floor: {len(floor_texts)} paragraphs, {floor_tokens} tokens")

        # Full builds and the floor, interleaved so that load from other processes hits both alike.
        full_times, floor_times = [], []
        for run in range(args.full_runs):
            shutil.rmtree(index_dir, ignore_errors=True)
            t0 = time.perf_counter()
            report = build_index(settings, full=True, progress=False)
            full_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            embedding.encode_documents(model, floor_texts, batch_size=settings.embedding_batch_size)
            floor_times.append(time.perf_counter() - t0)
            print(f"full build {run + 1}: {full_times[-1]:.1f}s; one-pass floor: {floor_times[-1]:.1f}s; "
                  f"ratio {full_times[-1] / floor_times[-1]:.2f}", flush=True)
        index = load_index(index_dir)
        titles = {doc: entry["title"] for doc, entry in index.documents.items()}
        texts = pieces_to_embed(settings, index.chunks, index.sentences, titles)
        n_chunks, n_sentences, n_texts = len(index.chunks), len(index.sentences), len(texts)
        tokens = sum(len(tokenizer.encode(t)) for t in texts)
        full_s, floor_s = median(full_times), median(floor_times)
        ratios = [f / r for f, r in zip(full_times, floor_times)]
        print(f"articles {report.documents}, chunks {n_chunks}, sentences {n_sentences}, "
              f"texts through the transformer {n_texts}, tokens {tokens} (with special tokens); "
              f"floor {floor_tokens} tokens")

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
        add_sentences = sum(1 for s in load_index(index_dir).sentences if s.doc == args.add_one)
        print(f"adding one article ({args.add_one}): {fmt(added)}, chunks embedded {add_embedded} "
              f"(+ {add_sentences} sentences)")

        rows = work_per_article(settings, index_dir, tokenizer)
        print(f"\nwork per article (tokens through the transformer; {layout} vs the other layout):")
        print(f"{'article tokens':>14} {'embedded':>9} {'x':>5} {'other layout':>13} {'x':>5}  article")
        for doc, length, done, other in rows:
            print(f"{length:>14} {done:>9} {done / length:>5.2f} {other:>13} {other / length:>5.2f}  {doc}")
        lengths = np.asarray([r[1] for r in rows], float)
        slope, intercept = np.polyfit(lengths, np.asarray([r[2] for r in rows], float), 1)
        slope_other, intercept_other = np.polyfit(lengths, np.asarray([r[3] for r in rows], float), 1)

        peak = peak_mb()
        summary = [
            f"Index benchmark ({os.cpu_count()} CPUs, no GPU; EmbeddingGemma-300m on CPU; medians of "
            f"{len(full_times)} runs; load average {load_start:.1f} at start, {os.getloadavg()[0]:.1f} at end):",
            f"- sentence layout: {layout}",
            f"- corpus: {report.documents} articles -> {n_chunks} chunks + {n_sentences} sentences; "
            f"{n_texts} texts through the transformer, {tokens} tokens",
            f"- full `rag index` (model warm): {full_s:.1f}s = {tokens / full_s:.0f} tokens/s",
            f"- one-pass floor (every paragraph once, {len(floor_texts)} texts, {floor_tokens} tokens): "
            f"{floor_s:.1f}s = {floor_tokens / floor_s:.0f} tokens/s",
            f"- build / floor: {full_s / floor_s:.2f} (runs: {', '.join(f'{r:.2f}' for r in ratios)}; target <= 1.5); "
            f"tokens embedded / floor tokens {tokens / floor_tokens:.2f}",
            f"- model load (cold): {load_seconds:.1f}s",
            f"- no-change rerun: {median(nochange):.2f}s, 0 chunks embedded, model not needed",
            f"- add one article: {median(added):.2f}s (target < 2 s), {add_embedded} chunks (+ {add_sentences} "
            f"sentences) embedded",
            f"- work per article: tokens embedded ~ {slope:.2f} x article tokens + {intercept:.0f} "
            f"(other layout: {slope_other:.2f} x + {intercept_other:.0f}); linear in the length",
            f"- peak RSS: {peak:.0f} MB",
        ]
        print("\n" + "=" * 72 + "\n" + "\n".join(summary) + "\n" + "=" * 72)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
