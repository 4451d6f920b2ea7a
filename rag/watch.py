"""The index follows the documents folder: notice added, changed and removed articles and update the index.

The folder is polled (by default every second): the article files' names, sizes and
modification times are compared with the last look. Polling rather than inotify (watchdog)
because it needs nothing installed, works the same on network and container-mounted folders
where file events are unreliable, and a press-release folder is small enough that a look costs
microseconds. A change starts a quiet period (``debounce`` seconds): a burst of files (a
``rag fetch`` run, a copied folder) gives one build, run once the folder has been still that long.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rag.articles import list_article_paths
from rag.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 1.0
DEFAULT_DEBOUNCE = 2.0

Snapshot = dict[str, tuple[int, int]]  # file name -> (size, mtime in ns)


@dataclass(frozen=True)
class FolderChanges:
    """What changed in the folder between two looks (file names, sorted)."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def describe(self) -> str:
        parts = [f"{name} {', '.join(files[:5])}" + (f" and {len(files) - 5} more" if len(files) > 5 else "")
                 for name, files in
                 (("added", self.added), ("changed", self.changed), ("removed", self.removed)) if files]
        return "; ".join(parts) or "start-up (catching up)"


def snapshot(directory: Path) -> Snapshot:
    """The article files of ``directory`` (as the indexer lists them) with size and modification time."""
    found: Snapshot = {}
    try:
        paths = list_article_paths(directory)
    except OSError:
        return found  # the folder is missing right now: it has no articles
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue  # removed between listing and stat
        found[path.name] = (stat.st_size, stat.st_mtime_ns)
    return found


def compare(before: Snapshot, after: Snapshot) -> FolderChanges:
    """The difference between two snapshots."""
    return FolderChanges(
        added=tuple(sorted(set(after) - set(before))),
        changed=tuple(sorted(n for n in set(after) & set(before) if after[n] != before[n])),
        removed=tuple(sorted(set(before) - set(after))),
    )


def _default_build(settings: Settings):
    from rag.index import build_index
    from rag.ui.uploads import INDEX_LOCK  # one build at a time in this process (the app's uploads too)

    with INDEX_LOCK:
        return build_index(settings, full=False, progress=False)


def watch_folder(settings: Settings, stop: threading.Event,
                 on_change: Callable[[FolderChanges, object], None] | None = None, *,
                 interval: float = DEFAULT_INTERVAL, debounce: float = DEFAULT_DEBOUNCE,
                 build: Callable[[Settings], object] | None = None, initial_build: bool = False) -> None:
    """Watch ``settings.documents_dir`` until ``stop`` is set, running the incremental index after changes.

    ``build(settings)`` defaults to :func:`rag.index.build_index`; it runs once the folder has
    been unchanged for ``debounce`` seconds after a change, and ``on_change(changes, result)``
    is called after it (``result`` is the build's report, or the exception it raised: a failed
    build is logged and the watch goes on; the next change tries again). With
    ``initial_build`` a build runs first, to take in what changed while nobody watched.
    Safe to run in a thread: the app starts it with its own ``stop`` event.
    """
    build = build or _default_build
    directory = settings.documents_dir

    def run(changes: FolderChanges) -> None:
        try:
            result = build(settings)
        except Exception as exc:  # noqa: BLE001 - keep watching; the log says what failed
            log.error("updating the index after %s failed: %s", changes.describe(), exc)
            result = exc
        else:
            summary = getattr(result, "summary", None)
            log.info("index updated after %s: %s", changes.describe(), summary() if callable(summary) else result)
        if on_change is not None:
            on_change(changes, result)

    seen = snapshot(directory)
    if initial_build:
        run(FolderChanges())  # catching up with what changed while nobody watched
    pending = FolderChanges()
    base = seen  # the folder as the last build saw it
    last_change = 0.0
    while not stop.wait(interval):
        now_seen = snapshot(directory)
        if now_seen != seen:
            seen = now_seen
            last_change = time.monotonic()
            pending = compare(base, seen)
            log.info("documents changed (%s); indexing when quiet for %.0fs", pending.describe(), debounce)
            continue
        if pending and time.monotonic() - last_change >= debounce:
            changes, pending, base = pending, FolderChanges(), seen
            run(changes)
