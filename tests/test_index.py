"""The index with the real embedding model: cross-lingual retrieval, incremental builds, failures."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rag import cli, embedding
from rag.index import SENTENCE_EMBEDDING, build_index, sentence_vectors
from rag.retrieval import embed_query, retrieve
from rag.settings import Settings
from rag.store import IndexUnavailable, forget_stores, open_store
from rag.store.faiss_store import current_version, load_snapshot

pytestmark = pytest.mark.model

DOCUMENTS = Path(__file__).resolve().parent.parent / "documents"
ADDED = "en_slovenia_tokayev_universities_bees_2025-03-31.txt"
EDITED = "en_russia_tokayev_lavrov_astana_2024-11-24.txt"
DELETED = "ru_bulgaria_ports_transcaspian_talks_2025-06-09.txt"


# --- helpers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _small_template(tmp_path_factory) -> dict:
    return {"index": tmp_path_factory.mktemp("small-template") / "index", "report": None}


@pytest.fixture
def small_index(small_corpus: Settings, _small_template: dict) -> Settings:
    """``small_corpus`` with its FAISS index built: embedded once per module, then copied for each test."""
    if _small_template["report"] is None:
        _small_template["report"] = build_index(small_corpus, progress=False)
        shutil.copytree(small_corpus.index_dir, _small_template["index"])
    else:
        shutil.copytree(_small_template["index"], small_corpus.index_dir)
    return small_corpus


@pytest.fixture(scope="module")
def _pg_small_template(request) -> dict:
    """A database holding the small corpus's index, built once per module and copied for each test."""
    state: dict = {"database": None, "report": None}
    yield state
    if state["database"]:
        request.getfixturevalue("pg_server").drop_database(state["database"])


@pytest.fixture(params=["faiss", "pgvector"])
def small_store(request, small_corpus: Settings) -> Settings:
    """``small_corpus`` with its index built, on each backend: a FAISS folder, or a PostgreSQL database."""
    if request.param == "faiss":
        settings = request.getfixturevalue("small_index")
        request.node.build_report = request.getfixturevalue("_small_template")["report"]
        return settings
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("_pg_small_template")
    if template["database"] is None:
        template["database"] = server.create_database()
        settings = dataclasses.replace(small_corpus, store_url=server.url(template["database"]))
        template["report"] = build_index(settings, progress=False)
        forget_stores()  # a database with open connections cannot be copied
    name = server.create_database(template=template["database"])
    request.addfinalizer(lambda: (forget_stores(), server.drop_database(name)))
    request.node.build_report = template["report"]
    return dataclasses.replace(small_corpus, store_url=server.url(name))


def store_args(settings: Settings) -> list[str]:
    """The CLI options that point at ``settings``' store."""
    return ["--store", settings.store_url] if settings.store_url else ["--index", str(settings.index_dir)]


def vectors_by_chunk(settings: Settings) -> dict[str, np.ndarray]:
    store = open_store(settings)
    return store.chunk_vectors([c.chunk_id for c in store.chunks()])


def chunk_counts(settings: Settings) -> dict[str, int]:
    counts: dict[str, int] = {}
    for chunk in open_store(settings).chunks():
        counts[chunk.doc] = counts.get(chunk.doc, 0) + 1
    return counts


def all_sentences(settings: Settings) -> list:
    store = open_store(settings)
    return [s for doc in sorted(store.articles()) for s in store.article_sentences(doc)]


@pytest.fixture
def no_model(monkeypatch):
    """Make any attempt to load the embedding weights fail loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError("the embedding model was loaded")

    monkeypatch.setattr(embedding, "load_embedder", refuse)
    monkeypatch.setattr(embedding, "_load", refuse)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def rag_command() -> list[str]:
    script = Path(sys.executable).with_name("rag")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rag.cli"]


def version_dirs(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.is_dir())


# --- cross-lingual retrieval on the real corpus -----------------------------------------

CROSS_LINGUAL = [
    # Russian question, English article (the scraped page 002 reports the same consultations in English).
    ("ru->en", "Кто возглавлял казахстанскую делегацию на первых политических консультациях в Тиране?",
     {"en_albania_first_political_consultations_tirana_2025-03-21.txt", "002_dd5f8f3bafd57315.txt"}),
    # English question, Bulgarian article (only page 003 reports this phone call).
    ("en->bg", "Which Kazakh minister had a phone call with Slovenian foreign minister Tanja Fajon?",
     {"003_5f9a1919e885d1fd.txt"}),
    # Kazakh question, Russian article.
    ("kk->ru", "Қазақстан елшісі Тимур Уразаев Литва сыртқы істер министрі Ландсбергиспен не талқылады?",
     {"ru_lithuania_urazayev_landsbergis_2023-04-04.txt"}),
    # Kazakh question, English article.
    ("kk->en", "Қазақстан мен Венгрия арасындағы сауда 2023 жылы қанша пайызға өсті?",
     {"en_hungary_vassilenko_stifter_budapest_2024-05-12.txt"}),
    # Bulgarian question, English article.
    ("bg->en", "Каква изложба за пчелите ще бъде открита в Астана по молба на президента на Словения?",
     {"en_slovenia_tokayev_universities_bees_2025-03-31.txt"}),
    # English question, Russian article.
    ("en->ru", "How much did trade between Kazakhstan and Lithuania grow in 2022?",
     {"004_8fba6d711cbc81d6.txt"}),
]


@pytest.mark.parametrize("question, expected", [c[1:] for c in CROSS_LINGUAL], ids=[c[0] for c in CROSS_LINGUAL])
def test_cross_lingual_retrieval_finds_the_article_in_the_top_3(real_index, question, expected):
    hits = retrieve(real_index, question, k=3)
    docs = [h.chunk.doc for h in hits]
    assert expected & set(docs), (question, [(h.chunk.doc, round(h.score, 3)) for h in hits])


def test_the_real_index_holds_every_article(real_index):
    from rag.articles import load_articles
    from rag.dedupe import find_duplicates

    store = open_store(real_index)
    copies = find_duplicates(load_articles(DOCUMENTS)[0])
    assert copies == {"kk_albania_tokayev_direct_flights_turanews_2023-09-07.txt":
                      "kk_albania_tokayev_direct_flights_aqshamnews_2023-09-07.txt"}  # the known reprint
    files = sorted(p.name for p in DOCUMENTS.glob("*.txt") if p.name not in copies)
    assert sorted(store.articles()) == files
    chunks = list(store.chunks())
    assert {c.doc for c in chunks} == set(files)
    assert {s.sentence.doc for s in all_sentences(real_index)} == set(files)
    vectors = np.stack(list(store.chunk_vectors([c.chunk_id for c in chunks]).values()))
    assert vectors.shape == (len(chunks), store.meta()["dim"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    status = store.status()
    assert (status.articles, status.chunks) == (len(files), len(chunks)) and status.sentences > status.chunks


# --- incremental builds ------------------------------------------------------------------


def test_first_build_embeds_every_chunk(small_store, request):
    report = request.node.build_report
    files = sorted(p.name for p in small_store.documents_dir.glob("*.txt"))
    assert report.added == files and report.updated == [] and report.removed == [] and report.unchanged == 0
    assert report.chunks == report.chunks_embedded == sum(chunk_counts(small_store).values()) > 0
    assert report.full_rebuild_reason is None


def test_no_change_embeds_nothing_and_never_loads_the_model(small_store, no_model):
    before = open_store(small_store).version()
    report = build_index(small_store, progress=False)
    assert report.chunks_embedded == 0
    assert report.added == report.updated == report.removed == []
    assert report.unchanged == 3 and report.chunks > 0
    assert before is not None and open_store(small_store).version() == before


def test_adding_an_article_embeds_only_its_chunks(small_store):
    before = vectors_by_chunk(small_store)
    shutil.copy2(DOCUMENTS / ADDED, small_store.documents_dir / ADDED)

    report = build_index(small_store, progress=False)

    counts = chunk_counts(small_store)
    assert report.added == [ADDED] and report.updated == [] and report.removed == []
    assert report.unchanged == 3
    assert report.chunks_embedded == counts[ADDED] > 0
    assert report.chunks == sum(counts.values()) == len(before) + counts[ADDED]
    after = vectors_by_chunk(small_store)
    for chunk_id, vector in before.items():  # the others' rows are carried over, bit for bit
        assert np.array_equal(after[chunk_id], vector), chunk_id


def test_editing_an_article_re_embeds_it_and_search_finds_the_new_text(small_store):
    before = vectors_by_chunk(small_store)
    path = small_store.documents_dir / EDITED
    new_sentence = ("During the visit Lavrov also handed over to the National Academic Library in Astana "
                    "a rare 1909 edition of the poems of Abai Kunanbayev.")
    text = path.read_text(encoding="utf-8")
    anchor = "As reported earlier,"  # inside the body: the file ends with a "Related news" list the cleaner cuts
    assert text.count(anchor) == 1
    path.write_text(text.replace(anchor, new_sentence + "\n\n" + anchor), encoding="utf-8")

    report = build_index(small_store, progress=False)

    assert report.updated == [EDITED] and report.added == [] and report.removed == [] and report.unchanged == 2
    assert report.chunks_embedded == chunk_counts(small_store)[EDITED]
    after = vectors_by_chunk(small_store)
    for chunk_id, vector in before.items():
        if not chunk_id.startswith(EDITED.removesuffix(".txt")):
            assert np.array_equal(after[chunk_id], vector), chunk_id
    question = "What rare edition of Abai's poems did Lavrov give to the National Academic Library?"
    hits = retrieve(small_store, question, k=3)
    assert any(h.chunk.doc == EDITED and new_sentence in h.chunk.text for h in hits), hits
    # The sentence vectors (the answerer's evidence) were refreshed too: the new sentence is the best match.
    sentences = all_sentences(small_store)
    vector = embed_query(small_store, question)
    best = max(sentences, key=lambda s: float(s.vector @ vector)).sentence
    assert (best.doc, best.text) == (EDITED, new_sentence)


def test_deleting_an_article_removes_it_from_search(small_store, no_model):
    (small_store.documents_dir / DELETED).unlink()

    report = build_index(small_store, progress=False)  # nothing to embed: the model must not load

    assert report.removed == [DELETED] and report.added == report.updated == [] and report.unchanged == 2
    assert report.chunks_embedded == 0
    store = open_store(small_store)
    assert DELETED not in store.articles()
    assert DELETED not in {c.doc for c in store.chunks()} | {s.sentence.doc for s in all_sentences(small_store)}
    assert store.status().chunks == len(list(store.chunks())) == sum(len(r.chunk_ids) for r in store.articles().values())


def test_a_deleted_article_is_never_returned(small_store):
    (small_store.documents_dir / DELETED).unlink()
    build_index(small_store, progress=False)
    total = open_store(small_store).status().chunks
    for query in ("Порты Бургас и Варна и Транскаспийский маршрут", "Bulgarian ports on the Black Sea"):
        hits = retrieve(small_store, query, k=total + 5)
        assert len(hits) == total and DELETED not in {h.chunk.doc for h in hits}


def test_full_rebuild_embeds_everything(small_store):
    old_version = open_store(small_store).version()

    report = build_index(small_store, full=True, progress=False)

    assert report.chunks_embedded == report.chunks > 0
    assert report.added == sorted(p.name for p in small_store.documents_dir.glob("*.txt"))
    assert report.version != old_version and open_store(small_store).version() == report.version
    if not small_store.store_url:
        assert version_dirs(small_store.index_dir) == [report.version]  # the old FAISS version is gone


def test_changing_the_chunking_settings_forces_a_full_rebuild(small_store, capsys, monkeypatch):
    # Through the CLI, with the setting changed in the environment as a user would.
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "120")
    code, out, _ = run_cli(capsys, "index", "--documents", small_store.documents_dir, *store_args(small_store))
    assert code == 0
    # The CLI prints the report's full_rebuild_reason.
    assert re.search(r"^Full rebuild: the chunking settings changed .*'chunk_tokens': 200.*'chunk_tokens': 120", out, re.M)
    chunks, embedded = map(int, re.search(r"(\d+) chunks, (\d+) embedded", out).groups())
    assert chunks == embedded > 0
    store = open_store(small_store)
    assert store.meta()["chunking"]["chunk_tokens"] == 120 and len(list(store.chunks())) == chunks
    tokenizer = embedding.load_tokenizer(small_store)
    assert max(len(tokenizer.tokenize(c.text)) for c in store.chunks()) <= 120


def test_sentences_are_embedded_alone_and_with_title_and_an_older_layout_is_re_embedded(small_index):
    # The default layout ("pooled_title"): a chunk is its own pass; a sentence its pass alone, blended with
    # that pass pooled with its title's (an approximation of the sentence read with its title).
    index = load_snapshot(small_index.index_dir)
    model = embedding.load_embedder(small_index)
    chunk = index.chunks[len(index.chunks) // 2]
    own = embedding.encode_documents(model, [embedding.document_text(chunk.title, chunk.text)])[0]
    assert float(own @ index.embeddings[len(index.chunks) // 2]) > 0.9999
    row = len(index.sentences) // 2
    sentence = index.sentences[row]
    title = index.documents[sentence.doc]["title"]
    texts = [embedding.document_text("", sentence.text), embedding.document_text(title, ""),
             embedding.document_text(title, sentence.text)]
    whole, raw, counts = embedding.encode_pooled(model, texts, [len(embedding.document_text("", "")), 0, 0])
    alone = whole[0] / np.linalg.norm(whole[0])
    pooled = counts[0] * raw[0] + counts[1] * raw[1]
    expected = sentence_vectors(alone[None], (pooled / np.linalg.norm(pooled))[None])[0]
    stored = index.sentence_embeddings[row]
    assert float(expected @ stored) > 0.999
    assert float(alone @ stored) < 0.999  # a blend, not the sentence alone
    # ... and the pooled twin stands in for the sentence read with its title: closer to it than alone is.
    titled = whole[2] / np.linalg.norm(whole[2])
    assert float(stored @ titled) > float(alone @ titled)
    # an index written when sentences were embedded with their article's title
    manifest_path = index.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["sentence_embedding"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    forget_stores()  # as a new process would: the build above may have left this version in memory

    report = build_index(small_index, progress=False)

    assert report.full_rebuild_reason and "sentences are now embedded" in report.full_rebuild_reason
    assert report.chunks_embedded == report.chunks > 0
    assert open_store(small_index).meta()["sentence_embedding"] == SENTENCE_EMBEDDING


# --- an interrupted build -------------------------------------------------------------

# `rag index` as the CLI runs it, but pausing once the new version's first files are written,
# so that the SIGKILL lands in the middle of writing a version.
PAUSE_WHILE_WRITING = """
import sys, time
import rag.store.faiss_store as backend
write = backend._write_jsonl
def paused(path, rows):
    write(path, rows)
    if path.name == "sentences.jsonl":
        print("PAUSED-WRITING", path.parent, file=sys.stderr, flush=True)
        time.sleep(600)
backend._write_jsonl = paused
from rag.cli import main
sys.exit(main(sys.argv[1:]))
"""


def start_and_kill(argv: list[str], log: Path, marker: str, timeout: float = 300) -> str:
    """Run a command with stderr to ``log``, SIGKILL it once ``marker`` appears there; return the log."""
    with log.open("w") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while marker not in log.read_text(errors="replace"):
            assert proc.poll() is None, f"finished before it could be killed:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no {marker!r} after {timeout}s:\n{log.read_text()}"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    return log.read_text(errors="replace")


def assert_old_index_serves(settings: Settings, version: str, chunks: int) -> None:
    assert current_version(settings.index_dir) == version
    store = open_store(settings)
    assert store.version() == version and len(list(store.chunks())) == chunks
    hits = retrieve(settings, "Lavrov Tokayev Astana", k=3)
    assert hits and hits[0].chunk.doc == EDITED


def test_a_killed_build_leaves_the_old_index_usable(small_index, capsys, tmp_path):
    old_version = current_version(small_index.index_dir)
    old_chunks = len(list(open_store(small_index).chunks()))
    args = ["index", "--full", "--documents", str(small_index.documents_dir), "--index", str(small_index.index_dir)]

    # 1. killed while loading the model
    start_and_kill(rag_command() + args, tmp_path / "load.log", "Loading embedding model")
    assert_old_index_serves(small_index, old_version, old_chunks)

    # 2. killed while writing the new version (after all the embedding)
    log = start_and_kill([sys.executable, "-c", PAUSE_WHILE_WRITING, *args], tmp_path / "write.log", "PAUSED-WRITING")
    leftovers = [p for p in small_index.index_dir.iterdir() if p.name.startswith(".tmp-")]
    assert len(leftovers) == 1 and (leftovers[0] / "sentences.jsonl").is_file(), log
    assert not (leftovers[0] / "manifest.json").exists()
    assert_old_index_serves(small_index, old_version, old_chunks)

    # 3. the next build succeeds (nothing changed, so it embeds nothing) and removes the leftovers
    code, out, err = run_cli(capsys, *args[:1], *args[2:], "--json")
    assert code == 0, err
    assert json.loads(out)["chunks_embedded"] == 0
    assert version_dirs(small_index.index_dir) == [old_version]
    assert_old_index_serves(small_index, old_version, old_chunks)


# --- unusable files --------------------------------------------------------------------

BAD_FILES_DIR = Path(__file__).resolve().parent / "fixtures" / "articles"
BAD_FILES = {  # file in tests/fixtures/articles -> the reason the build gives
    "binary.txt": "binary file (contains NUL bytes)",
    "latin1.txt": "not valid UTF-8 (byte 0xe9 at position 1)",
    "empty.txt": "empty file",
    "blank.txt": "empty file",
}


def test_bad_files_are_skipped_with_reasons_and_the_rest_is_indexed(small_store, capsys):
    for name in BAD_FILES:
        shutil.copy2(BAD_FILES_DIR / name, small_store.documents_dir / name)
    shutil.copy2(DOCUMENTS / ADDED, small_store.documents_dir / ADDED)
    args = ["index", "--documents", small_store.documents_dir, *store_args(small_store)]

    code, out, err = run_cli(capsys, *args, "--json")

    assert code == 0
    summary = json.loads(out)
    assert summary["documents"] == 4 and summary["added"] == 1 and summary["unchanged"] == 3
    for name, reason in BAD_FILES.items():
        assert re.search(rf"^skipped (?:.*/)?{re.escape(name)}: {re.escape(reason)}$", err, re.M), (name, err)
    store = open_store(small_store)
    good = sorted(p.name for p in small_store.documents_dir.glob("*.txt") if p.name not in BAD_FILES)
    assert sorted(store.articles()) == sorted({c.doc for c in store.chunks()}) == good

    report = build_index(small_store, progress=False)
    assert {Path(s.path).name: s.reason for s in report.skipped} == BAD_FILES
    assert report.documents == 4 and report.chunks_embedded == 0


# --- broken or missing index --------------------------------------------------------------


def truncate_vectors(path: Path) -> None:
    file = path / "vectors.faiss"
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])


CORRUPTIONS = {
    "truncated-faiss": truncate_vectors,
    "garbage-manifest": lambda path: (path / "manifest.json").write_bytes(b"\x00{not json at all"),
    "wrong-format": lambda path: (path / "manifest.json").write_text(json.dumps({"format": 99})),
    "missing-chunks": lambda path: (path / "chunks.jsonl").unlink(),
    "short-embeddings": lambda path: np.save(path / "embeddings.npy", np.zeros((1, 768), np.float32)),
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_corrupt_index_makes_search_fail_with_advice(small_index, capsys, corrupt, no_model):
    corrupt(small_index.index_dir / current_version(small_index.index_dir))
    with pytest.raises(IndexUnavailable, match=r"rag index --full"):
        load_snapshot(small_index.index_dir)
    code, out, err = run_cli(capsys, "search", "Lavrov", "--index", small_index.index_dir)
    assert code == 1 and out == ""
    assert err.startswith("error: ") and "`rag index --full`" in err


def test_search_on_a_corrupt_index_exits_1_as_a_command(small_index):
    truncate_vectors(small_index.index_dir / current_version(small_index.index_dir))
    proc = subprocess.run(rag_command() + ["search", "Lavrov", "--index", str(small_index.index_dir)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "rag index --full" in proc.stderr


def test_output_into_a_closed_pipe_ends_quietly(small_index):
    # `rag index | head -0`: the reader is gone before the report is printed; no traceback, the SIGPIPE code.
    import os

    read, write = os.pipe()
    os.close(read)
    proc = subprocess.Popen(rag_command() + ["index", "--documents", str(small_index.documents_dir),
                                             "--index", str(small_index.index_dir)],
                            stdout=write, stderr=subprocess.PIPE, text=True)
    os.close(write)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141 and "Traceback" not in err and "BrokenPipe" not in err, err


def test_search_without_an_index_says_to_build_one(tmp_path, capsys):
    missing = tmp_path / "no-index-here"
    proc = subprocess.run(rag_command() + ["search", "Lavrov", "--index", str(missing)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "`rag index`" in proc.stderr and "--full" not in proc.stderr
    assert not missing.exists()  # searching never creates an index folder


# --- JSON output -----------------------------------------------------------------------


def test_index_json_has_exactly_the_documented_keys(small_store, capsys):
    code, out, _ = run_cli(capsys, "index", "--documents", small_store.documents_dir, *store_args(small_store),
                           "--json")
    assert code == 0
    summary = json.loads(out)
    assert set(summary) == {"documents", "added", "updated", "removed", "unchanged", "chunks", "chunks_embedded",
                            "seconds"}
    assert summary["documents"] == summary["unchanged"] == 3 and summary["chunks_embedded"] == 0
    assert all(isinstance(v, int) for k, v in summary.items() if k != "seconds")
    assert isinstance(summary["seconds"], float)


def test_search_json_has_the_documented_shape(small_store, capsys):
    query = "Что обсуждали Токаев и Лавров в Астане?"
    code, out, _ = run_cli(capsys, "search", query, *store_args(small_store), "--k", "3", "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"query", "results"} and result["query"] == query
    assert [r["rank"] for r in result["results"]] == [1, 2, 3]
    by_id = {c.chunk_id: c for c in open_store(small_store).chunks()}
    for r in result["results"]:
        assert set(r) == {"rank", "doc", "title", "date", "language", "score", "chunk_id", "url", "text"}
        chunk = by_id[r["chunk_id"]]
        assert (r["doc"], r["title"], r["date"], r["language"], r["text"]) == (
            chunk.doc, chunk.title, chunk.date, chunk.language, chunk.text)
        assert isinstance(r["score"], float) and -1 <= r["score"] <= 1
    scores = [r["score"] for r in result["results"]]
    assert scores == sorted(scores, reverse=True)
    assert result["results"][0]["doc"] == EDITED
