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
from rag.settings import Settings

MAX_NAME_CHARS = 150
_NAME_CHARS = re.compile(r"[\w .()+,\-]+")

# One index build at a time from this process (build_index also holds a file lock across processes).
INDEX_LOCK = threading.Lock()


class UploadRejected(ValueError):
    """An uploaded file cannot be added; the message says why, for the user."""


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
        raise UploadRejected("the file has no name")
    if "/" in name or "\\" in name or "\x00" in name:
        raise UploadRejected("the name contains a path (only a bare file name is accepted)")
    if ".." in name:
        raise UploadRejected("the name contains “..”")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise UploadRejected("the name contains control or invisible characters")
    if name.startswith("."):
        raise UploadRejected("hidden file names (starting with “.”) are not accepted")
    if name.startswith("-"):
        raise UploadRejected("file names starting with “-” are not accepted")
    if name != name.strip():
        raise UploadRejected("the name starts or ends with a space")
    if not name.endswith(ARTICLE_SUFFIXES):
        suffix = Path(name).suffix or "no extension"
        raise UploadRejected(f"only .txt, .html and .htm files are accepted (this one has {suffix})")
    if Path(name).stem.lower() == "readme":
        raise UploadRejected(f"{name} is reserved for notes and is not indexed; rename the file")
    if len(name) > MAX_NAME_CHARS:
        raise UploadRejected(f"the name is longer than {MAX_NAME_CHARS} characters")
    if not _NAME_CHARS.fullmatch(name):
        bad = sorted({ch for ch in name if not _NAME_CHARS.fullmatch(ch)})
        raise UploadRejected("the name contains characters that are not allowed: " + " ".join(bad))
    return name


def check_upload(name: str, data: bytes, settings: Settings) -> Article:
    """The parsed article if ``data`` under ``name`` may be added, else UploadRejected with the reason.

    The article is parsed from a temporary copy with :func:`read_article`, exactly as the indexer will.
    """
    check_name(name)
    if len(data) > settings.max_upload_bytes:
        raise UploadRejected(f"the file is {_size(len(data))}; the limit is {_size(settings.max_upload_bytes)}")
    if not data.strip():
        raise UploadRejected("the file is empty")
    if b"\x00" in data:
        raise UploadRejected("binary file (contains NUL bytes), not text")
    if name.endswith(HTML_SUFFIXES):
        try:
            decode_html(data)
        except ArticleError as exc:
            raise UploadRejected(str(exc)) from None
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UploadRejected(f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at position {exc.start}); "
                                 "save the file as UTF-8") from None
    with tempfile.TemporaryDirectory(prefix="diplorag-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            article = read_article(path)
        except ArticleError as exc:
            raise UploadRejected(f"not a usable article: {exc}") from None
    return article


def save_atomically(directory: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``directory/name`` so that readers see the old file or the new one, never half."""
    target = directory / check_name(name)
    if target.resolve().parent != directory.resolve():
        raise UploadRejected("the name does not stay inside the documents folder")
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


def add_articles(settings: Settings, files: list[tuple[str, Path]],
                 progress: Callable[[float, str], None] | None = None) -> UploadReport:
    """Check, save and index uploaded files given as (name the user gave, path of the uploaded copy).

    Indexing is incremental and serialised by :data:`INDEX_LOCK`; on an indexing failure the
    saved files stay in place (the next build picks them up) and ``report.error`` says what failed.
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
        step(0.3 * i / max(1, len(files)), f"Checking {name}")
        result = UploadResult(name=name, status="rejected")
        report.files.append(result)
        try:
            if name in seen:
                raise UploadRejected("the same name appears twice in this upload")
            seen.add(name)
            size = Path(path).stat().st_size
            if size > settings.max_upload_bytes:
                raise UploadRejected(f"the file is {_size(size)}; the limit is {_size(settings.max_upload_bytes)}")
            data = Path(path).read_bytes()
            article = check_upload(name, data, settings)
        except UploadRejected as exc:
            result.reason = str(exc)
            continue
        except OSError as exc:
            result.reason = f"the upload could not be read ({exc.strerror or exc})"
            continue
        result.title, result.date, result.language = article.title, article.date, article.language
        existing = documents / name
        if existing.is_file():
            if sha256_file(existing) == hashlib.sha256(data).hexdigest():
                result.status, result.reason = "unchanged", "the same file is already in the collection"
                continue
            result.status = "updated"
        else:
            result.status = "added"
        to_save.append((result, data))

    if not to_save:
        step(1.0, "Nothing to index")
        return report

    step(0.35, "Saving")
    documents.mkdir(parents=True, exist_ok=True)
    for result, data in to_save:
        try:
            save_atomically(documents, result.name, data)
        except (OSError, UploadRejected) as exc:
            result.status, result.reason = "rejected", f"could not be saved ({getattr(exc, 'strerror', None) or exc})"
    if not any(r.status in ("added", "updated") for r, _ in to_save):
        return report

    step(0.4, "Waiting for the index" if INDEX_LOCK.locked() else "Updating the index")
    with INDEX_LOCK:
        step(0.45, "Updating the index (embedding the new text)")
        try:
            build = build_index(settings, full=False, progress=True)
        except Exception as exc:  # noqa: BLE001 - reported to the user, logged by the caller
            report.error = f"The files were saved but the index could not be updated: {exc}"
            return report
    report.index_summary = build.summary()
    skipped = {Path(s.path).name: s.reason for s in build.skipped}
    for result, _ in to_save:
        if result.name in skipped:
            result.status, result.reason = "rejected", f"the indexer skipped it: {skipped[result.name]}"
    step(1.0, "Done")
    return report


def fetch_url_into_documents(settings: Settings, url: str) -> UploadReport:
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
        report.files.append(UploadResult(name="", status="rejected", reason="no URL given"))
        return report
    if not url.lower().startswith(("http://", "https://")):
        report.files.append(UploadResult(name=url, status="rejected",
                                         reason="only http:// and https:// addresses can be fetched"))
        return report
    documents = settings.documents_dir
    before = {p.name for p in documents.iterdir()} if documents.is_dir() else set()
    try:
        fetched = fetch(documents, urls=[url])
    except (OSError, ArticleError) as exc:
        report.error = f"The page could not be fetched into {documents}: {exc}"
        return report
    for item in fetched.fetched:
        article = read_article(documents / item["file"])
        report.files.append(UploadResult(name=item["file"], status="updated" if item["file"] in before else "added",
                                         title=article.title, date=article.date, language=article.language))
    for item in fetched.duplicates:
        report.files.append(UploadResult(name=item["url"], status="rejected",
                                         reason=f"the same article is already in the collection as {item['same_as']}"
                                                " (this address was added to it as another source)"))
    for item_url in fetched.unchanged:
        report.files.append(UploadResult(name=item_url, status="unchanged",
                                         reason="this page was fetched before and has not changed"))
    for item in fetched.failed:
        report.files.append(UploadResult(name=item["url"], status="rejected", reason=item["reason"]))
    if not fetched.fetched and not fetched.duplicates:
        return report
    from rag.index import build_index

    with INDEX_LOCK:
        try:
            build = build_index(settings, full=False, progress=True)
        except Exception as exc:  # noqa: BLE001 - reported to the user, logged by the caller
            report.error = f"The page was saved but the index could not be updated: {exc}"
            return report
    report.index_summary = build.summary()
    return report


def _size(n: int) -> str:
    return f"{n:,} bytes"
