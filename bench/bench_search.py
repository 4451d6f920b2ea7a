"""Search latency: query embedding vs FAISS, on the real index and on 100,000 synthetic vectors.

    .venv/bin/python bench/bench_search.py [--index DIR] [--documents DIR] [--synthetic 100000]

With the model warm, each of 50 questions (ru/en/bg/kk) is timed as `rag search` does it:
the query embedding, then ``search_store`` (FAISS to the rerank depth, then the sentence
rerank), and the bare FAISS call on its own. The same FAISS search then runs against an index of
random unit vectors of the model's dimension built with ``rag.store.faiss_store.make_faiss_index``, to show
how the exact search scales. When --index holds no index, one is built from --documents in a
temporary folder first (~3 minutes). The last block can be pasted into the README.
"""

from __future__ import annotations

import argparse
import inspect
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rag.index import build_index  # noqa: E402
from rag.store import IndexUnavailable, open_store  # noqa: E402
from rag.store.faiss_store import load_snapshot, make_faiss_index  # noqa: E402
from rag.retrieval import embed_query, search_store  # noqa: E402
from memory import peak_mb, rss_mb  # noqa: E402  (bench/ is on sys.path when run as a script)
from rag.settings import load_settings  # noqa: E402

QUERIES = [
    # Russian
    "Кто возглавлял казахстанскую делегацию на консультациях в Тиране?",
    "О чём договорились Токаев и Радев в Астане?",
    "Какой объём торговли между Казахстаном и Литвой в 2022 году?",
    "Что обсуждали Нуртлеу и Лавров в Чолпон-Ате?",
    "Когда Бегай впервые посетил Казахстан?",
    "Какие порты Болгарии могут стать частью Среднего коридора?",
    "Безвизовый режим между Казахстаном и Северной Македонией",
    "Встреча Василенко с министром Словакии в Братиславе",
    "Переговоры Таяни и Нуртлеу о визах",
    "Гуманитарное сотрудничество Казахстана и Болгарии",
    "Посол Уразаев и министр Ландсбергис",
    "Когда открылось посольство Казахстана в Любляне?",
    "Сотрудничество в сфере энергетики и логистики с Европейским союзом",
    # English
    "Who led the Kazakh delegation at the political consultations in Tirana?",
    "What did Tokayev and Lavrov discuss in Astana in November 2024?",
    "How much did trade between Kazakhstan and Hungary grow in 2023?",
    "Bees for Peace exhibition in Astana",
    "Which Slovenian port will join the Trans-Caspian corridor?",
    "When was the visa-free regime with North Macedonia agreed?",
    "Vassilenko meetings in Brussels with EU officials",
    "Kazakhstan and Serbia political consultations 2022",
    "What did Mattarella thank Tokayev for?",
    "Joint statement of Kazakhstan and Albania presidents",
    "Trade turnover between Kazakhstan and Bulgaria in 2024",
    "Kazakh Senate speaker Ashimbayev meets Begaj",
    "30th anniversary of diplomatic relations with Slovenia",
    # Bulgarian
    "Кой посети Астана от страна на България през юни 2025 г.?",
    "Какъв меморандум подписаха България и Казахстан?",
    "Пристанищата Бургас и Варна и Транскаспийският коридор",
    "За какво разговаряха външните министри на Казахстан и Словения?",
    "Каква изложба за пчелите ще бъде открита в Астана?",
    "Инвестиции и икономически обмен между България и Казахстан",
    "Кой ръководи казахстанската делегация в Тирана?",
    "Визов режим между Казахстан и Италия",
    "Срещата на Василенко с Хаджиев",
    "Стратегически партньор в Югоизточна Европа",
    "Търговията между Казахстан и Литва",
    "Разговорите на Токаев и Лавров",
    # Kazakh
    "Тоқаев пен Бегай Тиранаға тікелей әуе рейстері туралы не айтты?",
    "Маттарелла Тоқаевқа не үшін алғыс айтты?",
    "Қазақстан мен Венгрия арасындағы сауда 2023 жылы қанша пайызға өсті?",
    "Болгария Оңтүстік-Шығыс Еуропадағы сенімді серіктес",
    "Таяни мен Нұртлеу визалар туралы келіссөздер",
    "Қазақстан елшісі Уразаев Литва министрімен кездесті",
    "Радевтің Астанаға ресми сапары",
    "Италиямен кеңейтілген құрамдағы келіссөздер",
    "Словениямен университеттер арасындағы ынтымақтастық",
    "Қазақстан мен Албания арасындағы саяси консультациялар",
    "Солтүстік Македониямен визасыз режим",
    "Лавров пен Нұртлеудің кездесуі",
]
assert len(QUERIES) == 50


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def ms(values: list[float]) -> str:
    return f"p50 {1000 * pct(values, 50):.2f} ms, p95 {1000 * pct(values, 95):.2f} ms"



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="index folder (default: RAG_INDEX_DIR or index/)")
    parser.add_argument("--documents", type=Path, default=REPO / "documents",
                        help="articles to index when --index holds no index")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--synthetic", type=int, default=100_000, help="random vectors in the synthetic index")
    parser.add_argument("--cold-runs", type=int, default=1, help="`rag search` processes to time from cold")
    parser.add_argument("--encoder-repeats", type=int, default=2, help="passes over the queries, torch vs ONNX")
    args = parser.parse_args()

    settings = load_settings(index_dir=args.index, documents_dir=args.documents)
    scratch = None
    try:
        index = load_snapshot(settings.index_dir)
    except IndexUnavailable:
        scratch = Path(tempfile.mkdtemp(prefix="rag-bench-search-"))
        settings = load_settings(index_dir=scratch / "index", documents_dir=args.documents)
        print(f"no index in {args.index or 'the default folder'}: building one from {args.documents} in {scratch}")
        build_index(settings, progress=False)
        index = load_snapshot(settings.index_dir)
    try:
        print(f"index {settings.index_dir}: {len(index.chunks)} chunks, dim {index.embeddings.shape[1]}, "
              f"{len(index.documents)} articles; load average {os.getloadavg()[0]:.2f}")

        # Warm the model (and FAISS) so that only steady-state latency is measured.
        t0 = time.perf_counter()
        embed_query(settings, "warm-up")
        print(f"model load + first query: {time.perf_counter() - t0:.1f}s")
        for q in QUERIES[:3]:
            search_store(open_store(settings), embed_query(settings, q), args.k)

        # What `rag search` does after embedding: search_store = FAISS (to the rerank depth) + the
        # sentence-similarity rerank. The bare FAISS call is timed separately with the same depth.
        depth = min(index.faiss_index.ntotal,
                    max(args.k, inspect.signature(search_store).parameters["rerank_depth"].default))
        embed_t, faiss_t, search_t, total_t, vectors = [], [], [], [], []
        for q in QUERIES:
            t0 = time.perf_counter()
            vector = embed_query(settings, q)
            t1 = time.perf_counter()
            hits = search_store(open_store(settings), vector, args.k, None, settings.sentence_rerank_weight).hits
            t2 = time.perf_counter()
            index.faiss_index.search(vector.reshape(1, -1), depth)
            t3 = time.perf_counter()
            assert len(hits) == min(args.k, len(index.chunks))
            embed_t.append(t1 - t0)
            search_t.append(t2 - t1)
            faiss_t.append(t3 - t2)
            total_t.append(t2 - t0)
            vectors.append(vector)
        print(f"real index, {len(QUERIES)} queries, k={args.k}:")
        print(f"  search total  {ms(total_t)}")
        print(f"  embedding     {ms(embed_t)}")
        print(f"  search_store  {ms(search_t)} (FAISS top-{depth} + sentence rerank)")
        print(f"  FAISS alone   {ms(faiss_t)}")

        # The same exact search over many random unit vectors.
        dim = index.embeddings.shape[1]
        rng = np.random.default_rng(0)
        before = rss_mb()
        t0 = time.perf_counter()
        synthetic = rng.standard_normal((args.synthetic, dim), dtype=np.float32)
        synthetic /= np.linalg.norm(synthetic, axis=1, keepdims=True)
        big = make_faiss_index(synthetic)
        del synthetic  # the flat index holds its own copy
        build_s = time.perf_counter() - t0
        index_mb = rss_mb() - before
        queries = np.vstack(vectors)
        big.search(queries[:5], depth)  # warm-up
        big_t = []
        for row in queries:
            t0 = time.perf_counter()
            big.search(row.reshape(1, -1), depth)
            big_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        big.search(queries, depth)
        batch_s = time.perf_counter() - t0
        print(f"synthetic index: {args.synthetic:,} random unit vectors x {dim}, built in {build_s:.1f}s, "
              f"+{index_mb:.0f} MB RSS (raw vectors {args.synthetic * dim * 4 / 2**20:.0f} MB)")
        print(f"  FAISS search  {ms(big_t)}; all {len(queries)} as one batch {1000 * batch_s:.1f} ms")

        # Query encoding torch vs the verified ONNX export (`rag setup`), one query at a time, interleaved.
        from rag.embedding import encode_queries, load_embedder, onnx_query_encoder

        onnx = onnx_query_encoder(settings)
        torch_t, onnx_t, agreement = [], [], []
        if onnx is not None:
            model = load_embedder(settings)
            for q in QUERIES[:3]:
                onnx([q]), encode_queries(model, [q])  # warm both
            for _ in range(args.encoder_repeats):
                for q in QUERIES:
                    t0 = time.perf_counter()
                    a = encode_queries(model, [q])
                    t1 = time.perf_counter()
                    b = onnx([q])
                    t2 = time.perf_counter()
                    torch_t.append(t1 - t0)
                    onnx_t.append(t2 - t1)
                    agreement.append(float(a[0] @ b[0]))
            print(f"query encoding, {len(torch_t)} calls: torch {ms(torch_t)}; ONNX Runtime {ms(onnx_t)}; "
                  f"ONNX/torch p50 {pct(onnx_t, 50) / pct(torch_t, 50):.2f}; cosine min {min(agreement):.5f}")
        else:
            print("query encoding: no verified ONNX export (run `rag setup`); torch only")

        cold = []
        rag = Path(sys.executable).with_name("rag")
        command = [str(rag)] if rag.exists() else [sys.executable, "-m", "rag.cli"]
        for _ in range(args.cold_runs):
            t0 = time.perf_counter()
            subprocess.run(command + ["search", QUERIES[0], "--index", str(settings.index_dir), "--json", "--local"],
                           check=True, capture_output=True)
            cold.append(time.perf_counter() - t0)

        peak = peak_mb()
        e50, f50, s50, b50, t50 = (pct(x, 50) for x in (embed_t, faiss_t, search_t, big_t, total_t))
        summary = [
            f"Search benchmark ({os.cpu_count()} CPUs, no GPU; {len(QUERIES)} queries in ru/en/bg/kk, k={args.k}, "
            f"model warm; load average {os.getloadavg()[0]:.1f}):",
            f"- `rag search` on the real index ({len(index.chunks)} chunks): {ms(total_t)}",
            f"- of which query embedding: {ms(embed_t)}",
            f"- of which search_store (FAISS top-{depth} + sentence rerank): {ms(search_t)}",
            f"- FAISS alone (exact inner product, top-{depth}): {ms(faiss_t)}",
            f"- share of a search: embedding {100 * e50 / t50:.1f}%, search_store {100 * s50 / t50:.2f}%, "
            f"FAISS {100 * f50 / t50:.2f}% (embedding/FAISS p50 ratio {e50 / f50:.0f}x)",
            f"- FAISS alone over {args.synthetic:,} random unit vectors (dim {dim}, top-{depth}): {ms(big_t)}; "
            f"{b50 / f50:.0f}x the real index's p50, {100 * b50 / (e50 + b50):.1f}% of a search at that size; "
            f"index memory +{index_mb:.0f} MB",
            *([f"- query encoding, one query at a time ({len(torch_t)} calls): torch p50 {1000 * pct(torch_t, 50):.0f} ms, "
               f"ONNX Runtime p50 {1000 * pct(onnx_t, 50):.0f} ms, ratio ONNX/torch "
               f"{pct(onnx_t, 50) / pct(torch_t, 50):.2f}; cosine ONNX-torch min {min(agreement):.5f}"]
              if torch_t else ["- query encoding: torch only (no verified ONNX export)"]),
            *([f"- cold `rag search` process (model load included): median {statistics.median(cold):.1f}s"]
              if cold else []),
            f"- peak RSS of the benchmark: {peak:.0f} MB",
        ]
        print("\n" + "=" * 72 + "\n" + "\n".join(summary) + "\n" + "=" * 72)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
