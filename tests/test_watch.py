"""`rag watch`: the folder's changes are noticed and indexed once, after the folder goes quiet."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from rag.settings import load_settings
from rag.watch import FolderChanges, compare, snapshot, watch_folder

DOCUMENTS = Path(__file__).resolve().parent.parent / "documents"
ARTICLE = "Headline of a test release\ndate: 2025-01-02\nlanguage: en\n\nThe body of the test release is here.\n"


class Watcher:
    """watch_folder in a thread with a build function that records what it was called for."""

    def __init__(self, settings, build=None, debounce: float = 0.4) -> None:
        self.calls: list[FolderChanges] = []
        self.results: list[object] = []
        self.done = threading.Event()
        self.stop = threading.Event()
        self._build = build or (lambda s: f"built {len(self.calls)}")

        def on_change(changes, result):
            self.calls.append(changes)
            self.results.append(result)
            self.done.set()

        self.thread = threading.Thread(target=watch_folder, args=(settings, self.stop, on_change),
                                       kwargs={"interval": 0.05, "debounce": debounce, "build": self._build},
                                       daemon=True)

    def __enter__(self) -> Watcher:
        self.thread.start()
        time.sleep(0.15)  # the first look
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "the watcher did not stop"

    def wait(self, timeout: float = 10.0) -> FolderChanges:
        assert self.done.wait(timeout), "no build after the change"
        self.done.clear()
        return self.calls[-1]


@pytest.fixture
def settings(tmp_path):
    (tmp_path / "documents").mkdir()
    return load_settings(documents_dir=tmp_path / "documents", index_dir=tmp_path / "index")


def test_snapshot_and_compare(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b.html").write_text("<p>x</p>")
    (tmp_path / ".fetch-state.json").write_text("{}")
    (tmp_path / "notes.md").write_text("x")
    before = snapshot(tmp_path)
    assert set(before) == {"a.txt", "b.html"}
    (tmp_path / "a.txt").write_text(ARTICLE + "More.\n")
    (tmp_path / "b.html").unlink()
    (tmp_path / "c.htm").write_text("<p>y</p>")
    assert compare(before, snapshot(tmp_path)) == FolderChanges(added=("c.htm",), changed=("a.txt",),
                                                                removed=("b.html",))
    assert not compare(before, before)
    assert snapshot(tmp_path / "missing") == {}


def test_a_burst_of_files_gives_one_build_after_the_quiet_period(settings):
    docs = settings.documents_dir
    with Watcher(settings) as w:
        started = time.monotonic()
        for i in range(3):
            (docs / f"a{i}.txt").write_text(ARTICLE)
            time.sleep(0.1)  # less than the debounce: still one burst
        changes = w.wait()
        assert time.monotonic() - started >= 0.4 + 0.2  # not before the folder was quiet for the debounce
        assert changes == FolderChanges(added=("a0.txt", "a1.txt", "a2.txt"))
        assert len(w.calls) == 1

        (docs / "a1.txt").write_text(ARTICLE + "Changed.\n")
        (docs / "a2.txt").unlink()
        assert w.wait() == FolderChanges(changed=("a1.txt",), removed=("a2.txt",))
        # files the indexer does not read change nothing
        (docs / ".fetch-state.json").write_text("{}")
        (docs / "notes.md").write_text("x")
        time.sleep(0.8)
        assert len(w.calls) == 2


def test_a_failed_build_is_reported_and_watching_goes_on(settings):
    docs = settings.documents_dir
    attempts = []

    def build(s):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("the model is missing")
        return "ok"

    with Watcher(settings, build=build, debounce=0.1) as w:
        (docs / "a.txt").write_text(ARTICLE)
        w.wait()
        assert isinstance(w.results[-1], RuntimeError)
        (docs / "b.txt").write_text(ARTICLE)
        assert w.wait() == FolderChanges(added=("b.txt",))
        assert w.results[-1] == "ok"


def test_initial_build_catches_up(settings):
    stop = threading.Event()
    seen = []

    def build(s):
        seen.append(s.documents_dir)
        stop.set()

    watch_folder(settings, stop, build=build, interval=0.05, initial_build=True)
    assert seen == [settings.documents_dir]


@pytest.mark.model
def test_a_dropped_file_becomes_answerable_without_a_restart(small_corpus):
    from rag.index import build_index
    from rag.store import open_store
    from rag.retrieval import retrieve

    build_index(small_corpus, progress=False)
    stop = threading.Event()
    done = threading.Event()
    results = []
    thread = threading.Thread(target=watch_folder, args=(small_corpus, stop, lambda c, r: (results.append(r), done.set())),
                              kwargs={"interval": 0.1, "debounce": 0.5}, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)
        name = "en_hungary_vassilenko_stifter_budapest_2024-05-12.txt"
        tmp = small_corpus.documents_dir / ".incoming.tmp"
        shutil.copy2(DOCUMENTS / name, tmp)
        os.replace(tmp, small_corpus.documents_dir / name)  # as rag fetch and uploads write: atomically
        assert done.wait(120), "the watcher did not index the dropped file"
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not isinstance(results[0], Exception), results[0]
    assert results[0].added == [name]
    assert name in open_store(small_corpus).articles()
    hits = retrieve(small_corpus, "Vassilenko Stifter Budapest", 3)
    assert hits[0].chunk.doc == name
