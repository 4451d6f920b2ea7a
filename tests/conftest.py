"""Shared fixtures: a full index of the real documents (built once per session) and a tiny corpus."""

from __future__ import annotations

import shutil
import socket
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


def store_of(index_dir: Path, chunks, sentences=(), dim: int = 3, seed: int = 0):
    """A real FAISS store in ``index_dir`` holding ``chunks`` (and ``sentences``) with random unit vectors:
    for tests of the layers above the store that need no embedding model."""
    import numpy as np

    from rag.store import ArticleData, StoreUpdate
    from rag.store.faiss_store import FaissStore
    from rag.types import ArticleRecord

    rng = np.random.default_rng(seed)

    def unit(n: int) -> np.ndarray:
        v = rng.normal(size=(n, dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    data = []
    for doc in sorted({c.doc for c in chunks}):
        mine = [c for c in chunks if c.doc == doc]
        sents = [s for s in sentences if s.doc == doc]
        record = ArticleRecord(doc, mine[0].title, mine[0].date, mine[0].source, mine[0].language, doc,
                               tuple(c.chunk_id for c in mine), mine[0].url)
        data.append(ArticleData(record, tuple(mine), unit(len(mine)), tuple(sents), unit(len(sents))))
    store = FaissStore(index_dir, load_settings(index_dir=index_dir))
    store.write(StoreUpdate({"dim": dim}, tuple(data), replace_all=True))
    return store
