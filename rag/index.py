"""The FAISS index on disk: building it incrementally, swapping it in atomically, loading it.

Layout of the index directory::

    CURRENT              name of the live version directory (replaced atomically)
    v-<stamp>/           one complete version:
        manifest.json    model name and weights hash, chunking settings, every article's
                         content hash, metadata and chunk ids
        chunks.jsonl     chunk texts and metadata, row i = FAISS id i
        embeddings.npy   the normalised vectors (kept so unchanged articles are never re-embedded,
                         whatever FAISS structure serves the search)
        vectors.faiss    the search structure
        sentences.jsonl  every sentence of every article (document offsets), and
        sentence_embeddings.npy  their vectors: the extractive answerer scores these, so no
                         embedding happens on the request path but the question's
    .lock                held while a build runs

A build writes a new version beside the live one and only then points CURRENT at it,
so an interrupted or failed build leaves the previous index usable.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import faiss
import numpy as np

from rag.articles import Article, SkippedFile, load_articles
from rag.chunking import Chunk, chunk_articles, chunking_settings
from rag.sentences import split_sentences
from rag.settings import Settings

log = logging.getLogger(__name__)

FORMAT = 1
# How sentences are embedded, recorded in the manifest so that a change re-embeds everything: each
# sentence twice, alone and with its article's title, and the two vectors blended. With the title
# only, every sentence of an on-topic article looked like an answer (the title dominated short
# sentences); alone, "bilateral trade of $375.2 million" lost the "Kazakhstan and Bulgaria" it is
# about. On eval/gold.jsonl (answerer weight 0.5), title weight 0 / 0.2 / 0.3 / 0.5 / 1 gave
# evidence_hit 0.93 / 0.93 / 0.95 / 0.93 / 0.91 and answer_match 0.56 / 0.59 / 0.61 / 0.61 / 0.59;
# 0.3 was best or tied on both the odd and the even half.
SENTENCE_TITLE_WEIGHT = 0.3
SENTENCE_EMBEDDING = f"sentence alone + {SENTENCE_TITLE_WEIGHT} × sentence with title"
CURRENT = "CURRENT"


class IndexUnavailable(RuntimeError):
    """No usable index: missing, corrupt or built with another model or format."""


@dataclass
class BuildReport:
    """What a build did; ``summary()`` is the JSON the CLI prints."""

    documents: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    skipped: list[SkippedFile] = field(default_factory=list)
    full_rebuild_reason: str | None = None
    version: str | None = None

    def summary(self) -> dict:
        return {"documents": self.documents, "added": len(self.added), "updated": len(self.updated),
                "removed": len(self.removed), "unchanged": self.unchanged, "chunks": self.chunks,
                "chunks_embedded": self.chunks_embedded, "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article: ``start:end`` are offsets into the article's cleaned body."""

    doc: str
    start: int
    end: int
    text: str


@dataclass
class LoadedIndex:
    """An index version in memory."""

    version: str
    path: Path
    manifest: dict
    chunks: list[Chunk]
    embeddings: np.ndarray
    faiss_index: faiss.Index
    sentences: list[Sentence]
    sentence_embeddings: np.ndarray
    sentence_rows: dict[str, list[int]] = field(default_factory=dict)  # doc -> rows of its sentences

    def __post_init__(self) -> None:
        for row, sentence in enumerate(self.sentences):
            self.sentence_rows.setdefault(sentence.doc, []).append(row)

    @property
    def documents(self) -> dict[str, dict]:
        return self.manifest["documents"]

    def sentences_in(self, chunk: Chunk) -> list[int]:
        """Rows of the sentences that lie wholly inside ``chunk``."""
        return [r for r in self.sentence_rows.get(chunk.doc, ())
                if self.sentences[r].start >= chunk.start and self.sentences[r].end <= chunk.end]


def make_faiss_index(vectors: np.ndarray) -> faiss.Index:
    """The search structure. Exact inner product (cosine on normalised vectors) suits this size;
    swap in e.g. ``faiss.IndexHNSWFlat`` or an IVF-PQ index here when the corpus grows."""
    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(vectors)
    return index


def current_version(index_dir: Path) -> str | None:
    """The live version's name, or None when no index has been built."""
    try:
        return (index_dir / CURRENT).read_text().strip() or None
    except OSError:
        return None


def load_index(index_dir: Path) -> LoadedIndex:
    """Load the live index version; raise IndexUnavailable with what to do."""
    for attempt in range(3):
        version = current_version(index_dir)
        if version is None:
            raise IndexUnavailable(f"No index in {index_dir}. Build it with `rag index` (or `make run`).")
        path = index_dir / version
        try:
            return _load_version(path, version)
        except FileNotFoundError:
            if current_version(index_dir) != version and attempt < 2:
                continue  # a build swapped versions while we were reading: read the new one
            raise IndexUnavailable(f"The index in {index_dir} is incomplete ({path} is missing files). "
                                   "Rebuild it with `rag index --full`.") from None
        except (ValueError, KeyError, RuntimeError, OSError) as exc:
            raise IndexUnavailable(f"The index in {index_dir} is corrupt or incompatible ({exc}). "
                                   "Rebuild it with `rag index --full`.") from exc
    raise AssertionError("unreachable")


def _load_version(path: Path, version: str) -> LoadedIndex:
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValueError(f"index format {manifest.get('format')}, this code reads format {FORMAT}")
    with (path / "chunks.jsonl").open(encoding="utf-8") as fh:
        chunks = [Chunk(**json.loads(line)) for line in fh if line.strip()]
    embeddings = np.load(path / "embeddings.npy", allow_pickle=False)
    index = faiss.read_index(str(path / "vectors.faiss"))
    if index.ntotal != len(chunks) or len(embeddings) != len(chunks):
        raise ValueError(f"{index.ntotal} vectors, {len(embeddings)} embeddings but {len(chunks)} chunks")
    with (path / "sentences.jsonl").open(encoding="utf-8") as fh:
        sentences = [Sentence(**json.loads(line)) for line in fh if line.strip()]
    sentence_embeddings = np.load(path / "sentence_embeddings.npy", allow_pickle=False)
    if len(sentence_embeddings) != len(sentences):
        raise ValueError(f"{len(sentence_embeddings)} sentence vectors but {len(sentences)} sentences")
    return LoadedIndex(version, path, manifest, chunks, embeddings, index, sentences, sentence_embeddings)


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("Another build of %s is running; waiting for it to finish", index_dir)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_version(index_dir: Path, manifest: dict, chunks: list[Chunk], embeddings: np.ndarray,
                   sentences: list[Sentence], sentence_embeddings: np.ndarray) -> str:
    version = "v-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    tmp = index_dir / f".tmp-{version}"
    tmp.mkdir(parents=True)
    _write_jsonl(tmp / "chunks.jsonl", [c.to_dict() for c in chunks])
    _write_jsonl(tmp / "sentences.jsonl", [asdict(s) for s in sentences])
    np.save(tmp / "embeddings.npy", embeddings, allow_pickle=False)
    np.save(tmp / "sentence_embeddings.npy", sentence_embeddings, allow_pickle=False)
    faiss.write_index(make_faiss_index(embeddings), str(tmp / "vectors.faiss"))
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    for file in tmp.iterdir():
        with file.open("rb") as fh:
            os.fsync(fh.fileno())
    tmp.rename(index_dir / version)
    pointer = index_dir / f".{CURRENT}.tmp"
    pointer.write_text(version)
    os.replace(pointer, index_dir / CURRENT)
    return version


def _remove_old_versions(index_dir: Path, keep: str) -> None:
    for entry in index_dir.iterdir():
        if entry.is_dir() and entry.name != keep and (entry.name.startswith("v-") or entry.name.startswith(".tmp-")):
            shutil.rmtree(entry, ignore_errors=True)


def _article_entry(article: Article, chunk_ids: list[str]) -> dict:
    return {"content_hash": article.content_hash, "title": article.title, "date": article.date,
            "source": article.source, "language": article.language, "chunk_ids": chunk_ids}


def build_index(settings: Settings, *, full: bool = False, progress: bool = True,
                on_progress: Callable[[dict], None] | None = None) -> BuildReport:
    """Build or update the index from the documents folder; only new or changed articles are embedded.

    ``on_progress`` (for a status line) gets dicts {stage, articles, texts_done, texts_total, eta_s}
    with stage "reading", "embedding", "writing" and finally "done".
    """
    from rag import embedding

    def tell(stage: str, **values: object) -> None:
        if on_progress is not None:
            on_progress({"stage": stage, "articles": report.documents, "texts_done": 0, "texts_total": 0,
                         "eta_s": None, **values})

    started = time.perf_counter()
    report = BuildReport()
    tell("reading")
    articles, report.skipped = load_articles(settings.documents_dir)
    report.documents = len(articles)
    tell("reading")
    model_id = embedding.model_identity(settings)
    chunking = chunking_settings(settings.chunk_tokens, settings.chunk_overlap_tokens)

    with _build_lock(settings.index_dir):
        old: LoadedIndex | None = None
        if not full:
            try:
                old = load_index(settings.index_dir)
            except IndexUnavailable as exc:
                if current_version(settings.index_dir) is not None:
                    report.full_rebuild_reason = f"the existing index is unusable ({exc})"
        if old is not None:
            if old.manifest.get("model") != model_id:
                report.full_rebuild_reason = (f"the embedding model changed ({old.manifest.get('model', {}).get('name')}"
                                              f" → {model_id['name']})")
            elif old.manifest.get("chunking") != chunking:
                report.full_rebuild_reason = f"the chunking settings changed ({old.manifest.get('chunking')} → {chunking})"
            elif old.manifest.get("sentence_embedding") != SENTENCE_EMBEDDING:
                report.full_rebuild_reason = (f"sentences are now embedded as {SENTENCE_EMBEDDING} "
                                              f"(was: {old.manifest.get('sentence_embedding', 'sentence with title')})")
            if report.full_rebuild_reason:
                old = None
        if report.full_rebuild_reason:
            log.warning("Rebuilding the whole index: %s", report.full_rebuild_reason)

        previous = old.documents if old else {}
        current = {a.doc: a for a in articles}
        changed = [a for a in articles if previous.get(a.doc, {}).get("content_hash") != a.content_hash]
        report.added = sorted(a.doc for a in changed if a.doc not in previous)
        report.updated = sorted(a.doc for a in changed if a.doc in previous)
        report.removed = sorted(d for d in previous if d not in current)
        report.unchanged = len(articles) - len(changed)
        changed_docs = {a.doc for a in changed}

        if old is not None and not changed and not report.removed:
            _remove_old_versions(settings.index_dir, old.version)  # leftovers of an interrupted build
            report.chunks = len(old.chunks)
            report.version = old.version
            report.seconds = time.perf_counter() - started
            log.info("Index is up to date (%d articles, %d chunks); nothing embedded", len(articles), len(old.chunks))
            tell("done")
            return report

        new_chunks = chunk_articles(changed, embedding.load_tokenizer(settings), settings.chunk_tokens,
                                    settings.chunk_overlap_tokens)
        new_sentences = [Sentence(a.doc, s, e, a.body[s:e]) for a in changed
                         for s, e in split_sentences(a.body, a.language)]
        texts = texts_to_embed(new_chunks, new_sentences, {doc: a.title for doc, a in current.items()})
        tell("embedding", texts_total=len(texts))  # the model may still have to load
        vectors = _embed(settings, texts, progress,
                         lambda done, eta: tell("embedding", texts_done=done, texts_total=len(texts), eta_s=eta))
        tell("writing")
        if new_sentences:
            n = len(new_chunks)
            blended = sentence_vectors(vectors[n:n + len(new_sentences)], vectors[n + len(new_sentences):])
            vectors = np.vstack([vectors[:n], blended])
        report.chunks_embedded = len(new_chunks)

        # Unchanged articles keep their rows; changed ones take the new ones; order by file name.
        old_chunk_rows = _rows_by_doc(old.chunks if old else [])
        old_sentence_rows = _rows_by_doc(old.sentences if old else [])
        new_chunk_rows = _rows_by_doc(new_chunks)
        new_sentence_rows = _rows_by_doc(new_sentences, offset=len(new_chunks))
        chunks, chunk_vecs, sentences, sentence_vecs = [], [], [], []
        docs_manifest: dict[str, dict] = {}
        for article in articles:
            if article.doc in changed_docs:
                rows = new_chunk_rows.get(article.doc, [])
                chunks += [new_chunks[i] for i in rows]
                chunk_vecs += [vectors[i] for i in rows]
                srows = new_sentence_rows.get(article.doc, [])
                sentences += [new_sentences[i - len(new_chunks)] for i in srows]
                sentence_vecs += [vectors[i] for i in srows]
                docs_manifest[article.doc] = _article_entry(article, [new_chunks[i].chunk_id for i in rows])
            else:
                rows = old_chunk_rows.get(article.doc, [])
                chunks += [old.chunks[i] for i in rows]
                chunk_vecs += [old.embeddings[i] for i in rows]
                srows = old_sentence_rows.get(article.doc, [])
                sentences += [old.sentences[i] for i in srows]
                sentence_vecs += [old.sentence_embeddings[i] for i in srows]
                docs_manifest[article.doc] = previous[article.doc]
        dim = vectors.shape[1] if len(vectors) else (old.embeddings.shape[1] if old else 1)
        manifest = {"format": FORMAT, "model": model_id, "dim": int(dim), "chunking": chunking,
                    "sentence_embedding": SENTENCE_EMBEDDING, "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "documents": docs_manifest, "counts": {"documents": len(docs_manifest), "chunks": len(chunks),
                                                           "sentences": len(sentences)}}
        report.version = _write_version(settings.index_dir, manifest, chunks, _stack(chunk_vecs, dim), sentences,
                                        _stack(sentence_vecs, dim))
        _remove_old_versions(settings.index_dir, report.version)
        report.chunks = len(chunks)
    report.seconds = time.perf_counter() - started
    tell("done")
    log.info("Index %s: %d articles (%d added, %d updated, %d removed, %d unchanged), %d chunks, %d embedded in %.1fs",
             report.version, report.documents, len(report.added), len(report.updated), len(report.removed),
             report.unchanged, report.chunks, report.chunks_embedded, report.seconds)
    return report


def _rows_by_doc(items: list, offset: int = 0) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        rows.setdefault(item.doc, []).append(i + offset)
    return rows


def _stack(rows: list[np.ndarray], dim: int) -> np.ndarray:
    return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)


def texts_to_embed(chunks: list[Chunk], sentences: list[Sentence], titles: dict[str, str]) -> list[str]:
    """What a build embeds, in order: each chunk with its title, each sentence alone, each sentence
    with its article's title (the last two are blended by :func:`sentence_vectors`)."""
    from rag.embedding import document_text

    return ([document_text(c.title, c.text) for c in chunks] + [document_text("", s.text) for s in sentences]
            + [document_text(titles[s.doc], s.text) for s in sentences])


def sentence_vectors(alone: np.ndarray, titled: np.ndarray) -> np.ndarray:
    """The stored sentence vectors: the normalised blend of each sentence embedded alone and with its title."""
    blend = (1 - SENTENCE_TITLE_WEIGHT) * alone + SENTENCE_TITLE_WEIGHT * titled
    return (blend / np.linalg.norm(blend, axis=1, keepdims=True)).astype(np.float32)


def _embed(settings: Settings, texts: list[str], progress: bool,
           on_step: Callable[[int, float | None], None] | None = None) -> np.ndarray:
    """Document embeddings of ``texts`` with a progress bar (the model loads only when there is work);
    ``on_step(texts done, seconds left or None)`` after the model is loaded and after each batch."""
    from tqdm import tqdm

    from rag.embedding import encode_documents, load_embedder

    if not texts:
        return np.zeros((0, 0), np.float32)
    model = load_embedder(settings)
    step = settings.embedding_batch_size * 4
    parts = []
    if on_step is not None:
        on_step(0, None)
    begun = time.perf_counter()
    with tqdm(total=len(texts), desc="Embedding chunks and sentences", unit="text", disable=not progress) as bar:
        for i in range(0, len(texts), step):
            parts.append(encode_documents(model, texts[i:i + step], batch_size=settings.embedding_batch_size))
            bar.update(len(texts[i:i + step]))
            if on_step is not None:
                done = min(len(texts), i + step)
                on_step(done, (time.perf_counter() - begun) / done * (len(texts) - done))
    return np.vstack(parts)
