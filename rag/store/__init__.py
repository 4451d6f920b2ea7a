"""Where chunks, sentences and their vectors live: one interface (:class:`Store`), two backends.

* ``faiss`` (default): an embedded, versioned folder (``settings.index_dir``) searched with FAISS;
  no server. See :mod:`rag.store.faiss_store`.
* ``pgvector``: PostgreSQL with the pgvector extension, chosen by ``RAG_STORE_URL`` /
  ``--store postgresql://…``, for large corpora and several app processes. See
  :mod:`rag.store.pgvector_store`.

Only the backends import ``faiss`` or ``psycopg``; everything else asks :func:`open_store`.
"""

from __future__ import annotations

import threading

from rag.settings import Settings
from rag.store.base import ArticleData, IndexUnavailable, Store, StoreUpdate

__all__ = ["ArticleData", "IndexUnavailable", "Store", "StoreUpdate", "open_store", "store_key"]

_lock = threading.Lock()
_open: dict[tuple[str, str], Store] = {}


def store_key(settings: Settings) -> tuple[str, str]:
    """Which store ``settings`` point at: ("pgvector", url) or ("faiss", index folder)."""
    url = settings.store_url.strip()
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            raise IndexUnavailable(f"Unknown store URL {url!r}: use postgresql://user@host/db, or leave "
                                   "RAG_STORE_URL empty for the embedded FAISS index.")
        return "pgvector", url
    return "faiss", str(settings.index_dir.expanduser().resolve())


def open_store(settings: Settings) -> Store:
    """The store ``settings`` point at, opened once per process and shared (backends are thread-safe)."""
    key = store_key(settings)
    with _lock:
        store = _open.get(key)
        if store is None:
            if key[0] == "pgvector":
                try:
                    from rag.store.pgvector_store import PgVectorStore
                except ImportError as exc:
                    raise IndexUnavailable(f"The PostgreSQL store needs {exc.name or 'psycopg'}: install it with "
                                           "`pip install 'diplorag[pgvector]'` (psycopg, psycopg-pool, pgvector), "
                                           "or leave RAG_STORE_URL empty for the FAISS index.") from exc

                store = PgVectorStore(key[1], settings)
            else:
                from rag.store.faiss_store import FaissStore

                store = FaissStore(settings.index_dir, settings)
            _open[key] = store
        return store


def forget_stores() -> None:
    """Close and forget every opened store (tests; a process that changes settings)."""
    with _lock:
        for store in _open.values():
            close = getattr(store, "close", None)
            if close:
                close()
        _open.clear()
