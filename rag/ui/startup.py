"""Getting the app ready after its page is already up: model, index build, warm-up, in a background thread.

``python app.py`` opens its port at once; :class:`Startup` then provisions the embedding model,
builds (or updates) the index with progress reports and loads both. The page polls
:meth:`Startup.snapshot` for its status line, and :meth:`Startup.not_ready_reason` tells the chat
whether a question can be answered yet.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from rag.i18n import message
from rag.settings import Settings

log = logging.getLogger("rag.app")

# Stages in order; questions are answered from "ready" (or "failed" when an older index exists).
STAGES = ("starting", "model", "reading", "embedding", "writing", "loading", "ready", "failed")


@dataclass(frozen=True)
class Snapshot:
    """The state of the preparation at one moment."""

    stage: str
    progress: dict = field(default_factory=dict)  # the last on_progress dict of build_index
    error: str | None = None
    seconds: float = 0.0  # since the preparation started

    @property
    def done(self) -> bool:
        return self.stage in ("ready", "failed")


class Startup:
    """The app's preparation, run once per process by :meth:`start`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._state = Snapshot("starting")
        self._started = time.monotonic()
        self._thread: threading.Thread | None = None

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(self._state.stage, dict(self._state.progress), self._state.error,
                            time.monotonic() - self._started)

    def _set(self, stage: str, progress: dict | None = None, error: str | None = None) -> None:
        with self._lock:
            self._state = Snapshot(stage, progress if progress is not None else self._state.progress, error)

    def start(self) -> threading.Thread:
        """Start preparing in a daemon thread (once); returns the thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name="prepare", daemon=True)
            self._thread.start()
        return self._thread

    def wait(self, timeout: float | None = None) -> Snapshot:
        """Block until the preparation is done (for tests and scripts)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.snapshot()

    def run(self) -> None:
        """Provision the model, build or update the index, load both; failures end in stage "failed"."""
        from rag.embedding import provision_model
        from rag.index import build_index
        from rag.retrieval import embed_query
        from rag.store import open_store
        from rag.ui.uploads import INDEX_LOCK

        settings = self.settings
        try:
            self._set("model")
            provision_model(settings)
            self._set("reading")
            if open_store(settings).version() is None:
                print(f"No index in {open_store(settings).location()}: building it from {settings.documents_dir} "
                      "(the page shows the progress)…", flush=True)
            with INDEX_LOCK:  # never at the same time as an upload's incremental build
                report = build_index(settings, progress=True, on_progress=self._on_progress)
            s = report.summary()
            print(f"Index ready: {s['documents']} articles, {s['chunks']} chunks "
                  f"({s['added']} added, {s['updated']} updated, {s['removed']} removed).", flush=True)
            for skipped in report.skipped:
                print(f"  skipped {skipped.path}: {skipped.reason}", flush=True)
            self._set("loading")
            open_store(settings).status()
            embed_query(settings, "warm-up")
            self._set("ready")
            log.info("Ready to answer (prepared in %.1f s)", self.snapshot().seconds)
        except Exception as exc:  # noqa: BLE001 - shown on the page and logged; the app keeps serving
            reason = str(exc) or type(exc).__name__
            log.error("The index could not be built: %s", reason)
            self._set("failed", error=reason)

    def _on_progress(self, progress: dict) -> None:
        stage = progress.get("stage")
        self._set("loading" if stage == "done" else stage if stage in STAGES else "reading", progress)

    def not_ready_reason(self, language: str) -> str | None:
        """None when a question can be answered now, else why not, in ``language``."""
        from rag.store import IndexUnavailable, open_store
        from rag.ui.render import describe_progress

        state = self.snapshot()
        if state.stage == "ready":
            return None
        try:
            has_index = open_store(self.settings).version() is not None
        except IndexUnavailable:
            has_index = False
        if state.stage == "failed":
            return None if has_index else message("build_failed", language, reason=state.error)
        if state.stage in ("starting", "model"):
            return message("not_ready_model", language)
        if has_index:  # an older index answers while the new one is built or loaded
            return None
        return message("not_ready_building", language, progress=describe_progress(state.progress, language))
