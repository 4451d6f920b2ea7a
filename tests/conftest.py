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
