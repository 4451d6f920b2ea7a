"""Fetching press releases from the web into the documents folder: pages, RSS/Atom feeds, sitemaps.

Each new article is saved as a ``.txt`` file in the project's header format (headline,
``date:``, ``source:``, ``language:``, ``url:``, blank line, body), so the rest of the pipeline
is unchanged and the corpus stays a folder a person can read.

Etiquette (:class:`FetchConfig`): a User-Agent naming the project, robots.txt obeyed (and its
Crawl-delay), at most ``requests_per_second`` requests per host, a timeout, a size limit (the
body is streamed and dropped once it passes the limit), retries with exponential back-off on
5xx, 429 and connection errors (a ``Retry-After`` of up to a minute is honoured), redirects
followed hop by hop (each hop is checked against robots.txt and the rate limit). Pages that are
not HTML, and feeds or sitemaps that are not XML, are refused with the reason.

A second run fetches nothing new: ``documents/.fetch-state.json`` (hidden, so the reader skips
it) keeps each page's ETag, Last-Modified and the hash of its extracted text; requests are
conditional (a 304 is "unchanged"), and a page whose text did not change is "unchanged" too.

A page whose text is a near-duplicate (:mod:`rag.dedupe`) of an article already in the folder
is not saved: its URL is added to the original's file as an ``also_url:`` line.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import os
import re
import tempfile
import time
import urllib.robotparser
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from rag.articles import (
    HEADER_LINE,
    Article,
    ArticleError,
    decode_html,
    load_articles,
    parse_html,
    render_article,
)
from rag.dedupe import DuplicateFinder, find_duplicates

log = logging.getLogger(__name__)

USER_AGENT = "DiploRAG/0.1 press-release fetcher (+https://github.com/diplorag/diplorag)"
STATE_FILE = ".fetch-state.json"
STATE_FORMAT = 1
MAX_REDIRECTS = 10
ROBOTS_REDIRECTS = 5
MAX_RETRY_AFTER_SECONDS = 60.0
SLUG_MAX_CHARS = 60

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Feeds and sitemaps: any XML type; text/plain because some servers label feeds so.
XML_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml",
             "text/plain")
# A server that does not know the type (no header, or a static file server's default for a name
# without an extension): the content is sniffed, as browsers do (WHATWG MIME sniffing), instead.
UNKNOWN_TYPES = ("", "application/octet-stream")
_LOOKS_HTML = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
_LOOKS_XML = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:\?xml|rss|feed|rdf:rdf|urlset|sitemapindex)\b", re.I)


@dataclass(frozen=True)
class FetchConfig:
    """How politely to fetch (``rag fetch`` options override the defaults)."""

    timeout: float = 20.0  # seconds, per request (connect, read)
    max_bytes: int = 5_000_000  # a press release page is well under 1 MB
    requests_per_second: float = 1.0  # per host
    retries: int = 3  # after the first attempt, on 5xx, 429 and connection errors
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    user_agent: str = USER_AGENT
    max_sitemap_depth: int = 3  # sitemap index → sitemap → ...


class FetchFailed(Exception):
    """A URL could not be fetched; ``str(exc)`` is the reason, for the summary."""


@dataclass(frozen=True)
class Response:
    """A fetched resource (``status`` 200 or 304)."""

    url: str  # after redirects
    status: int
    headers: httpx.Headers
    content: bytes
    content_type: str
    charset: str | None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


class PoliteClient:
    """An HTTP client that obeys robots.txt, a per-host rate limit, a size limit and retries with back-off."""

    def __init__(self, config: FetchConfig = FetchConfig()) -> None:
        self.config = config
        self._http = httpx.Client(follow_redirects=False, timeout=config.timeout,
                                  headers={"User-Agent": config.user_agent})
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}
        self.requests = 0  # how many HTTP requests were sent (tests and logs)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- etiquette --

    def _wait_turn(self, origin: str, delay: float) -> None:
        last = self._last_request.get(origin)
        if last is not None:
            pause = last + delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self._last_request[origin] = time.monotonic()

    def _interval(self, origin: str) -> float:
        interval = 1.0 / self.config.requests_per_second if self.config.requests_per_second > 0 else 0.0
        robots = self._robots.get(origin)
        if isinstance(robots, urllib.robotparser.RobotFileParser):
            crawl_delay = robots.crawl_delay(self.config.user_agent)
            if crawl_delay:
                interval = max(interval, float(crawl_delay))
        return interval

    def _send(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """One request, after waiting for the host's turn; the body is left unread (streamed)."""
        origin = _origin(url)
        self._wait_turn(origin, self._interval(origin))
        self.requests += 1
        request = self._http.build_request("GET", url, headers=headers)
        return self._http.send(request, stream=True)

    def allowed(self, url: str) -> None:
        """Raise FetchFailed when robots.txt forbids ``url`` to this User-Agent (or cannot be read)."""
        origin = _origin(url)
        if origin not in self._robots:
            robots_url = origin + "/robots.txt"
            try:
                target = robots_url
                for _ in range(ROBOTS_REDIRECTS + 1):  # RFC 9309: follow at least five redirects
                    response = self._send(target)
                    try:
                        location = response.headers.get("location")
                        if response.status_code in (301, 302, 303, 307, 308) and location:
                            target = urljoin(target, location)
                            continue
                        body = self._read(response, target)
                        break
                    finally:
                        response.close()
            except (httpx.HTTPError, FetchFailed) as exc:
                self._robots[origin] = f"robots.txt could not be read ({_describe(exc)}); not fetching from {origin}"
            else:
                parser = urllib.robotparser.RobotFileParser(robots_url)
                if response.status_code in (401, 403):
                    parser.disallow_all = True
                elif 400 <= response.status_code < 500:
                    parser.allow_all = True
                elif response.status_code >= 300:
                    # RFC 9309: an unreachable robots.txt means "assume everything is disallowed"
                    self._robots[origin] = (f"robots.txt answered HTTP {response.status_code}; "
                                            f"not fetching from {origin}")
                    parser = None
                else:
                    parser.parse(body.decode("utf-8", "replace").splitlines())
                if parser is not None:
                    self._robots[origin] = parser
        robots = self._robots[origin]
        if isinstance(robots, str):
            raise FetchFailed(robots)
        if not robots.can_fetch(self.config.user_agent, url):
            raise FetchFailed("disallowed by the site's robots.txt")

    def _read(self, response: httpx.Response, url: str) -> bytes:
        """The body, streamed; FetchFailed as soon as it passes the size limit."""
        limit = self.config.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchFailed(f"too large: {int(declared):,} bytes (the limit is {limit:,})")
        data = bytearray()
        for piece in response.iter_bytes():
            data += piece
            if len(data) > limit:
                raise FetchFailed(f"too large: more than {limit:,} bytes (the limit is {limit:,}); download stopped")
        return bytes(data)

    # -- the one public call --

    def get(self, url: str, accept: tuple[str, ...], headers: dict[str, str] | None = None) -> Response:
        """GET ``url`` politely; ``accept`` lists the content types taken. Raises FetchFailed with the reason."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if urlsplit(current).scheme not in ("http", "https"):
                raise FetchFailed(f"not an http(s) URL: {current}")
            self.allowed(current)
            response = self._get_with_retries(current, headers)
            try:
                if response.status_code in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise FetchFailed(f"HTTP {response.status_code} redirect without a Location")
                    current = urljoin(current, location)
                    continue
                if response.status_code == 304:
                    return Response(current, 304, response.headers, b"", "", None)
                if response.status_code != 200:
                    raise FetchFailed(f"HTTP {response.status_code} {response.reason_phrase}".strip())
                content_type, charset = _content_type(response.headers.get("content-type", ""))
                wanted = "an HTML page" if accept == HTML_TYPES else "XML"
                if content_type not in accept and content_type not in UNKNOWN_TYPES:
                    raise FetchFailed(f"not {wanted} (Content-Type: {content_type})")
                body = self._read(response, current)
                if content_type in UNKNOWN_TYPES and content_type not in accept:
                    looks = _LOOKS_HTML if accept == HTML_TYPES else _LOOKS_XML
                    if not looks.match(body[:1024]):
                        raise FetchFailed(f"not {wanted} (Content-Type: {content_type or 'missing'}, and the "
                                          "content does not look like it)")
                return Response(current, 200, response.headers, body, content_type, charset)
            finally:
                response.close()
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

    def _get_with_retries(self, url: str, headers: dict[str, str] | None) -> httpx.Response:
        delay = self.config.backoff
        for attempt in range(self.config.retries + 1):
            last_try = attempt == self.config.retries
            try:
                response = self._send(url, headers)
            except httpx.TransportError as exc:
                if last_try:
                    raise FetchFailed(f"{_describe(exc)} (after {attempt + 1} attempts)") from None
                log.info("%s: %s; retrying in %.1fs", url, _describe(exc), delay)
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                if last_try:
                    response.close()
                    raise FetchFailed(f"HTTP {response.status_code} {response.reason_phrase} "
                                      f"(after {attempt + 1} attempts)")
                wait = _retry_after(response.headers.get("retry-after"))
                response.close()
                if wait is not None:
                    if wait > MAX_RETRY_AFTER_SECONDS:
                        raise FetchFailed(f"HTTP {response.status_code}: the server asks to come back in "
                                          f"{wait:.0f}s")
                    delay = max(delay, wait)
                log.info("%s: HTTP %d; retrying in %.1fs", url, response.status_code, delay)
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({exc})"
    return str(exc) or type(exc).__name__


def _content_type(header: str) -> tuple[str, str | None]:
    parts = [p.strip() for p in header.split(";")]
    charset = next((p.split("=", 1)[1].strip().strip('"') for p in parts[1:] if p.lower().startswith("charset=")),
                   None)
    return parts[0].lower(), charset


# --- feeds and sitemaps -----------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A page URL found in a feed or sitemap, with the feed's date for it (used when the page has none)."""

    url: str
    date: str | None = None


def parse_feed(content: bytes, base_url: str) -> list[Listed]:
    """The article links of an RSS or Atom feed (feedparser); FetchFailed when it is not a feed."""
    import feedparser

    parsed = feedparser.parse(content, response_headers={"content-location": base_url})
    if parsed.bozo and not parsed.entries:
        raise FetchFailed(f"not a readable RSS/Atom feed ({parsed.get('bozo_exception')})")
    found = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        found.append(Listed(urljoin(base_url, link), dt.date(*when[:3]).isoformat() if when else None))
    return found


def parse_sitemap(content: bytes) -> tuple[list[Listed], list[str]]:
    """(pages, nested sitemaps) of a sitemap or sitemap index; FetchFailed when it is not one."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise FetchFailed(f"not a readable sitemap ({exc})") from None
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise FetchFailed(f"not a sitemap (root element <{kind}>)")
    pages, nested = [], []
    for entry in root:
        if not isinstance(entry.tag, str):
            continue
        # descendants, so that a Google News sitemap's <news:news><news:publication_date> is seen
        values = {etree.QName(node).localname: (node.text or "").strip() for node in entry.iter()
                  if isinstance(node.tag, str) and node is not entry}
        if not values.get("loc"):
            continue
        if kind == "sitemapindex":
            nested.append(values["loc"])
        else:
            # <lastmod> is when the page last changed, not when the release was published: not a date for it
            published = values.get("publication_date") or ""
            pages.append(Listed(values["loc"], published[:10] if re.match(r"\d{4}-\d{2}-\d{2}", published) else None))
    return pages, nested


# --- state -------------------------------------------------------------------------


def load_state(documents_dir: Path) -> dict:
    """The fetch state of a documents folder (empty when there is none or it is unreadable)."""
    path = Path(documents_dir) / STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"format": STATE_FORMAT, "pages": {}, "lists": {}}
    except (OSError, ValueError) as exc:
        log.warning("ignoring the unreadable fetch state %s (%s); every page will be fetched again", path, exc)
        return {"format": STATE_FORMAT, "pages": {}, "lists": {}}
    state.setdefault("pages", {})
    state.setdefault("lists", {})
    return state


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".fetch-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _conditional_headers(entry: dict | None) -> dict[str, str]:
    headers = {}
    if entry and entry.get("etag"):
        headers["If-None-Match"] = entry["etag"]
    if entry and entry.get("last_modified"):
        headers["If-Modified-Since"] = entry["last_modified"]
    return headers


def _validators(response: Response) -> dict[str, str | None]:
    return {"etag": response.headers.get("etag"), "last_modified": response.headers.get("last-modified")}


# --- file names and also_url --------------------------------------------------------


def slug(text: str) -> str:
    """A file-name-safe slug: transliterated to ASCII (anyascii), lower case, words joined by ``_``."""
    from anyascii import anyascii

    words = re.findall(r"[a-z0-9]+", anyascii(text).lower())
    out = ""
    for word in words:
        if len(out) + len(word) + 1 > SLUG_MAX_CHARS:
            break
        out = f"{out}_{word}" if out else word
    return out or "article"


def article_file_name(article: Article, taken: set[str]) -> str:
    """``<language>_<slug>_<date|undated>.txt``, like the curated files; a number is added rather than reuse a name."""
    path = urlsplit(article.url or "").path.rstrip("/")
    last = re.sub(r"\.[a-z0-9]{2,5}$", "", path.rsplit("/", 1)[-1], flags=re.I)
    # a readable URL slug ("kz-bg-transport") beats the headline; an id ("12345") does not
    words = re.findall(r"[^\W\d_]{2,}", last)
    base = slug(last) if len(words) >= 2 else slug(article.title)
    stem = f"{article.language}_{base}_{article.date or 'undated'}"
    name, n = f"{stem}.txt", 2
    while name in taken:
        name, n = f"{stem}_{n}.txt", n + 1
    return name


def add_also_url(path: Path, url: str) -> bool:
    """Add ``also_url: <url>`` to the header of a ``.txt`` article; False when the file has no header (HTML, raw page)."""
    if path.suffix != ".txt":
        return False
    lines = path.read_text(encoding="utf-8").split("\n")
    end = 1
    while end < len(lines) and HEADER_LINE.match(lines[end].strip()):
        if re.match(rf"^(?:also_)?url\s*:\s*{re.escape(url)}\s*$", lines[end].strip(), re.I):
            return True  # already recorded
        end += 1
    if end == 1:
        return False
    _write_atomically(path, "\n".join(lines[:end] + [f"also_url: {url}"] + lines[end:]))
    return True


# --- the run -------------------------------------------------------------------------


@dataclass
class FetchReport:
    """What a run did; :meth:`to_dict` is the JSON ``rag fetch --json`` prints."""

    fetched: list[dict] = field(default_factory=list)  # {url, file, title, date}
    unchanged: list[str] = field(default_factory=list)  # urls
    duplicates: list[dict] = field(default_factory=list)  # {url, same_as}
    failed: list[dict] = field(default_factory=list)  # {url, reason}

    def to_dict(self) -> dict:
        return {"fetched": self.fetched, "unchanged": self.unchanged, "duplicates": self.duplicates,
                "failed": self.failed}


def _normalise_url(url: str) -> str:
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _list_pages(client: PoliteClient, state: dict, feeds: Iterable[str], sitemaps: Iterable[str],
                report: FetchReport, max_depth: int) -> list[Listed]:
    """Every page URL the feeds and sitemaps list (a 304 reuses the list saved last time)."""
    found: list[Listed] = []

    def read_list(url: str, kind: str) -> bytes | list[Listed] | None:
        entry = state["lists"].get(url)
        try:
            response = client.get(url, XML_TYPES, _conditional_headers(entry))
        except FetchFailed as exc:
            report.failed.append({"url": url, "reason": f"{kind}: {exc}"})
            return None
        if response.status == 304 and entry is not None:
            return [Listed(u, d) for u, d in entry.get("pages", [])]
        state["lists"][url] = {**_validators(response), "pages": []}
        return response.content

    def remember(url: str, pages: list[Listed]) -> None:
        state["lists"][url]["pages"] = [[p.url, p.date] for p in pages]

    for feed in feeds:
        content = read_list(feed, "feed")
        if isinstance(content, bytes):
            try:
                pages = parse_feed(content, feed)
            except FetchFailed as exc:
                report.failed.append({"url": feed, "reason": f"feed: {exc}"})
                state["lists"].pop(feed, None)
                continue
            remember(feed, pages)
            content = pages
        found += content or []

    queue = [(s, 0) for s in sitemaps]
    seen: set[str] = set()
    while queue:
        url, depth = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        content = read_list(url, "sitemap")
        if isinstance(content, bytes):
            try:
                pages, nested = parse_sitemap(content)
            except FetchFailed as exc:
                report.failed.append({"url": url, "reason": f"sitemap: {exc}"})
                state["lists"].pop(url, None)
                continue
            if nested and depth >= max_depth:
                report.failed.append({"url": url, "reason": f"sitemap: nested more than {max_depth} levels deep"})
            else:
                queue += [(n, depth + 1) for n in nested]
            remember(url, pages)
            state["lists"][url]["sitemaps"] = nested
            content = pages
        elif isinstance(content, list):  # unchanged index: its nested sitemaps may have changed
            queue += [(n, depth + 1) for n in state["lists"][url].get("sitemaps", [])]
        found += content or []
    return found


def fetch(documents_dir: Path, urls: Iterable[str] = (), feeds: Iterable[str] = (), sitemaps: Iterable[str] = (),
          config: FetchConfig = FetchConfig(), progress: bool = False) -> FetchReport:
    """Fetch pages (given, or listed by feeds and sitemaps) into ``documents_dir``; see the module docstring."""
    from tqdm import tqdm

    documents_dir = Path(documents_dir)
    documents_dir.mkdir(parents=True, exist_ok=True)
    report = FetchReport()
    state = load_state(documents_dir)

    # What the folder holds: originals to match new pages against, and which doc has which URL.
    articles, _ = load_articles(documents_dir)
    copies = find_duplicates(articles)
    finder = DuplicateFinder()
    by_doc: dict[str, Article] = {}
    for article in sorted(articles, key=lambda a: a.doc):
        by_doc[article.doc] = article
        if article.doc not in copies:
            finder.add(article)
    taken = {p.name for p in documents_dir.iterdir()}

    with PoliteClient(config) as client:
        listed = [Listed(u) for u in urls] + _list_pages(client, state, feeds, sitemaps, report,
                                                          config.max_sitemap_depth)
        targets: dict[str, Listed] = {}
        for item in listed:
            key = _normalise_url(item.url)
            if key not in targets or (item.date and not targets[key].date):
                targets[key] = Listed(key, item.date)
        for item in tqdm(targets.values(), desc="Fetching pages", unit="page", disable=not progress):
            _fetch_page(client, item, state, documents_dir, finder, by_doc, taken, report)
        state["format"] = STATE_FORMAT
        _write_atomically(documents_dir / STATE_FILE, json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True))
    log.info("fetch: %d fetched, %d unchanged, %d duplicates, %d failed (%d requests)", len(report.fetched),
             len(report.unchanged), len(report.duplicates), len(report.failed), client.requests)
    return report


def _fetch_page(client: PoliteClient, item: Listed, state: dict, documents_dir: Path, finder: DuplicateFinder,
                by_doc: dict[str, Article], taken: set[str], report: FetchReport) -> None:
    url = item.url
    entry = state["pages"].get(url)
    try:
        response = client.get(url, HTML_TYPES, _conditional_headers(entry))
    except FetchFailed as exc:
        report.failed.append({"url": url, "reason": str(exc)})
        return
    if response.status == 304:
        report.unchanged.append(url)
        return
    try:
        html = decode_html(response.content, response.charset)
        own_file = entry.get("file") if entry else None
        article = parse_html(html, doc=own_file or "", url=response.url)
    except ArticleError as exc:
        report.failed.append({"url": url, "reason": str(exc)})
        return
    if not article.date and item.date:
        article = replace(article, date=item.date)
    text_hash = hashlib.sha256(article.body.encode("utf-8")).hexdigest()
    new_entry = {**_validators(response), "text_hash": text_hash, "final_url": response.url}
    if entry and entry.get("text_hash") == text_hash:
        state["pages"][url] = {**entry, **new_entry}
        report.unchanged.append(url)
        return

    match = finder.match(article)
    if match is not None:
        original = by_doc.get(match.same_as)
        if original is not None and {url, response.url, article.url} & {original.url, *original.other_urls}:
            # the page itself, saved before the state was lost or by hand
            state["pages"][url] = {**new_entry, "file": match.same_as}
            report.unchanged.append(url)
            return
        if own_file != match.same_as:
            recorded = add_also_url(documents_dir / match.same_as, article.url or url)
            state["pages"][url] = {**new_entry, "duplicate_of": match.same_as, "recorded_in_file": recorded}
            report.duplicates.append({"url": url, "same_as": match.same_as})
            log.info("%s is a copy of %s (similarity %.2f)", url, match.same_as, match.score)
            return

    name = own_file if own_file and (documents_dir / own_file).exists() else article_file_name(article, taken)
    article = replace(article, doc=name)
    _write_atomically(documents_dir / name, render_article(article))
    taken.add(name)
    by_doc[name] = article
    finder.add(article)
    state["pages"][url] = {**new_entry, "file": name}
    report.fetched.append({"url": url, "file": name, "title": article.title, "date": article.date})
