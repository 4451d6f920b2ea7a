"""Adding articles through the app: checking uploaded files, saving them, updating the index.

File-name policy (names are *rejected*, never silently rewritten, so what lands in
``documents/`` is exactly what the user named):

* the name is taken as the uploader gave it and must be a bare file name: no ``/`` or ``\\``,
  no ``..``, no control characters;
* it must not be hidden (leading ``.``) or look like an option (leading ``-``), nor start or
  end with a space;
* it must end in ``.txt``, ``.html`` or ``.htm`` (lower case, as the indexer reads only those),
  and must not be a README (the indexer skips those);
* letters (any script), digits, spaces and ``_ - . ( ) , +`` only, at most 150 characters.

The content must be at most ``settings.max_upload_bytes`` bytes of text (no NUL bytes) that
:func:`rag.articles.read_article` accepts as an article: UTF-8 for ``.txt``; for HTML, UTF-8 or
the charset the page declares. :func:`fetch_url_into_documents` adds one web page by its URL
(through :mod:`rag.fetch`, with its etiquette and duplicate check). A file whose name and bytes
match an existing article changes nothing ("unchanged"); same name, other bytes replaces it
("updated"). Files are written atomically (temporary hidden file, fsync, rename).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rag.articles import ARTICLE_SUFFIXES, HTML_SUFFIXES, Article, ArticleError, decode_html, read_article
from rag.embedding import sha256_file
from rag.i18n import format_bytes, message
from rag.settings import Settings

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 150
_NAME_CHARS = re.compile(r"[\w .()+,\-]+")

# One index build at a time from this process (build_index also holds a file lock across processes).
INDEX_LOCK = threading.Lock()


class UploadRejected(ValueError):
    """An uploaded file cannot be added; :meth:`text` says why, for the user, in their language.

    Raised with a message key of :mod:`rag.i18n` and its values; ``str()`` is the English text.
    """

    def __init__(self, key: str, **values: object) -> None:
        self.key, self.values = key, values
        super().__init__(message(key, "en", **values))

    def text(self, language: str) -> str:
        """The reason in ``language``."""
        return message(self.key, language, **self.values)


@dataclass
class UploadResult:
    """What happened to one uploaded file."""

    name: str
    status: str  # "added" | "updated" | "unchanged" | "rejected"
    reason: str = ""
    title: str = ""
    date: str | None = None
    language: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "reason": self.reason, "title": self.title,
                "date": self.date, "language": self.language}


@dataclass
class UploadReport:
    """The outcome of one "Add articles" action."""

    files: list[UploadResult] = field(default_factory=list)
    index_summary: dict | None = None
    error: str | None = None

    def by_status(self, status: str) -> list[UploadResult]:
        return [f for f in self.files if f.status == status]

    def to_dict(self) -> dict:
        return {"files": [f.to_dict() for f in self.files], "index": self.index_summary, "error": self.error}


def check_name(name: str) -> str:
    """The name if it is a safe article file name, else UploadRejected saying why."""
    if not name or not name.strip():
        raise UploadRejected("upload_no_name")
    if "/" in name or "\\" in name or "\x00" in name:
        raise UploadRejected("upload_path")
    if ".." in name:
        raise UploadRejected("upload_dotdot")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise UploadRejected("upload_control")
    if name.startswith("."):
        raise UploadRejected("upload_hidden")
    if name.startswith("-"):
        raise UploadRejected("upload_dash")
    if name != name.strip():
        raise UploadRejected("upload_space")
    if not name.endswith(ARTICLE_SUFFIXES):
        suffix = Path(name).suffix
        raise UploadRejected("upload_not_txt", suffix=suffix) if suffix else UploadRejected("upload_no_extension")
    if Path(name).stem.lower() == "readme":
        raise UploadRejected("upload_readme")
    if len(name) > MAX_NAME_CHARS:
        raise UploadRejected("upload_name_long", limit=MAX_NAME_CHARS)
    if not _NAME_CHARS.fullmatch(name):
        bad = sorted({ch for ch in name if not _NAME_CHARS.fullmatch(ch)})
        raise UploadRejected("upload_bad_chars", chars=" ".join(bad))
    return name


def check_upload(name: str, data: bytes, settings: Settings) -> Article:
    """The parsed article if ``data`` under ``name`` may be added, else UploadRejected with the reason.

    The article is parsed from a temporary copy with :func:`read_article`, exactly as the indexer will.
    """
    check_name(name)
    if len(data) > settings.max_upload_bytes:
        raise too_big(len(data), settings)
    if not data.strip():
        raise UploadRejected("upload_empty")
    if b"\x00" in data:
        raise UploadRejected("upload_binary")
    if name.endswith(HTML_SUFFIXES):
        try:
            decode_html(data)
        except ArticleError as exc:
            raise UploadRejected("upload_html_unreadable", reason=str(exc)) from None
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UploadRejected("upload_not_utf8", byte=f"{data[exc.start]:02x}", position=exc.start) from None
    with tempfile.TemporaryDirectory(prefix="diplorag-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            article = read_article(path)
        except ArticleError as exc:
            raise UploadRejected("upload_not_article", reason=exc) from None
    return article


def save_atomically(directory: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``directory/name`` so that readers see the old file or the new one, never half."""
    target = directory / check_name(name)
    if target.resolve().parent != directory.resolve():
        raise UploadRejected("upload_outside")
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def too_big(size: int, settings: Settings) -> UploadRejected:
    """The rejection of a file of ``size`` bytes over the one upload limit (the app's and Gradio's)."""
    return _SizeRejected(size, settings.max_upload_bytes)


class _SizeRejected(UploadRejected):
    """Sizes are formatted in the reader's language (digit grouping, unit name)."""

    def __init__(self, size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        super().__init__("upload_too_big", size=format_bytes(size, "en"), limit=format_bytes(limit, "en"))

    def text(self, language: str) -> str:
        return message("upload_too_big", language, size=format_bytes(self.size, language),
                       limit=format_bytes(self.limit, language))


def add_articles(settings: Settings, files: list[tuple[str, Path]],
                 progress: Callable[[float, str], None] | None = None, language: str = "en") -> UploadReport:
    """Check, save and index uploaded files given as (name the user gave, path of the uploaded copy).

    Indexing is incremental and serialised by :data:`INDEX_LOCK`; on an indexing failure the
    saved files stay in place (the next build picks them up) and ``report.error`` says what failed.
    Reasons and progress texts are in ``language``.
    """
    from rag.index import build_index

    def step(fraction: float, text: str) -> None:
        if progress is not None:
            progress(fraction, text)

    report = UploadReport()
    seen: set[str] = set()
    to_save: list[tuple[UploadResult, bytes]] = []
    documents = settings.documents_dir
    for i, (name, path) in enumerate(files):
        step(0.3 * i / max(1, len(files)), message("progress_checking", language, name=name))
        result = UploadResult(name=name, status="rejected")
        report.files.append(result)
        try:
            if name in seen:
                raise UploadRejected("upload_duplicate")
            seen.add(name)
            size = Path(path).stat().st_size
            if size > settings.max_upload_bytes:
                raise too_big(size, settings)
            data = Path(path).read_bytes()
            article = check_upload(name, data, settings)
        except UploadRejected as exc:
            result.reason = exc.text(language)
            log.info("upload rejected: %r: %s", name, exc)
            continue
        except OSError as exc:
            result.reason = message("upload_unreadable", language, reason=exc.strerror or exc)
            log.warning("upload rejected: %r could not be read: %s", name, exc)
            continue
        result.title, result.date, result.language = article.title, article.date, article.language
        existing = documents / name
        if existing.is_file():
            if sha256_file(existing) == hashlib.sha256(data).hexdigest():
                result.status, result.reason = "unchanged", message("upload_same_file", language)
                continue
            result.status = "updated"
        else:
            result.status = "added"
        to_save.append((result, data))

    if not to_save:
        step(1.0, message("progress_nothing", language))
        return report

    step(0.35, message("progress_saving", language))
    documents.mkdir(parents=True, exist_ok=True)
    for result, data in to_save:
        try:
            save_atomically(documents, result.name, data)
        except (OSError, UploadRejected) as exc:
            reason = exc.text(language) if isinstance(exc, UploadRejected) else (exc.strerror or exc)
            result.status, result.reason = "rejected", message("upload_unsaved", language, reason=reason)
            log.warning("upload rejected: %r could not be saved: %s", result.name, exc)
    if not any(r.status in ("added", "updated") for r, _ in to_save):
        return report

    step(0.4, message("progress_waiting" if INDEX_LOCK.locked() else "progress_updating", language))
    with INDEX_LOCK:
        step(0.45, message("progress_updating", language))
        try:
            build = build_index(settings, full=False, progress=True)
        except Exception as exc:  # noqa: BLE001 - reported to the user, logged by the caller
            report.error = message("upload_index_failed", language, reason=exc)
            return report
    report.index_summary = build.summary()
    skipped = {Path(s.path).name: s.reason for s in build.skipped}
    for result, _ in to_save:
        if result.name in skipped:
            result.status, result.reason = "rejected", message("upload_skipped", language, reason=skipped[result.name])
            log.info("upload rejected: %r skipped by the indexer: %s", result.name, skipped[result.name])
    step(1.0, message("progress_done", language))
    return report


def fetch_url_into_documents(settings: Settings, url: str, language: str = "en") -> UploadReport:
    """Fetch one web page into the documents folder (:func:`rag.fetch.fetch`) and update the index.

    The page gets one :class:`UploadResult` named after the saved file (or the URL): "added",
    "updated" (the page changed since it was fetched), "unchanged" (fetched before and not
    changed) or "rejected" with the reason: the fetch failed (not HTML, too large, HTTP error,
    robots.txt), or the page is a copy of an article already in the collection (its URL is then
    recorded on that article as another source).
    """
    from rag.fetch import fetch

    url = (url or "").strip()
    report = UploadReport()
    if not url:
        report.files.append(UploadResult(name="", status="rejected", reason=message("url_missing", language)))
        return report
    if not url.lower().startswith(("http://", "https://")):
        report.files.append(UploadResult(name=url, status="rejected",
                                         reason=message("url_not_http", language)))
        return report
    documents = settings.documents_dir
    before = {p.name for p in documents.iterdir()} if documents.is_dir() else set()
    try:
        fetched = fetch(documents, urls=[url])
    except (OSError, ArticleError) as exc:
        report.error = message("url_fetch_failed", language, folder=documents, reason=exc)
        return report
    for item in fetched.fetched:
        article = read_article(documents / item["file"])
        report.files.append(UploadResult(name=item["file"], status="updated" if item["file"] in before else "added",
                                         title=article.title, date=article.date, language=article.language))
    for item in fetched.duplicates:
        report.files.append(UploadResult(name=item["url"], status="rejected",
                                         reason=message("url_duplicate", language, same_as=item["same_as"])))
    for item_url in fetched.unchanged:
        report.files.append(UploadResult(name=item_url, status="unchanged",
                                         reason=message("url_unchanged", language)))
    for item in fetched.failed:
        report.files.append(UploadResult(name=item["url"], status="rejected", reason=item["reason"]))
    if not fetched.fetched and not fetched.duplicates:
        return report
    from rag.index import build_index

    with INDEX_LOCK:
        try:
            build = build_index(settings, full=False, progress=True)
        except Exception as exc:  # noqa: BLE001 - reported to the user, logged by the caller
            report.error = message("url_index_failed", language, reason=exc)
            return report
    report.index_summary = build.summary()
    return report


def _size(n: int) -> str:
    return f"{n:,} bytes"
