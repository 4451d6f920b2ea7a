"""The store backends against each other and against the reference semantics, on a real PostgreSQL server.

FAISS (an embedded folder) and PostgreSQL + pgvector must give the same answers to the same calls:
filters, nearest chunks, sentences of chunks, counts. The PostgreSQL store must also survive what a
shared database meets: a build killed halfway, a schema it did not write, several processes at once.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psycopg
import pytest

from conftest import DOCUMENTS, store_of, synthetic_corpus, synthetic_update
from rag.retrieval import search_store
from rag.settings import load_settings
from rag.store import IndexUnavailable, forget_stores, open_store
from rag.store.pgvector_store import PgVectorStore
from rag.types import Filters, SearchQuery

TESTS = Path(__file__).resolve().parent
DIM = 16


@pytest.fixture(params=["faiss", "pgvector"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def make_store(backend, request, tmp_path):
    """Build a store of the parametrised backend from chunks and sentences (random unit vectors)."""

    def make(chunks, sentences=(), dim: int = DIM, seed: int = 0):
        url = request.getfixturevalue("pg_url") if backend == "pgvector" else ""
        return store_of(tmp_path / "index", chunks, sentences, dim, seed, url=url)

    return make


@pytest.fixture
def both(tmp_path, pg_url):
    """The same synthetic corpus written to a FAISS store and to a PostgreSQL store."""
    chunks, sentences = synthetic_corpus()
    faiss_store = store_of(tmp_path / "index", chunks, sentences, DIM)
    pg_store = store_of(tmp_path / "unused", chunks, sentences, DIM, url=pg_url)
    return faiss_store, pg_store, chunks


def queries(n: int, dim: int = DIM, seed: int = 1) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def exact(store, chunks, vector, k: int, filters: Filters | None) -> list[str]:
    """The reference: brute force over the stored vectors of the chunks that pass ``Filters.allows``."""
    allowed = [c for c in chunks if filters is None or filters.allows(c)]
    vectors = store.chunk_vectors([c.chunk_id for c in allowed])
    scored = sorted(allowed, key=lambda c: -float(vectors[c.chunk_id] @ vector))
    return [c.chunk_id for c in scored[:k]]


FILTERS = {
    "none": None,
    "one-language": Filters(languages=frozenset({"kk"})),
    "two-languages": Filters(languages=frozenset({"ru", "bg"})),
    "date-from": Filters(date_from="2024-01-01"),
    "date-to": Filters(date_to="2023-06-30"),
    "date-range": Filters(date_from="2023-03-01", date_to="2024-10-31"),
    "one-day": Filters(date_from="2025-04-04", date_to="2025-04-04"),
    "docs": Filters(docs=frozenset({"ru_article_000.txt", "en_article_013.txt", "kk_article_039.txt"})),
    "no-docs": Filters(docs=frozenset()),
    "unknown-doc": Filters(docs=frozenset({"nowhere.txt"})),
    "language-and-dates": Filters(languages=frozenset({"en"}), date_from="2022-06-01", date_to="2025-12-31"),
    "empty-languages": Filters(languages=frozenset()),  # no language ticked = no language filter
}


# --- the same answers on both backends -------------------------------------------------------


@pytest.mark.parametrize("filters", FILTERS.values(), ids=FILTERS.keys())
def test_filters_give_the_reference_results(make_store, filters):
    chunks, sentences = synthetic_corpus()
    store = make_store(chunks, sentences)
    for vector in queries(5):
        hits = store.search(SearchQuery(vector, 12, filters))
        assert [c.chunk_id for _, c in hits] == exact(store, chunks, vector, 12, filters)
        assert all(filters is None or filters.allows(c) for _, c in hits)
        scores = [s for s, _ in hits]
        assert scores == sorted(scores, reverse=True)


def test_date_bounds_leave_out_undated_articles(make_store):
    chunks, sentences = synthetic_corpus()
    store = make_store(chunks, sentences)
    undated = {c.doc for c in chunks if not c.date}
    assert undated and any(c.date == "" for c in chunks) and any(c.date is None for c in chunks)
    everything = len(chunks)
    all_hits = store.search(SearchQuery(queries(1)[0], everything, None))
    assert undated <= {c.doc for _, c in all_hits}  # unfiltered, they are found
    bounded = store.search(SearchQuery(queries(1)[0], everything, Filters(date_from="1900-01-01")))
    assert bounded and not undated & {c.doc for _, c in bounded}
    assert len(bounded) == sum(1 for c in chunks if c.date)


def rare_language_corpus():
    """2000 chunks, 1 in 40 of them in Kazakh."""
    chunks, _ = synthetic_corpus(docs=400, chunks_per_doc=5, sentences_per_chunk=0)
    return [dataclasses.replace(c, language="kk" if i % 40 == 0 else "ru") for i, c in enumerate(chunks)]


def test_a_selective_filter_still_returns_k_rows(make_store):
    chunks = rare_language_corpus()
    store = make_store(chunks, dim=32)
    rare = Filters(languages=frozenset({"kk"}))
    for vector in queries(3, 32):
        hits = store.search(SearchQuery(vector, 30, rare))
        assert len(hits) == 30 and {c.language for _, c in hits} == {"kk"}
        assert [c.chunk_id for _, c in hits] == exact(store, chunks, vector, 30, rare)
    assert len(store.search(SearchQuery(queries(1, 32)[0], 500, rare))) == 50  # all there are


# The planner prefers an exact scan (or the language index) on tables this small; without the language
# index and with these options it takes the HNSW index and filters its beam, as it does on a large table.
FORCE_HNSW = "options=-c%20enable_seqscan%3Doff%20-c%20enable_bitmapscan%3Doff"


def test_hnsw_post_filtering_still_returns_k_rows(pg_url, tmp_path):
    chunks = rare_language_corpus()
    url = f"{pg_url}&{FORCE_HNSW}"
    store = store_of(tmp_path / "x", chunks, dim=32, url=url)
    vector = queries(1, 32)[0]
    with psycopg.connect(url) as conn:  # what a plain HNSW scan gives: the beam's ~100 rows, filtered afterwards
        from pgvector.psycopg import register_vector

        conn.execute("DROP INDEX diplorag_chunks_language")
        conn.commit()
        register_vector(conn)
        conn.execute("SELECT set_config('hnsw.ef_search', '100', true)")
        plain = conn.execute("SELECT chunk_id FROM diplorag_chunks WHERE language = 'kk' "
                             "ORDER BY embedding <#> %b LIMIT 30", [vector]).fetchall()
        plan = " ".join(r[0] for r in conn.execute("EXPLAIN SELECT chunk_id FROM diplorag_chunks WHERE language "
                                                   "= 'kk' ORDER BY embedding <#> %b LIMIT 30", [vector]))
    assert "diplorag_chunks_embedding" in plan and len(plain) < 30
    rare = Filters(languages=frozenset({"kk"}))
    hits = store.search(SearchQuery(vector, 30, rare))
    assert [c.chunk_id for _, c in hits] == exact(store, chunks, vector, 30, rare)
    docs = Filters(docs=frozenset(c.doc for c in chunks[:10]))  # two articles: 10 chunks, asked for 30
    assert sorted(c.chunk_id for _, c in store.search(SearchQuery(vector, 30, docs))) == sorted(
        c.chunk_id for c in chunks[:10])


def test_faiss_exact_and_pgvector_hnsw_find_the_same_top_5(tmp_path, pg_url):
    chunks, _ = synthetic_corpus(docs=400, chunks_per_doc=5, sentences_per_chunk=0)
    faiss_store = store_of(tmp_path / "index", chunks, dim=64)
    pg_store = store_of(tmp_path / "x", chunks, dim=64, url=pg_url)
    for vector in queries(20, 64):
        a = faiss_store.search(SearchQuery(vector, 5))
        b = pg_store.search(SearchQuery(vector, 5))
        assert [c.chunk_id for _, c in a] == [c.chunk_id for _, c in b]
        assert np.allclose([s for s, _ in a], [s for s, _ in b], atol=1e-5)


def test_both_backends_hold_and_return_the_same_data(both):
    faiss_store, pg_store, chunks = both
    assert faiss_store.articles() == pg_store.articles()
    assert list(faiss_store.chunks()) == list(pg_store.chunks())
    ids = [c.chunk_id for c in chunks]
    va, vb = faiss_store.chunk_vectors(ids), pg_store.chunk_vectors(ids)
    assert list(va) == list(vb) == ids and all(np.array_equal(va[i], vb[i]) for i in ids)
    vector = queries(1)[0]
    asked = ids[7:12] + ["missing#0"] + ids[:2]
    sa, sb = faiss_store.sentences(asked, vector), pg_store.sentences(asked, vector)
    assert list(sa) == list(sb) == [i for i in asked if i != "missing#0"]  # in the order asked
    for chunk_id in sa:
        assert [s.sentence for s in sa[chunk_id]] == [s.sentence for s in sb[chunk_id]]
        assert len(sa[chunk_id]) == 3  # wholly inside the chunk: the one across a boundary is in neither
        assert np.allclose([s.similarity for s in sa[chunk_id]], [s.similarity for s in sb[chunk_id]], atol=1e-6)
        assert all(isinstance(s.vector, np.ndarray) and s.vector.dtype == np.float32 for s in sb[chunk_id])
    for doc in ("ru_article_000.txt", "kk_article_039.txt"):
        a, b = faiss_store.article_sentences(doc), pg_store.article_sentences(doc)
        assert [s.sentence for s in a] == [s.sentence for s in b] and len(a) == 16
        assert all(np.array_equal(x.vector, y.vector) for x, y in zip(a, b))
    status_a, status_b = faiss_store.status(), pg_store.status()
    for field in ("articles", "chunks", "sentences", "languages", "undated"):
        assert getattr(status_a, field) == getattr(status_b, field), field
    # Retrieval's re-scoring by best sentence ranks the same on both.
    for q in queries(5, seed=9):
        ra, rb = search_store(faiss_store, q, 5), search_store(pg_store, q, 5)
        assert [h.chunk.chunk_id for h in ra.hits] == [h.chunk.chunk_id for h in rb.hits]


def test_incremental_writes_and_removals_match(both):
    faiss_store, pg_store, chunks = both
    replaced = synthetic_update([c for c in chunks if c.doc == "en_article_001.txt"], dim=DIM, seed=5)
    update = dataclasses.replace(replaced, replace_all=False, removals=("bg_article_002.txt", "ru_article_004.txt"))
    versions = {s.backend: s.version() for s in (faiss_store, pg_store)}
    seen: dict[str, list[str]] = {"faiss": [], "pgvector": []}
    for store in (faiss_store, pg_store):
        new = store.write(dataclasses.replace(update, on_article=seen[store.backend].append))
        assert new != versions[store.backend] and store.version() == new
    assert seen["faiss"] == seen["pgvector"] == ["en_article_001.txt"]
    assert faiss_store.articles() == pg_store.articles()
    assert "bg_article_002.txt" not in pg_store.articles()
    assert list(faiss_store.chunks()) == list(pg_store.chunks())
    for vector in queries(5):
        a, b = faiss_store.search(SearchQuery(vector, 10)), pg_store.search(SearchQuery(vector, 10))
        assert [c.chunk_id for _, c in a] == [c.chunk_id for _, c in b]
    assert pg_store.article_sentences("ru_article_004.txt") == [] and pg_store.status().articles == 38


def test_an_empty_store_has_nothing_and_search_says_to_build(backend, tmp_path, request):
    settings = load_settings(index_dir=tmp_path / "nothing",
                             store_url=request.getfixturevalue("pg_url") if backend == "pgvector" else "")
    store = open_store(settings)
    assert store.version() is None and store.meta() is None and store.articles() == {}
    assert list(store.chunks()) == [] and store.status().chunks == 0
    with pytest.raises(IndexUnavailable, match=r"`rag index`") as err:
        store.search(SearchQuery(queries(1)[0], 5))
    assert "--full" not in str(err.value)
    if backend == "pgvector":  # reading never creates tables
        with psycopg.connect(settings.store_url) as conn:
            assert conn.execute("SELECT to_regclass('diplorag_meta')").fetchone()[0] is None


def test_build_lock_serialises_builds(make_store):
    chunks, sentences = synthetic_corpus(docs=4)
    store = make_store(chunks, sentences)
    events: list[str] = []
    held = threading.Event()

    def first() -> None:
        with store.build_lock():
            events.append("first in")
            held.set()
            time.sleep(0.5)
            events.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(10)
    with store.build_lock():
        events.append("second in")
    thread.join()
    assert events == ["first in", "first out", "second in"]


# --- PostgreSQL: concurrency, failures, other people's databases -----------------------------------


def test_many_threads_read_at_once(both):
    _, pg_store, _ = both
    vectors = queries(40)
    expected = [[c.chunk_id for _, c in pg_store.search(SearchQuery(v, 5))] for v in vectors]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda v: [c.chunk_id for _, c in pg_store.search(SearchQuery(v, 5))], vectors))
    assert got == expected


READER = """
import json, sys
import numpy as np
from rag.settings import load_settings
from rag.store import open_store
from rag.types import SearchQuery
store = open_store(load_settings(store_url=sys.argv[1]))
vector = np.array(json.loads(sys.argv[2]), dtype=np.float32)
for line in sys.stdin:  # one "question" per line
    hits = store.search(SearchQuery(vector, 3))
    print(json.dumps({"version": store.version(), "docs": [c.doc for _, c in hits]}), flush=True)
"""


def test_a_rebuild_by_one_process_is_seen_by_another_on_its_next_question(pg_url, tmp_path):
    chunks, sentences = synthetic_corpus(docs=10)
    store = store_of(tmp_path / "x", chunks, sentences, DIM, url=pg_url)
    vector = queries(1)[0]
    reader = subprocess.Popen([sys.executable, "-c", READER, pg_url, json.dumps(vector.tolist())],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        def ask() -> dict:
            reader.stdin.write("?\n")
            reader.stdin.flush()
            return json.loads(reader.stdout.readline())

        before = ask()
        assert before["version"] == store.version() and len(before["docs"]) == 3
        # Another corpus entirely, written by this process while the reader stays up.
        renamed = [dataclasses.replace(c, doc="new_" + c.doc, chunk_id="new_" + c.chunk_id) for c in chunks]
        new_sentences = [dataclasses.replace(s, doc="new_" + s.doc) for s in sentences]
        store.write(synthetic_update(renamed, new_sentences, DIM, seed=3))
        after = ask()
        assert after["version"] == store.version() != before["version"]
        assert all(d.startswith("new_") for d in after["docs"])
        assert after["docs"] == [c.doc for _, c in store.search(SearchQuery(vector, 3))]
    finally:
        reader.stdin.close()
        reader.wait(30)


def corrupt_schema_version(conn) -> None:
    conn.execute("UPDATE diplorag_meta SET schema_version = 99")


def drop_sentences(conn) -> None:
    conn.execute("DROP TABLE diplorag_sentences")


def foreign_column(conn) -> None:
    conn.execute("ALTER TABLE diplorag_chunks ADD COLUMN tenant integer")


def delete_meta_row(conn) -> None:
    conn.execute("DELETE FROM diplorag_meta")


# damage, the reason given, whether a store already running notices it on its next question (an extra
# column is harmless to the queries it runs; a process started afterwards checks the whole layout).
SCHEMA_DAMAGE = {
    "wrong-schema-version": (corrupt_schema_version, r"schema version 99, this code reads schema version 1", True),
    "missing-table": (drop_sentences, r"diplorag_sentences", True),
    "foreign-columns": (foreign_column, r"table diplorag_chunks has columns", False),
    "no-meta-row": (delete_meta_row, r"diplorag_meta has no row", True),
}
ADVICE = r"`rag index --full --store postgresql://postgres@.*`.*DROP TABLE diplorag_sentences"


@pytest.mark.parametrize("damage, reason, running_notices", SCHEMA_DAMAGE.values(), ids=SCHEMA_DAMAGE.keys())
def test_an_incompatible_schema_is_refused_with_advice_and_a_full_rebuild_repairs_it(pg_url, tmp_path, damage,
                                                                                    reason, running_notices):
    chunks, sentences = synthetic_corpus(docs=6)
    store = store_of(tmp_path / "x", chunks, sentences, DIM, url=pg_url)
    search_store(store, queries(1)[0], 3)  # the running store has checked the layout already
    with psycopg.connect(pg_url, autocommit=True) as conn:
        damage(conn)
    if running_notices:  # the next question of a running app
        with pytest.raises(IndexUnavailable, match=rf"{reason}.*{ADVICE}"):
            store.version()
            search_store(store, queries(1)[0], 3)
    forget_stores()  # a process started now
    store = open_store(load_settings(store_url=pg_url))
    with pytest.raises(IndexUnavailable, match=rf"{reason}.*{ADVICE}"):
        store.version()
    with pytest.raises(IndexUnavailable, match=ADVICE):
        store.search(SearchQuery(queries(1)[0], 3))
    with pytest.raises(IndexUnavailable, match=r"rag index --full"):  # an incremental write refuses too
        store.write(dataclasses.replace(synthetic_update(chunks[:5], sentences[:3], DIM), replace_all=False))
    store.write(synthetic_update(chunks, sentences, DIM))  # what `rag index --full` does
    assert store.status().chunks == len(chunks) and len(store.search(SearchQuery(queries(1)[0], 3))) == 3


def test_a_foreign_table_of_the_same_name_is_not_read_as_an_index(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE diplorag_chunks (id serial PRIMARY KEY, body text)")
    store = open_store(load_settings(store_url=pg_url))
    with pytest.raises(IndexUnavailable, match=r"tables diplorag_meta, diplorag_articles, diplorag_sentences missing"):
        store.meta()


def test_an_unreachable_server_or_a_missing_database_says_what_to_check(pg_server, tmp_path):
    missing = pg_server.url("no_such_database")
    with pytest.raises(IndexUnavailable, match=r'database "no_such_database" does not exist.*database exists'):
        PgVectorStore(missing).version()
    nobody = f"postgresql://postgres@/postgres?host={tmp_path}"  # no server listens on a socket there
    with pytest.raises(IndexUnavailable, match=r"Check that the server is running"):
        PgVectorStore(nobody).search(SearchQuery(queries(1)[0], 3))


def test_location_never_shows_the_password():
    store = PgVectorStore("postgresql://reader:s3cret@db.example.org:5433/press?sslmode=require")
    assert store.location() == "postgresql://reader@db.example.org:5433/press?sslmode=require"
    assert "s3cret" not in PgVectorStore("postgresql://u@h/db?password=s3cret&sslmode=require").location()


# --- kill -9 during a build -----------------------------------------------------------------------

# Writes a full rebuild of made-up data (no model), pausing inside the transaction after its second
# article, so that the SIGKILL lands halfway through a write.
PAUSED_FULL_WRITE = """
import sys, time
sys.path.insert(0, sys.argv[2])
from conftest import synthetic_corpus, synthetic_update
from rag.settings import load_settings
from rag.store import open_store
import rag.store.pgvector_store as backend
insert = backend.PgVectorStore._insert
done = []
def paused(conn, data, dim):
    insert(conn, data, dim)
    done.append(data.record.doc)
    if len(done) == 2:
        print("PAUSED-WRITING", done, file=sys.stderr, flush=True)
        time.sleep(600)
backend.PgVectorStore._insert = staticmethod(paused)
store = open_store(load_settings(store_url=sys.argv[1]))
chunks, sentences = synthetic_corpus(docs=6, seed=1)
with store.build_lock():
    store.write(synthetic_update(chunks, sentences, 16, seed=7))
"""

# `rag index` as the CLI runs it, pausing after the second changed article's rows are inserted
# (the first one's transaction has committed; the second one's is open).
PAUSED_INDEX = """
import sys, time
import rag.store.pgvector_store as backend
insert = backend.PgVectorStore._insert
done = []
def paused(conn, data, dim):
    insert(conn, data, dim)
    done.append(data.record.doc)
    if len(done) == 2:
        print("PAUSED-WRITING", done, file=sys.stderr, flush=True)
        time.sleep(600)
backend.PgVectorStore._insert = staticmethod(paused)
from rag.cli import main
sys.exit(main(sys.argv[1:]))
"""


def start_and_kill(argv: list[str], log: Path, marker: str, check=None, timeout: float = 300) -> str:
    """Run ``argv`` (stderr to ``log``); once ``marker`` appears, call ``check()`` while it is paused, then SIGKILL it."""
    with log.open("w") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while marker not in log.read_text(errors="replace"):
            assert proc.poll() is None, f"finished before it could be killed:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no {marker!r} after {timeout}s:\n{log.read_text()}"
            time.sleep(0.05)
        if check:
            check()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    return log.read_text(errors="replace")


def snapshot(store) -> dict:
    """Everything a reader can see, per article."""
    return {doc: (record, [c for c in store.chunks() if c.doc == doc], [s.sentence for s in store.article_sentences(doc)])
            for doc, record in store.articles().items()}


def test_a_killed_full_rebuild_leaves_the_previous_state_whole(pg_url, tmp_path):
    chunks, sentences = synthetic_corpus(docs=6)
    store = store_of(tmp_path / "x", chunks, sentences, DIM, url=pg_url)
    before, version = snapshot(store), store.version()
    hits = store.search(SearchQuery(queries(1)[0], 5))

    def while_paused() -> None:  # the writer holds an open transaction with two new articles in it
        assert snapshot(store) == before and store.version() == version
        assert store.search(SearchQuery(queries(1)[0], 5)) == hits  # readers are not blocked

    log = start_and_kill([sys.executable, "-c", PAUSED_FULL_WRITE, pg_url, str(TESTS)], tmp_path / "w.log",
                         "PAUSED-WRITING", while_paused, timeout=120)
    assert "PAUSED-WRITING" in log
    forget_stores()
    store = open_store(load_settings(store_url=pg_url))
    assert snapshot(store) == before and store.version() == version
    with store.build_lock():  # the killed session's advisory lock was released with it
        pass


@pytest.mark.model
def test_a_killed_rag_index_never_shows_half_an_article(small_corpus, pg_url, tmp_path, capsys):
    from rag import cli
    from rag.index import build_index
    from rag.retrieval import retrieve

    settings = dataclasses.replace(small_corpus, store_url=pg_url)
    build_index(settings, progress=False)
    store = open_store(settings)
    before = snapshot(store)
    edited = sorted(before)[1:]  # the 2nd and 3rd articles: the 2nd is written, then the 3rd is interrupted
    marker = "The ministry later confirmed that a second round of talks will take place in Almaty in October."
    for doc in edited:
        path = settings.documents_dir / doc
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\n\n", "\n\n" + marker + "\n\n", 1), encoding="utf-8")
    args = ["index", "--documents", str(settings.documents_dir), "--store", pg_url]

    def whole() -> None:
        now = snapshot(store)
        assert sorted(now) == sorted(before)
        for doc, (record, chunks, sentences) in now.items():
            old = before[doc][0].content_hash == record.content_hash
            assert (record, chunks, sentences) == before[doc] if old else marker in chunks[0].text, doc
            assert [c.chunk_id for c in chunks] == list(record.chunk_ids) and sentences
        assert now[edited[0]][0].content_hash != before[edited[0]][0].content_hash  # committed
        assert now[edited[1]] == before[edited[1]]  # in flight: still the old article, all of it
        assert retrieve(settings, "Bulgaria Kazakhstan ports Trans-Caspian route", k=3)

    start_and_kill([sys.executable, "-c", PAUSED_INDEX, *args], tmp_path / "index.log", "PAUSED-WRITING", whole)
    forget_stores()
    store = open_store(settings)
    whole()
    # The next build finds the interrupted article still to do, and only it.
    capsys.readouterr()
    assert cli.main([*args, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["updated"] == 1 and summary["unchanged"] == 2
    assert all(marker in snapshot(store)[doc][1][0].text for doc in edited)
