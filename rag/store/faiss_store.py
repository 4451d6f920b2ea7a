"""The embedded store: a versioned folder of JSONL, numpy arrays and a FAISS index.

Layout of the index directory::

    CURRENT              name of the live version directory (replaced atomically)
    v-<stamp>/           one complete version:
        manifest.json    what the vectors were made with (model, chunking, sentence layout, dim),
                         every article's record (content hash, metadata, chunk ids)
        chunks.jsonl     chunk texts and metadata, row i = FAISS id i
        embeddings.npy   the chunk vectors (kept so that unchanged articles are never re-embedded,
                         whatever FAISS structure serves the search)
        vectors.faiss    the search structure (exact, HNSW or IVF, by ``settings.faiss_index``)
        sentences.jsonl  every sentence of every article (document offsets), and
        sentence_embeddings.npy  their vectors
    .lock                held while a build runs

A write builds a whole new version beside the live one and only then points CURRENT at it, so an
interrupted or failed build leaves the previous version usable. Readers load a version once and
reload when CURRENT changes (hot reload after a rebuild).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Sequence

import faiss
import numpy as np

from rag.settings import Settings
from rag.store.base import ArticleData, IndexUnavailable, StoreUpdate
from rag.types import ArticleRecord, Chunk, ScoredSentence, SearchQuery, Sentence, StoreStatus

log = logging.getLogger(__name__)

FORMAT = 1
CURRENT = "CURRENT"
# Approximate structures need enough vectors to be worth it (and IVF needs them to train):
# below this many chunks the exact index is used whatever the setting says.
APPROXIMATE_MIN_VECTORS = 10_000


def make_faiss_index(vectors: np.ndarray, kind: str = "flat", *, hnsw_m: int = 32, ef_search: int = 128,
                     nprobe: int = 64) -> faiss.Index:
    """The search structure over normalised ``vectors`` (inner product = cosine).

    ``flat`` is exact. ``hnsw`` (graph, no training) and ``ivf-sq8`` / ``ivf-pq`` (inverted lists with
    scalar or product quantisation, trained on the vectors) trade a little recall for speed and memory
    on large corpora; their recall against exact search is measured by ``bench/bench_store.py``
    (at 1M clustered chunks, ivf-sq8 with ~1000 lists reaches recall@10 0.94 at nprobe 16, 0.96 at 64).
    """
    n, dim = (vectors.shape if vectors.ndim == 2 else (0, 768))
    if kind == "flat" or n < APPROXIMATE_MIN_VECTORS:
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = ef_search
    elif kind in ("ivf-sq8", "ivf-pq"):
        # ~sqrt(n) lists, trained on 40 vectors per list (what k-means needs): at 1M chunks 4*sqrt(n) lists
        # trained on 64 per list took many minutes on 2 cores for no better recall at the same scan size.
        nlist = max(16, min(4096, int(np.sqrt(n))))
        quantizer = faiss.IndexFlatIP(dim)
        if kind == "ivf-sq8":
            index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                                  faiss.METRIC_INNER_PRODUCT)
        else:
            index = faiss.IndexIVFPQ(quantizer, dim, nlist, 96, 8, faiss.METRIC_INNER_PRODUCT)
        sample = vectors[np.sort(np.random.default_rng(0).choice(n, size=min(n, 40 * nlist), replace=False))]
        index.train(sample)
        index.nprobe = nprobe
    else:
        raise ValueError(f"unknown faiss_index {kind!r}: use flat, hnsw, ivf-sq8 or ivf-pq")
    if n:
        index.add(vectors)
    return index


def current_version(index_dir: Path) -> str | None:
    """The live version's name, or None when no index has been built."""
    try:
        return (index_dir / CURRENT).read_text().strip() or None
    except OSError:
        return None


@dataclass
class Snapshot:
    """One index version in memory (immutable once loaded; shared by every reader thread)."""

    version: str
    path: Path
    manifest: dict
    chunks: list[Chunk]
    embeddings: np.ndarray
    faiss_index: faiss.Index
    sentences: list[Sentence]
    sentence_embeddings: np.ndarray
    chunk_row: dict[str, int] = field(default_factory=dict)
    sentence_rows: dict[str, list[int]] = field(default_factory=dict)  # doc -> rows of its sentences

    def __post_init__(self) -> None:
        self.chunk_row = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        for row, sentence in enumerate(self.sentences):
            self.sentence_rows.setdefault(sentence.doc, []).append(row)

    @property
    def documents(self) -> dict[str, dict]:
        return self.manifest["documents"]

    def sentences_in(self, chunk: Chunk) -> list[int]:
        """Rows of the sentences that lie wholly inside ``chunk``."""
        return [r for r in self.sentence_rows.get(chunk.doc, ())
                if self.sentences[r].start >= chunk.start and self.sentences[r].end <= chunk.end]


def load_snapshot(index_dir: Path, faiss_kind: str | None = None) -> Snapshot:
    """Load the live version; raise IndexUnavailable with what to do."""
    for attempt in range(3):
        version = current_version(index_dir)
        if version is None:
            raise IndexUnavailable(f"No index in {index_dir}. Build it with `rag index` (or `make run`).")
        path = index_dir / version
        try:
            return _load_version(path, version, faiss_kind)
        except FileNotFoundError:
            if current_version(index_dir) != version and attempt < 2:
                continue  # a build swapped versions while we were reading: read the new one
            raise IndexUnavailable(f"The index in {index_dir} is incomplete ({path} is missing files). "
                                   "Rebuild it with `rag index --full`.") from None
        except (ValueError, KeyError, TypeError, RuntimeError, OSError) as exc:
            raise IndexUnavailable(f"The index in {index_dir} is corrupt or incompatible ({exc}). "
                                   "Rebuild it with `rag index --full`.") from exc
    raise AssertionError("unreachable")


def _load_version(path: Path, version: str, faiss_kind: str | None) -> Snapshot:
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValueError(f"index format {manifest.get('format')}, this code reads format {FORMAT}")
    with (path / "chunks.jsonl").open(encoding="utf-8") as fh:
        chunks = [Chunk(**json.loads(line)) for line in fh if line.strip()]
    embeddings = np.load(path / "embeddings.npy", allow_pickle=False)
    index = faiss.read_index(str(path / "vectors.faiss"))
    if index.ntotal != len(chunks) or len(embeddings) != len(chunks):
        raise ValueError(f"{index.ntotal} vectors, {len(embeddings)} embeddings but {len(chunks)} chunks")
    if faiss_kind and manifest.get("faiss_index", "flat") != faiss_kind and len(chunks) >= APPROXIMATE_MIN_VECTORS:
        log.info("The index was written with faiss_index=%s; building %s in memory", manifest.get("faiss_index"),
                 faiss_kind)
        index = make_faiss_index(embeddings, faiss_kind)
    with (path / "sentences.jsonl").open(encoding="utf-8") as fh:
        sentences = [Sentence(**json.loads(line)) for line in fh if line.strip()]
    sentence_embeddings = np.load(path / "sentence_embeddings.npy", allow_pickle=False)
    if len(sentence_embeddings) != len(sentences):
        raise ValueError(f"{len(sentence_embeddings)} sentence vectors but {len(sentences)} sentences")
    return Snapshot(version, path, manifest, chunks, embeddings, index, sentences, sentence_embeddings)


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _stack(rows: list[np.ndarray], dim: int) -> np.ndarray:
    return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)


class FaissStore:
    """The default store: embedded, no server; versioned writes swapped in atomically."""

    backend = "faiss"

    def __init__(self, index_dir: Path, settings: Settings) -> None:
        self.index_dir = Path(index_dir)
        self.faiss_kind = settings.faiss_index
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    # --- reading ------------------------------------------------------------------------------

    def location(self) -> str:
        return str(self.index_dir)

    def version(self) -> str | None:
        return current_version(self.index_dir)

    def snapshot(self) -> Snapshot:
        """The live version in memory, reloaded when a build has swapped in a new one."""
        with self._lock:
            live = current_version(self.index_dir)
            if self._snapshot is None or self._snapshot.version != live:
                self._snapshot = load_snapshot(self.index_dir, self.faiss_kind)
            return self._snapshot

    def meta(self) -> dict | None:
        if current_version(self.index_dir) is None:
            return None
        manifest = self.snapshot().manifest
        return {k: v for k, v in manifest.items() if k != "documents"}

    def articles(self) -> dict[str, ArticleRecord]:
        if current_version(self.index_dir) is None:
            return {}
        return {doc: ArticleRecord.from_dict(doc, entry) for doc, entry in self.snapshot().documents.items()}

    def search(self, query: SearchQuery) -> list[tuple[float, Chunk]]:
        snap = self.snapshot()
        total = snap.faiss_index.ntotal
        if total == 0 or query.k <= 0:
            return []
        vector = np.asarray(query.vector, dtype=np.float32).reshape(1, -1)
        filters = query.filters if query.filters and query.filters.active else None
        want = min(total, query.k if filters is None else max(query.k * 20, 200))
        while True:  # post-filtering: widen the search until enough chunks pass the filters
            scores, ids = snap.faiss_index.search(vector, want)
            hits = [(float(s), snap.chunks[i]) for s, i in zip(scores[0], ids[0]) if i >= 0]
            if filters is not None:
                hits = [(s, c) for s, c in hits if filters.allows(c)]
            if len(hits) >= query.k or want >= total:
                return hits[:query.k]
            want = min(total, want * 4)

    def sentences(self, chunk_ids: Sequence[str], vector: np.ndarray | None) -> dict[str, list[ScoredSentence]]:
        snap = self.snapshot()
        out: dict[str, list[ScoredSentence]] = {}
        q = None if vector is None else np.asarray(vector, dtype=np.float32).reshape(-1)
        for chunk_id in chunk_ids:
            row = snap.chunk_row.get(chunk_id)
            if row is None:
                continue
            rows = snap.sentences_in(snap.chunks[row])
            vecs = snap.sentence_embeddings[rows]
            sims = vecs @ q if q is not None and rows else np.zeros(len(rows), np.float32)
            out[chunk_id] = [ScoredSentence(snap.sentences[r], chunk_id, float(s), vecs[i])
                             for i, (r, s) in enumerate(zip(rows, sims))]
        return out

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        snap = self.snapshot()
        return {c: snap.embeddings[snap.chunk_row[c]] for c in chunk_ids if c in snap.chunk_row}

    def article_sentences(self, doc: str) -> list[ScoredSentence]:
        snap = self.snapshot()
        return [ScoredSentence(snap.sentences[r], "", 0.0, snap.sentence_embeddings[r])
                for r in snap.sentence_rows.get(doc, [])]

    def chunks(self) -> Iterator[Chunk]:
        if current_version(self.index_dir) is None:
            return iter(())
        return iter(self.snapshot().chunks)

    def status(self) -> StoreStatus:
        if current_version(self.index_dir) is None:
            return StoreStatus("faiss", str(self.index_dir), 0, 0, 0, None, None, None)
        snap = self.snapshot()
        languages: dict[str, int] = {}
        for entry in snap.documents.values():
            languages[entry.get("language", "?")] = languages.get(entry.get("language", "?"), 0) + 1
        return StoreStatus("faiss", str(self.index_dir), len(snap.documents), len(snap.chunks), len(snap.sentences),
                           snap.version, snap.manifest.get("built_at"), (snap.manifest.get("model") or {}).get("name"),
                           languages, sum(1 for e in snap.documents.values() if not e.get("date")))

    # --- writing ------------------------------------------------------------------------------

    @contextmanager
    def build_lock(self) -> Iterator[None]:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with (self.index_dir / ".lock").open("w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.info("Another build of %s is running; waiting for it to finish", self.index_dir)
                fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def write(self, update: StoreUpdate) -> str:
        """Merge ``update`` with the live version into a new version, then swap it in."""
        old: Snapshot | None = None
        if not update.replace_all and current_version(self.index_dir) is not None:
            try:
                old = self.snapshot()
            except IndexUnavailable:
                old = None
        replaced = {a.record.doc: a for a in update.upserts}
        removed = set(update.removals)
        dim = int(update.meta.get("dim") or (old.embeddings.shape[1] if old is not None else 768))
        kept_docs = [] if old is None else [d for d in old.documents if d not in replaced and d not in removed]
        order = sorted(set(kept_docs) | set(replaced))  # by file name, whatever was written when
        old_chunk_rows: dict[str, list[int]] = {}
        if old is not None:
            for i, c in enumerate(old.chunks):
                old_chunk_rows.setdefault(c.doc, []).append(i)
        chunks: list[Chunk] = []
        chunk_vecs: list[np.ndarray] = []
        sentences: list[Sentence] = []
        sentence_vecs: list[np.ndarray] = []
        documents: dict[str, dict] = {}
        for doc in order:
            if doc in replaced:
                data = replaced[doc]
                chunks += data.chunks
                chunk_vecs += list(np.asarray(data.chunk_vectors, np.float32).reshape(len(data.chunks), dim))
                sentences += data.sentences
                sentence_vecs += list(np.asarray(data.sentence_vectors, np.float32).reshape(len(data.sentences), dim))
                documents[doc] = data.record.to_dict()
            else:
                assert old is not None
                rows = old_chunk_rows.get(doc, [])
                chunks += [old.chunks[i] for i in rows]
                chunk_vecs += [old.embeddings[i] for i in rows]
                srows = old.sentence_rows.get(doc, [])
                sentences += [old.sentences[i] for i in srows]
                sentence_vecs += [old.sentence_embeddings[i] for i in srows]
                documents[doc] = old.documents[doc]
        manifest = {"format": FORMAT, **update.meta, "dim": dim, "faiss_index": self.faiss_kind,
                    "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "documents": documents,
                    "counts": {"documents": len(documents), "chunks": len(chunks), "sentences": len(sentences)}}
        version = self._write_version(manifest, chunks, _stack(chunk_vecs, dim), sentences, _stack(sentence_vecs, dim))
        for doc in replaced:
            if update.on_article:
                update.on_article(doc)
        self.remove_old_versions(version)
        return version

    def _write_version(self, manifest: dict, chunks: list[Chunk], embeddings: np.ndarray,
                       sentences: list[Sentence], sentence_embeddings: np.ndarray) -> str:
        version = "v-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        tmp = self.index_dir / f".tmp-{version}"
        tmp.mkdir(parents=True)
        _write_jsonl(tmp / "chunks.jsonl", [c.to_dict() for c in chunks])
        _write_jsonl(tmp / "sentences.jsonl", [s.to_dict() for s in sentences])
        np.save(tmp / "embeddings.npy", embeddings, allow_pickle=False)
        np.save(tmp / "sentence_embeddings.npy", sentence_embeddings, allow_pickle=False)
        faiss.write_index(make_faiss_index(embeddings, self.faiss_kind), str(tmp / "vectors.faiss"))
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        for file in tmp.iterdir():
            with file.open("rb") as fh:
                os.fsync(fh.fileno())
        tmp.rename(self.index_dir / version)
        pointer = self.index_dir / f".{CURRENT}.tmp"
        pointer.write_text(version)
        os.replace(pointer, self.index_dir / CURRENT)
        return version

    def remove_old_versions(self, keep: str | None = None) -> None:
        """Delete every version but ``keep`` (the live one by default) and leftovers of interrupted builds."""
        keep = keep or current_version(self.index_dir)
        if not self.index_dir.is_dir():
            return
        for entry in self.index_dir.iterdir():
            if entry.is_dir() and entry.name != keep and entry.name.startswith(("v-", ".tmp-")):
                shutil.rmtree(entry, ignore_errors=True)

