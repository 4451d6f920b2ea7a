"""Building the index: read the documents folder, embed what is new or changed, write it to the store.

This is the incremental build logic, written once above the store backends (:mod:`rag.store`):
content hashes decide what changed; a change of model, chunking or sentence layout forces a full
rebuild and says why; only new or changed articles are embedded; removed files leave the store. The
backend makes the write atomic (FAISS: a new version swapped in; PostgreSQL: one transaction per
article), so an interrupted build leaves the previous index searchable.
"""

from __future__ import annotations

import logging
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from rag import knowledge
from rag.articles import Article, SkippedFile, load_articles
from rag.chunking import chunk_articles, chunking_settings
from rag.dedupe import find_duplicates
from rag.sentences import SPLITTING, split_sentences
from rag.settings import SENTENCE_LAYOUTS, Settings
from rag.store import ArticleData, IndexUnavailable, Store, StoreUpdate, open_store
from rag.types import ArticleRecord, Chunk, Sentence

__all__ = ["BuildReport", "IndexUnavailable", "build_index", "texts_to_embed", "sentence_vectors",
           "SENTENCE_EMBEDDING"]

log = logging.getLogger(__name__)

# The default layout, as the manifest stores it.
SENTENCE_EMBEDDING = "each chunk once; each sentence once + 0.3 × it pooled with its title's pass"
# The layouts whose sentence-with-title twin is pooled from the title's pass (_embed_once).
POOLED_LAYOUTS = ("pooled_title", "once")


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
    duplicates: dict[str, str] = field(default_factory=dict)  # copy → the article it republishes

    def summary(self) -> dict:
        return {"documents": self.documents, "added": len(self.added), "updated": len(self.updated),
                "removed": len(self.removed), "unchanged": self.unchanged, "chunks": self.chunks,
                "chunks_embedded": self.chunks_embedded, "seconds": round(self.seconds, 3)}


def _record(article: Article, chunk_ids: list[str]) -> ArticleRecord:
    return ArticleRecord(article.doc, article.title, article.date, article.source, article.language,
                         article.content_hash, tuple(chunk_ids), article.url, tuple(article.other_urls))


def _rebuild_reason(meta: dict | None, wanted: dict) -> str | None:
    """Why the stored vectors cannot be kept (None when they can)."""
    if meta is None:
        return None
    if meta.get("model") != wanted["model"]:
        return (f"the embedding model changed ({(meta.get('model') or {}).get('name')} → "
                f"{wanted['model']['name']})")
    if meta.get("chunking") != wanted["chunking"]:
        return f"the chunking settings changed ({meta.get('chunking')} → {wanted['chunking']})"
    if meta.get("sentence_splitting") != wanted["sentence_splitting"]:
        return (f"sentences are now split as {wanted['sentence_splitting']} "
                f"(was: {meta.get('sentence_splitting', 'pysbd')})")
    if meta.get("sentence_embedding") != wanted["sentence_embedding"]:
        return (f"sentences are now embedded as {wanted['sentence_embedding']} "
                f"(was: {meta.get('sentence_embedding', 'sentence with title')})")
    return None


def build_index(settings: Settings, *, full: bool = False, progress: bool = True,
                store: Store | None = None, on_progress: Callable[[dict], None] | None = None) -> BuildReport:
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
    # a republished copy (same language, near-identical text) is indexed once, under its first file name
    report.duplicates = find_duplicates(articles)
    for copy, original in sorted(report.duplicates.items()):
        log.info("%s is a republished copy of %s: not indexed again", copy, original)
    articles = [a for a in articles if a.doc not in report.duplicates]
    report.documents = len(articles)
    tell("reading")
    store = store or open_store(settings)
    wanted = {"model": embedding.model_identity(settings),
              "chunking": chunking_settings(settings.chunk_tokens, settings.chunk_overlap_tokens),
              "sentence_embedding": sentence_layout(settings),
              "sentence_splitting": SPLITTING}

    with store.build_lock():
        meta: dict | None = None
        previous: dict[str, ArticleRecord] = {}
        if not full:
            try:
                meta = store.meta()
                previous = store.articles()
            except IndexUnavailable as exc:
                report.full_rebuild_reason = f"the existing index is unusable ({exc})"
            report.full_rebuild_reason = report.full_rebuild_reason or _rebuild_reason(meta, wanted)
            if report.full_rebuild_reason:
                log.warning("Rebuilding the whole index: %s", report.full_rebuild_reason)
                previous = {}
        replace_all = full or bool(report.full_rebuild_reason)

        current = {a.doc: a for a in articles}
        changed = [a for a in articles if previous.get(a.doc) is None or previous[a.doc].content_hash != a.content_hash]
        report.added = sorted(a.doc for a in changed if a.doc not in previous)
        report.updated = sorted(a.doc for a in changed if a.doc in previous)
        report.removed = sorted(d for d in previous if d not in current)
        report.unchanged = len(articles) - len(changed)

        if (meta is not None and not replace_all and not changed and not report.removed
                and meta.get("corpus_tables") == CORPUS_TABLES):
            if hasattr(store, "remove_old_versions"):
                store.remove_old_versions()  # leftovers of an interrupted build
            report.chunks = sum(len(r.chunk_ids) for r in previous.values())
            report.version = store.version()
            report.seconds = time.perf_counter() - started
            log.info("Index is up to date (%d articles, %d chunks); nothing embedded", len(articles), report.chunks)
            tell("done")
            return report

        # Nothing added or edited (only removals, or only the corpus tables changed): no tokenizer to load.
        new_chunks = chunk_articles(changed, embedding.load_tokenizer(settings), settings.chunk_tokens,
                                    settings.chunk_overlap_tokens) if changed else []
        new_sentences = [Sentence(a.doc, s, e, a.body[s:e]) for a in changed
                         for s, e in split_sentences(a.body, a.language)]
        total = len(pieces_to_embed(settings, new_chunks, new_sentences, {doc: a.title for doc, a in current.items()}))
        tell("embedding", texts_total=total)  # the model may still have to load
        chunk_vecs, sentence_vecs = embed_pieces(
            settings, new_chunks, new_sentences, {doc: a.title for doc, a in current.items()}, progress,
            lambda done, eta: tell("embedding", texts_done=done, texts_total=total, eta_s=eta))
        tell("writing")
        report.chunks_embedded = len(new_chunks)
        dim = int(chunk_vecs.shape[1]) if len(chunk_vecs) else int((meta or {}).get("dim") or 768)
        upserts = tuple(_article_data(a, new_chunks, chunk_vecs, new_sentences, sentence_vecs, dim) for a in changed)
        names = knowledge.collect_names((f"{a.title}\n{a.body}", a.language) for a in articles)
        update = StoreUpdate(meta={**wanted, "dim": dim, "corpus_tables": CORPUS_TABLES, "names": names.to_json(),
                                   "lowercase_words": lowercase_words(articles)}, upserts=upserts,
                             removals=tuple(report.removed),
                             replace_all=replace_all)
        report.version = store.write(update)
        report.chunks = store.status().chunks
    report.seconds = time.perf_counter() - started
    tell("done")
    log.info("Index %s: %d articles (%d added, %d updated, %d removed, %d unchanged), %d chunks, %d embedded in %.1fs",
             report.version, report.documents, len(report.added), len(report.updated), len(report.removed),
             report.unchanged, report.chunks, report.chunks_embedded, report.seconds)
    return report


# What the build collects from the whole corpus beside the vectors (names, lower-case words); a store
# written with other tables gets them anew on the next build, without re-embedding anything.
CORPUS_TABLES = "names+lowercase/10"  # /10: "Professor" is a title; /9: company nouns name only Latin or quoted words, regions named by an adjective take no name after them; /8: a stopword capitalised inside a Cyrillic sentence is a name's ("Си Цзиньпин"); /7: words a place noun names ("улице Ридвана") are no person names; /2: name keys of stop 28 (names grouped anew); /3: no building names; /4: bilateral compounds need a country; /5: posts and regions cut from names; /6: cities as Russian spells them where GeoNames does not
_LOWER_WORD = re.compile(r"(?<![\w-])[^\W\d_A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][^\W\d_]{3,}")


def lowercase_words(articles: list[Article]) -> list[str]:
    """Every word of four letters or more that the corpus writes in lower case: a capitalised word of a
    question that the corpus also writes in lower case ("Дүниежүзілік" in a day's name) is a common
    word, not a name that the evidence must contain."""
    return sorted({m.group(0) for a in articles for m in _LOWER_WORD.finditer(a.body)})


def _article_data(article: Article, chunks: list[Chunk], chunk_vecs: np.ndarray, sentences: list[Sentence],
                  sentence_vecs: np.ndarray, dim: int) -> ArticleData:
    crows = [i for i, c in enumerate(chunks) if c.doc == article.doc]
    srows = [i for i, s in enumerate(sentences) if s.doc == article.doc]
    return ArticleData(_record(article, [chunks[i].chunk_id for i in crows]), tuple(chunks[i] for i in crows),
                       chunk_vecs[crows].reshape(len(crows), dim), tuple(sentences[i] for i in srows),
                       sentence_vecs[srows].reshape(len(srows), dim))


def texts_to_embed(chunks: list[Chunk], sentences: list[Sentence], titles: dict[str, str]) -> list[str]:
    """What the 'separate' layout embeds, in order: each chunk with its title, each sentence alone, each
    sentence with its article's title (the last two are blended by :func:`sentence_vectors`)."""
    from rag.embedding import document_text

    return ([document_text(c.title, c.text) for c in chunks] + [document_text("", s.text) for s in sentences]
            + [document_text(titles[s.doc], s.text) for s in sentences])


def sentence_vectors(alone: np.ndarray, titled: np.ndarray, title_weight: float = 0.3) -> np.ndarray:
    """The stored sentence vectors: the normalised blend of each sentence embedded alone and with its title."""
    blend = (1 - title_weight) * alone + title_weight * titled
    return (blend / np.linalg.norm(blend, axis=1, keepdims=True)).astype(np.float32)


@contextmanager
def _embedding_progress(total: int, desc: str, progress: bool,
                        on_step: Callable[[int, float | None], None] | None) -> Iterator[Callable[[int], None]]:
    """A progress bar and the build's ``on_step(texts done, seconds left or None)`` calls (once when the
    model is loaded, then after each batch), as one ``step(texts just finished)`` function."""
    from tqdm import tqdm

    if on_step is not None:
        on_step(0, None)
    begun, done = time.perf_counter(), 0
    with tqdm(total=total, desc=desc, unit="text", disable=not progress) as bar:
        def step(n: int) -> None:
            nonlocal done
            done += n
            bar.update(n)
            if on_step is not None:
                on_step(done, (time.perf_counter() - begun) / done * (total - done) if done else None)

        yield step


def _embed(settings: Settings, texts: list[str], progress: bool,
           on_step: Callable[[int, float | None], None] | None = None) -> np.ndarray:
    """Document embeddings of ``texts`` with a progress bar (the model loads only when there is work);
    ``on_step`` as in :func:`_embedding_progress`."""
    from rag.embedding import encode_documents, load_embedder

    if not texts:
        return np.zeros((0, 0), np.float32)
    model = load_embedder(settings)
    with _embedding_progress(len(texts), "Embedding chunks and sentences", progress, on_step) as step:
        return encode_documents(model, texts, batch_size=settings.embedding_batch_size, progress=step)


def sentence_layout(settings: Settings) -> str:
    """How this build embeds sentences, as the manifest records it (a change forces a full rebuild)."""
    if settings.sentence_vectors == "separate":
        return f"sentence alone + {settings.sentence_title_weight} × sentence with title"
    if settings.sentence_vectors == "pooled_title":
        return (f"each chunk once; each sentence once + {settings.sentence_title_weight} × it pooled with its "
                f"title's pass")
    if settings.sentence_vectors == "once":
        return (f"each sentence once + {settings.sentence_title_weight} × it pooled with its title's pass; "
                f"chunks pooled from their sentences' passes")
    if settings.sentence_vectors == "late":
        return (f"late chunking: the sentence's tokens pooled in its chunk's pass + "
                f"{settings.sentence_chunk_weight} × the chunk")
    raise ValueError(f"RAG_SENTENCE_VECTORS must be one of {', '.join(map(repr, SENTENCE_LAYOUTS))}, "
                     f"not {settings.sentence_vectors!r}")


def home_chunks(chunks: list[Chunk], sentences: list[Sentence]) -> list[int | None]:
    """For each sentence, the row of the chunk it is read in (late chunking): a chunk that holds it wholly;
    of two overlapping ones, the one where it is most central (the larger of its smaller margin to the
    chunk's edges), so it is read with context on both sides; None when no chunk holds it wholly."""
    by_doc = _rows_by_doc(chunks)
    homes: list[int | None] = []
    for s in sentences:
        best, best_margin = None, -1
        for row in by_doc.get(s.doc, ()):
            c = chunks[row]
            if c.start <= s.start and s.end <= c.end:
                margin = min(s.start - c.start, c.end - s.end)
                if margin > best_margin:
                    best, best_margin = row, margin
        homes.append(best)
    return homes


def embed_pieces(settings: Settings, chunks: list[Chunk], sentences: list[Sentence], titles: dict[str, str],
                 progress: bool, on_step: Callable[[int, float | None], None] | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The vectors of new chunks and sentences, as ``settings.sentence_vectors`` says (see Settings):
    (chunk vectors, sentence vectors), rows in the order given; the model loads only when there is work."""
    from rag.embedding import document_text, encode_chunks_with_spans, load_embedder

    layout = sentence_layout(settings)  # rejects an unknown setting before any work
    if not chunks and not sentences:
        return np.zeros((0, 0), np.float32), np.zeros((0, 0), np.float32)
    if settings.sentence_vectors == "separate":
        vectors = _embed(settings, texts_to_embed(chunks, sentences, titles), progress, on_step)
        n, m = len(chunks), len(sentences)
        sentence_vecs = (sentence_vectors(vectors[n:n + m], vectors[n + m:], settings.sentence_title_weight) if m
                         else np.zeros((0, vectors.shape[1]), np.float32))
        return vectors[:n], sentence_vecs
    if settings.sentence_vectors in POOLED_LAYOUTS:
        return _embed_once(settings, chunks, sentences, titles, progress, on_step)
    homes = home_chunks(chunks, sentences)
    texts = [document_text(c.title, c.text) for c in chunks]
    spans: list[list[tuple[int, int]]] = [[] for _ in chunks]
    slots: list[tuple[int, int] | None] = []  # sentence -> (chunk row, span number)
    for s, home in zip(sentences, homes):
        if home is None:
            slots.append(None)
            continue
        c = chunks[home]
        prefix = len(texts[home]) - len(c.text)  # document_text puts the chunk's text last
        spans[home].append((prefix + s.start - c.start, prefix + s.end - c.start))
        slots.append((home, len(spans[home]) - 1))
    lonely = [i for i, slot in enumerate(slots) if slot is None]
    model = load_embedder(settings)
    with _embedding_progress(len(texts) + len(lonely), f"Embedding ({layout})", progress, on_step) as step:
        chunk_vecs, span_vecs = encode_chunks_with_spans(model, texts, spans, batch_size=settings.embedding_batch_size,
                                                         progress=step)
        # A sentence no chunk holds wholly (the splitters disagree at its edges) gets its own passes.
        alone = sentence_vectors(*np.split(_embed(settings, texts_to_embed([], [sentences[i] for i in lonely], titles),
                                                  False), 2), settings.sentence_title_weight) if lonely else None
        step(len(lonely))
    dim = chunk_vecs.shape[1]
    w = settings.sentence_chunk_weight
    out = np.zeros((len(sentences), dim), np.float32)
    for i, slot in enumerate(slots):
        if slot is not None:
            row, k = slot
            out[i] = (1 - w) * span_vecs[row][k] + w * chunk_vecs[row]
    if w:
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    if lonely:
        out[lonely] = alone
    return chunk_vecs, out


def _once_plan(chunks: list[Chunk], sentences: list[Sentence], titles: dict[str, str], chunk_passes: bool
               ) -> tuple[list[str], list[str], list[int | list[tuple[int, float]]]]:
    """What the "once" and "pooled_title" layouts pass through the model: (the articles whose titles get a
    pass, every text, for each chunk either the row of its own pass or its parts as (row of a sentence's
    pass, share of that sentence inside the chunk)). With ``chunk_passes`` every chunk has a pass of its
    own; otherwise only a chunk that no sentence overlaps (the splitters disagree about all of it)."""
    from rag.embedding import document_text

    docs = sorted({c.doc for c in chunks} | {s.doc for s in sentences})
    texts = [document_text("", s.text) for s in sentences] + [document_text(titles[d], "") for d in docs]
    rows_of = _rows_by_doc(sentences)
    parts: list[int | list[tuple[int, float]]] = []
    for c in chunks:
        mine = []
        for row in () if chunk_passes else rows_of.get(c.doc, ()):
            s = sentences[row]
            inside = min(c.end, s.end) - max(c.start, s.start)
            if inside > 0:
                mine.append((row, inside / max(1, s.end - s.start)))
        if mine:
            parts.append(mine)
        else:  # a pass of its own
            texts.append(document_text(c.title, c.text))
            parts.append(len(texts) - 1)
    return docs, texts, parts


def _embed_once(settings: Settings, chunks: list[Chunk], sentences: list[Sentence], titles: dict[str, str],
                progress: bool, on_step: Callable[[int, float | None], None] | None) -> tuple[np.ndarray, np.ndarray]:
    """The "once" and "pooled_title" layouts: every sentence and every title goes through the model once
    (and, for "pooled_title", every chunk).

    A sentence's vector is its own pass blended with ``sentence_title_weight`` × its pass pooled with its
    title's (what embedding it with its title approximates). With "pooled_title" a chunk's vector is its
    own pass; with "once" it is the token-weighted pool of its title's pass and its sentences' passes (each
    by the share of it inside the chunk), which for a mean-pooling model is the vector of those token
    states read together, though each sentence was read without its neighbours. The sentence pass is
    what tells the sentence that states a fact from its neighbours; the chunk's own pass is what ranks
    the right chunk first (see README, "Speed").
    """
    from rag.embedding import document_text, encode_pooled, load_embedder

    chunk_passes = settings.sentence_vectors == "pooled_title"
    docs, texts, parts = _once_plan(chunks, sentences, titles, chunk_passes)
    model = load_embedder(settings)
    # Sentences pool their text's tokens only, titles (and a chunk with a pass of its own) their whole
    # pass: a chunk's own pass would read the prompt and the title once, not once per sentence.
    starts = [len(document_text("", ""))] * len(sentences) + [0] * (len(texts) - len(sentences))
    label = "Embedding chunks, sentences and titles" if chunk_passes else "Embedding sentences and titles"
    with _embedding_progress(len(texts), label, progress, on_step) as step:
        whole, raw, counts = encode_pooled(model, texts, starts, batch_size=settings.embedding_batch_size,
                                           progress=step)
    weights = counts.astype(np.float32)
    title_row = {d: len(sentences) + k for k, d in enumerate(docs)}

    def unit(v: np.ndarray) -> np.ndarray:
        return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)

    def pool(rows: list[int], shares: list[float]) -> np.ndarray:
        w = weights[rows] * np.asarray(shares, np.float32)
        return unit((w[:, None] * raw[rows]).sum(axis=0) / w.sum())

    dim = raw.shape[1]
    sentence_vecs = np.zeros((len(sentences), dim), np.float32)
    tw = settings.sentence_title_weight
    for i, s in enumerate(sentences):
        titled = pool([i, title_row[s.doc]], [1.0, 1.0])
        sentence_vecs[i] = unit((1 - tw) * unit(whole[i]) + tw * titled)
    chunk_vecs = np.zeros((len(chunks), dim), np.float32)
    for i, (c, part) in enumerate(zip(chunks, parts)):
        if isinstance(part, int):  # the chunk's own pass: the model's vector for it
            chunk_vecs[i] = unit(whole[part])
        else:
            rows = [title_row[c.doc]] + [r for r, _ in part]
            chunk_vecs[i] = pool(rows, [1.0] + [share for _, share in part])
    return chunk_vecs, sentence_vecs


def pieces_to_embed(settings: Settings, chunks: list[Chunk], sentences: list[Sentence],
                    titles: dict[str, str]) -> list[str]:
    """Every text :func:`embed_pieces` passes through the transformer for these chunks and sentences
    (what the benchmark counts): with late chunking, the chunks and the sentences no chunk holds wholly."""
    from rag.embedding import document_text

    if settings.sentence_vectors == "separate":
        return texts_to_embed(chunks, sentences, titles)
    if settings.sentence_vectors in POOLED_LAYOUTS:
        return _once_plan(chunks, sentences, titles, settings.sentence_vectors == "pooled_title")[1]
    lonely = [s for s, home in zip(sentences, home_chunks(chunks, sentences)) if home is None]
    return [document_text(c.title, c.text) for c in chunks] + texts_to_embed([], lonely, titles)


def _rows_by_doc(items: list, offset: int = 0) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        rows.setdefault(item.doc, []).append(i + offset)
    return rows
