"""The gold set: reading and checking the gold file (:func:`check_gold`) against the documents folder."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from rag.articles import Article, ArticleError, list_article_paths, read_article
from rag.settings import SUPPORTED_LANGUAGES

LANGUAGES = SUPPORTED_LANGUAGES
NO_EVIDENCE = "—"  # the evidence-language "cell" of unanswerable questions
EVIDENCE_LANGUAGES = (*LANGUAGES, NO_EVIDENCE)
ALL = "all"

REQUIRED_FIELDS = ("id", "question", "language", "answer", "doc", "evidence")
OPTIONAL_FIELDS = ("also_docs", "history", "split")
SPLITS = ("tune", "test")
# The old ids ("q001"): their split is the number's parity, the halves earlier work tuned and tested on.
ID_PATTERN = re.compile(r"^q(\d+)$")


def derive_split(question_id: str) -> str:
    """The half a question belongs to when its line names none: old ``q<number>`` ids by parity (odd →
    tune, even → test), any other id by its SHA-256 (even → tune, odd → test), so it never changes."""
    old = ID_PATTERN.match(question_id)
    if old:
        return "tune" if int(old.group(1)) % 2 else "test"
    return "tune" if int(hashlib.sha256(question_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


# --- the gold set ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldQuestion:
    """One line of the gold file, with what the checker learnt about its evidence."""

    id: str
    question: str
    language: str
    answer: str | None
    doc: str | None
    evidence: str | None
    also_docs: tuple[str, ...] = ()
    line: int = 0
    evidence_language: str = NO_EVIDENCE  # the doc's language
    evidence_span: tuple[int, int] | None = None  # where the evidence stands in the doc's cleaned body
    history: tuple[str, ...] = ()  # earlier questions of the same conversation, oldest first
    split: str | None = None  # "tune" or "test"; None → derived from the id (derive_split)

    def __post_init__(self) -> None:
        if self.split is None:
            object.__setattr__(self, "split", derive_split(self.id))

    @property
    def answerable(self) -> bool:
        return self.doc is not None

    @property
    def docs(self) -> frozenset[str]:
        """Every article that holds the answer: ``doc`` and its twins."""
        return frozenset(d for d in (self.doc, *self.also_docs) if d)


@dataclass(frozen=True)
class GoldProblem:
    """Something wrong with one line of the gold file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def normalise_space(text: str) -> str:
    """Whitespace runs as single spaces, ends stripped (evidence is compared this way)."""
    return " ".join(text.split())


def locate(needle: str, haystack: str) -> tuple[int, int] | None:
    """Where ``needle`` stands in ``haystack`` allowing any whitespace run for each of its spaces."""
    words = needle.split()
    if not words:
        return None
    m = re.search(r"\s+".join(re.escape(w) for w in words), haystack)
    return (m.start(), m.end()) if m else None


def _field_problems(obj: dict) -> list[str]:
    """Missing, extra and mistyped fields, wrong language code, inconsistent answer/doc/evidence."""
    problems = [f"missing field '{f}'" for f in REQUIRED_FIELDS if f not in obj]
    problems += [f"unknown field '{f}'" for f in obj if f not in REQUIRED_FIELDS + OPTIONAL_FIELDS]
    for name in ("id", "question", "language"):
        if name in obj and (not isinstance(obj[name], str) or not obj[name].strip()):
            problems.append(f"'{name}' must be a non-empty string")
    for name in ("answer", "doc", "evidence"):
        if obj.get(name) is not None and (not isinstance(obj[name], str) or not obj[name].strip()):
            problems.append(f"'{name}' must be a non-empty string or null")
    if isinstance(obj.get("language"), str) and obj["language"].strip() and obj["language"] not in LANGUAGES:
        problems.append(f"unknown language {obj['language']!r} (use one of {', '.join(LANGUAGES)})")
    if "also_docs" in obj:
        also = obj["also_docs"]
        if not isinstance(also, list) or not also or not all(isinstance(d, str) and d for d in also):
            problems.append("'also_docs' must be a non-empty list of file names")
    if "history" in obj:
        history = obj["history"]
        if not isinstance(history, list) or not history or \
                not all(isinstance(h, str) and h.strip() for h in history):
            problems.append("'history' must be a non-empty list of the earlier questions (non-empty strings, "
                            "oldest first); leave it out for a question that opens a conversation")
    if "split" in obj and obj["split"] not in SPLITS:
        problems.append(f"unknown split {obj['split']!r} (use one of {', '.join(SPLITS)}, or leave it out to "
                        "derive it from the id)")
    if all(f in obj for f in ("answer", "doc", "evidence")):
        nulls = [obj[f] is None for f in ("answer", "doc", "evidence")]
        if any(nulls) and not all(nulls):
            problems.append("'answer', 'doc' and 'evidence' must be all null (unanswerable) or all set")
        elif all(nulls) and obj.get("also_docs"):
            problems.append("an unanswerable question (answer/doc/evidence null) has no 'also_docs'")
    return problems


class _ArticleCache:
    """The documents folder's articles, each read once (cleaned body and raw text)."""

    def __init__(self, documents_dir: Path) -> None:
        self.dir = Path(documents_dir)
        self.names = {p.name for p in list_article_paths(self.dir)} if self.dir.is_dir() else set()
        self._articles: dict[str, Article | str] = {}

    def article(self, name: str) -> Article | str:
        """The parsed article, or why it cannot be read."""
        if name not in self._articles:
            try:
                self._articles[name] = read_article(self.dir / name)
            except ArticleError as exc:
                self._articles[name] = str(exc)
        return self._articles[name]

    def raw(self, name: str) -> str:
        return (self.dir / name).read_text(encoding="utf-8", errors="replace")


def _doc_problems(obj: dict, articles: _ArticleCache) -> list[str]:
    """Unknown ``doc``/``also_docs`` and evidence that is not verbatim in ``doc``."""
    problems = []
    doc = obj.get("doc")
    for name in [doc] + list(obj.get("also_docs") or []):
        if name is not None and name not in articles.names:
            problems.append(f"unknown document {name!r} (not an article file in {articles.dir})")
    also = list(obj.get("also_docs") or [])
    if doc in also:
        problems.append(f"'also_docs' repeats 'doc' {doc!r}")
    if len(set(also)) != len(also):
        problems.append("'also_docs' lists a file twice")
    if doc in articles.names and obj.get("evidence"):
        article = articles.article(doc)
        if isinstance(article, str):
            problems.append(f"document {doc!r} cannot be read: {article}")
        elif normalise_space(obj["evidence"]) not in normalise_space(article.body) and \
                normalise_space(obj["evidence"]) not in normalise_space(articles.raw(doc)):
            problems.append(f"evidence is not verbatim in {doc!r}: {obj['evidence'][:80]!r}")
    return problems


def _gold_question(obj: dict, line: int, articles: _ArticleCache) -> GoldQuestion:
    language, span = NO_EVIDENCE, None
    if obj["doc"]:
        article = articles.article(obj["doc"])
        assert isinstance(article, Article)
        language, span = article.language, locate(obj["evidence"], article.body)
    return GoldQuestion(obj["id"], obj["question"], obj["language"], obj["answer"], obj["doc"], obj["evidence"],
                        tuple(obj.get("also_docs") or ()), line, language, span,
                        history=tuple(obj.get("history") or ()), split=obj.get("split"))


def check_gold(path: Path, documents_dir: Path) -> tuple[list[GoldQuestion], list[GoldProblem]]:
    """Read and validate the gold file against the documents folder: (questions, problems).

    Checked per line: valid JSON object, exactly the known fields, types, language code, id (any
    non-empty string) uniqueness, ``history`` (a list of non-empty strings) and ``split`` (tune/test),
    answer/doc/evidence all null or all set, ``doc`` and ``also_docs`` are article files in
    ``documents_dir``, and the evidence stands verbatim (whitespace runs aside) in the doc's cleaned
    body or, failing that, in the raw file. Questions come back only for lines without problems.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [], [GoldProblem(0, f"cannot read {path}: {exc}")]
    articles = _ArticleCache(documents_dir)
    questions: list[GoldQuestion] = []
    problems: list[GoldProblem] = []
    seen_ids: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(GoldProblem(number, f"invalid JSON ({exc.msg} at column {exc.colno})"))
            continue
        if not isinstance(obj, dict):
            problems.append(GoldProblem(number, "not a JSON object"))
            continue
        found = _field_problems(obj)
        if not found:
            found = _doc_problems(obj, articles)
        if isinstance(obj.get("id"), str):
            if obj["id"] in seen_ids:
                found.append(f"duplicate id {obj['id']!r} (first on line {seen_ids[obj['id']]})")
            seen_ids.setdefault(obj["id"], number)
        problems += [GoldProblem(number, message) for message in found]
        if not found:
            questions.append(_gold_question(obj, number, articles))
    if not lines or not any(t.strip() for t in lines):
        problems.append(GoldProblem(0, f"{path} holds no questions"))
    return questions, problems
