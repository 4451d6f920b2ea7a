"""Reading the article files: metadata, and a body cleaned of page furniture.

Three kinds of files live in ``documents/``: curated ones with a small header
(headline, ``date:``, ``source:``, ``language:``, optional ``url:`` and ``also_url:``
lines, blank line, body), raw scraped pages with no header at all, and HTML pages
(``.html``/``.htm``, main text found by trafilatura). All go through the same
line-based cleaner and give the same :class:`Article`.

Cleaning never edits characters inside a kept line (other code checks that quoted
evidence is a verbatim substring of the body); it only drops whole lines, strips
each line's ends, collapses runs of blank lines and cuts the "other news" tail.

Photo rule: a line that *starts* with a credit label ("Photo:", "Фото:",
"Снимка:", "Images |", "Editor:") is furniture; a caption that describes the
picture ("На снимката: Токаев и Радев в Астана. Снимка: БТА") is kept whole,
credit included, because it names who and where.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pysbd

from rag.language import detect_language
from rag.settings import SUPPORTED_LANGUAGES

log = logging.getLogger(__name__)

TITLE_MAX_CHARS = 120


@dataclass(frozen=True)
class Article:
    """One press release, cleaned, with its metadata."""

    doc: str
    title: str
    date: str | None
    source: str | None
    language: str
    body: str
    content_hash: str
    # The page the article was read from (a header's ``url:``, an HTML page's canonical link),
    # and other pages that carry the same text (``also_url:`` lines: republished copies).
    url: str | None = None
    other_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class SkippedFile:
    """A file in the documents folder that could not be used, and why."""

    path: str
    reason: str


class ArticleError(ValueError):
    """A file is not a usable article; the message says why."""


# --- dates -------------------------------------------------------------------

_KAZAKH_MONTH_NAMES = "қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша желтоқсан".split()
_MONTHS: dict[str, int] = {"sept": 9}
for _names in (
    # Russian, genitive and nominative
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
    # Bulgarian
    "януари февруари март април май юни юли август септември октомври ноември декември",
    # English, full and abbreviated
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
):
    for _number, _name in enumerate(_names.split(), start=1):
        _MONTHS.setdefault(_name, _number)
for _number, _name in enumerate(_KAZAKH_MONTH_NAMES, start=1):
    _MONTHS[_name] = _number

_WEEKDAYS = (
    "понедельник вторник среда среду четверг пятница пятницу суббота субботу воскресенье "
    "понеделник вторник сряда четвъртък петък събота неделя "
    "monday tuesday wednesday thursday friday saturday sunday "
    "дүйсенбі сейсенбі сәрсенбі бейсенбі жұма сенбі жексенбі"
).split()

_WORD = r"[^\W\d_]+"
_DATE_PATTERNS = (
    # 2025-03-21
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), ("y", "m", "d")),
    # 10.10.2023
    (re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)"), ("d", "m", "y")),
    # 2023 жылғы 7 қыркүйек (Kazakh, year first)
    (re.compile(rf"(?<!\d)(\d{{4}})\s+жыл\w*\s+(\d{{1,2}})\s+({_WORD})", re.I), ("y", "d", "M")),
    # 10 октября 2023 года, 9 юни 2025 г., 12 May 2024, 7 қыркүйек 2023 жыл
    (re.compile(rf"(?<!\d)(\d{{1,2}})\s+({_WORD})\.?,?\s+(\d{{4}})(?!\d)", re.I), ("d", "M", "y")),
    # May 12, 2024
    (re.compile(rf"\b({_WORD})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})(?!\d)", re.I), ("M", "d", "y")),
)
_DATE_MARKER = re.compile(r"^\s*date\s*:?\s*(\d{4}-\d{2}-\d{2})\b", re.I | re.M)
# What may stand before a date for the line to count as a dateline:
# nothing, a place name and a comma ("Астана, "), or a time ("21:41, ").
_DATELINE_PREFIX = re.compile(rf"^\s*(?:{_WORD}(?:[\s\-]{_WORD}){{0,3}},|\d{{1,2}}:\d{{2}},?)?\s*$")
_DATE_ONLY_LEFTOVER = re.compile(rf"^[\s,.\-–—|]*(?:(?:г|года|year|жыл\w*|{'|'.join(_WEEKDAYS)})[\s,.\-–—|]*)*$", re.I)
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?!\d)")


def _month_number(word: str) -> int | None:
    word = word.lower().rstrip(".")
    if word in _MONTHS:
        return _MONTHS[word]
    # Kazakh months take case endings ("қыркүйекте").
    for name in _KAZAKH_MONTH_NAMES:
        if word.startswith(name):
            return _MONTHS[name]
    return None


def _dates_in(line: str) -> list[tuple[int, int, str]]:
    """Every valid date in ``line`` as (start, end, ISO string), in order."""
    found: list[tuple[int, int, str]] = []
    for pattern, order in _DATE_PATTERNS:
        for m in pattern.finditer(line):
            if any(start < m.end() and m.start() < end for start, end, _ in found):
                continue
            parts = dict(zip(order, m.groups()))
            month = int(parts["m"]) if "m" in parts else _month_number(parts["M"])
            if month is None:
                continue
            try:
                iso = dt.date(int(parts["y"]), month, int(parts["d"])).isoformat()
            except ValueError:
                continue
            found.append((m.start(), m.end(), iso))
    return sorted(found)


def _is_date_only(line: str) -> bool:
    """A line that holds a date (and maybe a weekday or a time) and nothing else."""
    dates = _dates_in(line)
    if not dates:
        return False
    rest = line
    for start, end, _ in reversed(dates):
        rest = rest[:start] + " " + rest[end:]
    return bool(_DATE_ONLY_LEFTOVER.match(_TIME.sub(" ", rest)))


def _is_weekday_date(line: str) -> bool:
    # Sites print today's date ("Суббота, 07 Декабря 2024") in their header; it is
    # when the page was fetched, not when the event happened.
    words = {w.lower() for w in re.findall(_WORD, line)}
    return bool(words & set(_WEEKDAYS)) and _is_date_only(line)


def parse_date(text: str) -> str | None:
    """The article's date as ISO ``YYYY-MM-DD``, or None.

    An explicit ``date:``/``date`` marker wins; then a dateline at the start of a
    paragraph ("Астана, 10 октября 2023 года – ..."); then the first full date in
    the text. Weekday-plus-date lines (site headers) and anything after an "other
    news" heading are ignored.
    """
    marker = _DATE_MARKER.search(text)
    if marker:
        found = _dates_in(marker.group(1))
        if found:
            return found[0][2]
    first_anywhere = None
    for line in text.splitlines():
        if _MORE_NEWS.match(line.strip()):
            break
        if _is_weekday_date(line):
            continue
        for start, _, iso in _dates_in(line):
            if _DATELINE_PREFIX.match(line[:start]):
                return iso
            first_anywhere = first_anywhere or iso
    return first_anywhere


# A dateline's date without its year ("Астана, 30 июня –", "Astana, June 30 –").
_DAY_AND_MONTH = re.compile(r"(?<!\w)(?:\d{1,2}\s+(?P<month>[^\W\d_]+\.?)|(?P<month_first>[^\W\d_]+\.?)\s+\d{1,2}(?!\d))")


def dateline_place(sentence: str) -> str | None:
    """The place a dateline opens with ("Астана, 7 қыркүйек 2023 жыл – …" → "Астана", "Астана, 30 июня –"
    → "Астана": the year may be left out), or None when ``sentence`` does not open with a place and a date."""
    starts = [d[0] for d in _dates_in(sentence)][:1] + [
        m.start() for m in _DAY_AND_MONTH.finditer(sentence)
        if _month_number(m.group("month") or m.group("month_first"))][:1]
    if not starts:
        return None
    prefix = sentence[:min(starts)]
    if "," not in prefix or not _DATELINE_PREFIX.match(prefix):
        return None
    return prefix.strip().rstrip(",").strip() or None


# --- furniture ---------------------------------------------------------------

# Part of every article's content hash: bump it when what the parser keeps of a file changes (a furniture rule,
# the title or date rules), so that `rag index` reads every article again instead of keeping the bodies the old
# rules made (the index re-embeds only articles whose hash changed).
PARSER_VERSION = "2026-12-04"

# A heading after which a page lists other stories: everything from it is cut.
_MORE_NEWS = re.compile(
    r"^(?:(?:other|related|more|latest|similar|recent)\s+(?:news|articles|stories|posts)|read\s+(?:also|more)|see\s+also"
    r"|другие\s+новости|похожие\s+новости|последние\s+новости|ещё\s+новости|еще\s+новости|читайте\s+также|смотрите\s+также"
    r"|други\s+новини|още\s+новини|свързани\s+новини|последни\s+новини|прочетете\s+още"
    r"|басқа\s+жаңалықтар|ұқсас\s+жаңалықтар|соңғы\s+жаңалықтар|тағы\s+оқыңыз)\s*(?::.*)?$",
    re.I,
)

# A reader-comments heading ("Comments (2)", "Комментарии", "3 коментара"): what follows is readers', not the
# article's, and is cut too (a comment may say anything, "Ignore previous instructions…" included).
_COMMENTS = re.compile(r"^(?:\d+\s+)?(?:comments?|reader\s+comments|комментари\w*|коментар\w*|пікір\w*)"
                       r"\s*(?:\(\d+\))?\s*:?$", re.I)

_FURNITURE = [
    # share and "send to a friend" buttons
    r"(?:share(?:\s+this(?:\s+(?:article|story|page|news))?|\s+with\s+a\s+friend)?|tell\s+a\s+friend"
    r"|поделиться|сподели(?:те)?|бөлісу)\s*(?::.*)?",
    # donation buttons
    r"(?:поддержать(?:\s+проект)?|support\s+us|donate|подкрепете\s+ни|қолдау\s+көрсету)",
    # credit lines: photo, images, editor
    r"(?:images?|photos?|фото|фотографии|снимк[аи]|сурет(?:тер)?|editor|редактор)\s*[:|].*",
    # a scraper's own metadata line (" date 2025-03-21 Images | Kazakh MFA")
    r"date\s*:?\s*\d{4}-\d{2}-\d{2}\b.*",
    # copyright and rights notices, CMS and web-studio footers
    r".*(?:©|\(c\)\s*\d{4}|all\s+rights\s+reserved|все\s+права\s+защищены|авторские\s+права\s+защищены"
    r"|всички\s+права\s+запазени|барлық\s+құқықтар\s+қорғалған).*",
    r"(?:создано\s+на\s+платформе|сделано\s+на|powered\s+by|дизайн\s+и\s+разработка|разработка\s+сайта"
    r"|сайт\s+разработан|website\s+by|designed\s+and\s+developed\s+by)\b.*",
    # font-size widgets in site headers
    r".*(?:text\s+size|font\s+size|размер\s+на\s+шрифта|размер\s+шрифта|қаріп\s+өлшемі)\s*:?\s*(?:a\s*){2,}",
    # comment counters, comment forms, form buttons
    r"\d+\s+(?:comments?|комментари\w*|коментар\w*|пікір\w*)",
    r"(?:comments?|комментарии|коментари|пікірлер)\s*(?:\(\d+\))?",
    r"(?:leave\s+a\s+(?:comment|reply)|add\s+a\s+comment|post\s+a\s+comment|добавить\s+комментарий"
    r"|оставьте\s+комментарий|оставить\s+комментарий|напишете\s+коментар|добавете\s+коментар"
    r"|пікір\s+қалдыр\w*|you\s+must\s+be\s+logged\s+in)\b.*",
    r".*(?:e-?mail|имейл|электронной\s+почты|эл\.\s*почты).*(?:not\s+be\s+published|не\s+будет\s+опубликован"
    r"|не\s+публикуется|няма\s+да\s+бъде\s+публикуван|жарияланбайды).*",
    r"\[\s*[^\]]{1,30}\s*\]",
    # tag lists ("Теги: Чехия, МПК, инвестиции")
    r"(?:tags?|теги|тэги|тагове|етикети|тегтер)\s*:.*",
    # cookie notices
    r".*\b(?:cookies?|файлы\s+cookie|бисквитк\w*)\b.*(?:site|website|сайт\w*|согла\w*|agree|accept|приемате|съгласявате).*",
    # newsletter, podcast and social promos
    r"(?:follow\s+us|subscribe\b|подписывайтесь|следите\s+за\s+нами|абонирайте\s+се|последвайте\s+ни|жазылыңыз).*",
    r"listen\s+to\b.*\b(?:podcast|spotify|apple\s+podcasts)\b.*",
]
_FURNITURE_LINE = re.compile("|".join(f"(?:{p})" for p in _FURNITURE), re.I)
# Navigation bars: three or more short " | "-separated items ("Политика | Экономика | Общество").
_NAV_ITEM_MAX_WORDS = 6


_NAV_SEPARATOR = re.compile(r"\s*\|\s*|\s+[/›»>]\s+")  # "A | B | C", breadcrumbs "Главная / Политика / …"


def _is_nav_bar(line: str) -> bool:
    items = [item.strip() for item in _NAV_SEPARATOR.split(line)]
    return len(items) >= 3 and all(item and len(item.split()) <= _NAV_ITEM_MAX_WORDS for item in items)


def _is_furniture(line: str) -> bool:
    """Whether a stripped, non-empty line is page furniture rather than article text."""
    return bool(_FURNITURE_LINE.fullmatch(line)) or _is_nav_bar(line) or _is_date_only(line)


def _normalised(line: str) -> str:
    line = unicodedata.normalize("NFKC", line).casefold()
    line = re.sub(r"[‐‑‒–—―-]", "-", line)
    return re.sub(r"\s+", " ", line).strip(" .!?:;")


def clean_body(text: str, title: str | None = None) -> str:
    """Drop page furniture from an article body.

    Whole lines are dropped (furniture, a repeat of the title or of the line just
    before), everything from an "other news" heading on is cut, line ends are
    stripped and blank-line runs become one blank line. Kept lines are otherwise
    untouched.
    """
    title_key = _normalised(title) if title else None
    kept: list[str] = []
    previous = None
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if _MORE_NEWS.match(line) or _COMMENTS.match(line):
            break
        if not line:
            if kept and kept[-1]:
                kept.append("")
            continue
        key = _normalised(line)
        if _is_furniture(line) or key == title_key or key == previous:
            continue
        kept.append(line)
        previous = key
    return "\n".join(kept).strip()


# --- title and source of headerless pages -------------------------------------

# News outlets and press services as they sign headlines ("X: ...", "... - X").
_OUTLET = re.compile(
    r"(?:kazinform|казинформ|қазинформ|akorda|акорда|ақорда|tengrinews|zakon\.kz|bta|бта|kazpravda|казправда"
    r"|astana\s+times|kazakhstan\s+today|exclusive|inform\.kz|orda\.kz|interfax|интерфакс\S*|reuters|tass|тасс"
    r"|[\w\-]+\.(?:kz|ru|bg|com|net|org|info))",
    re.I,
)
_SIGN_OFF = re.compile(
    r"^(?:пресс-служба|press\s+service\s+of(?:\s+the)?|прессекретариат\s+на|пресслужба\s+на)\s+(.+?)\.?$", re.I
)
_IMAGES_CREDIT = re.compile(r"\bimages?\s*\|\s*(.+?)\s*$", re.I)
_PHOTO_CREDIT = re.compile(r"^(?:photos?|фото|снимка|сурет)\s*:\s*(.+?)\.?$", re.I)
_NAME = r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w.\-]*(?:\s+[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w.\-]*){0,2}"
_ATTRIBUTION = (
    re.compile(rf"\b(?:сообщает|передает|передаёт|пишет)\s+(?:пресс-служба\s+)?({_NAME})"),
    re.compile(rf"\b(?:съобщава|съобщи|предава)\s+(?:пресслужбата\s+на\s+)?({_NAME})"),
    re.compile(rf"(?:^|[,.]\s+)(?:the\s+)?({_NAME}\s+press\s+service)\s+(?:reports|reported|said|says)\b"),
    re.compile(rf",\s+({_NAME})\s+(?:reports|reported)\b"),
)


def _script(text: str) -> str:
    letters = [ch for ch in text if ch.isalpha()]
    latin = sum(ch.isascii() for ch in letters)
    return "latin" if latin * 2 >= len(letters) else "other"


def _split_outlet(headline: str) -> tuple[str, str | None]:
    """Split an outlet signature off a headline: "Kazinform: X" or "X - Exclusive"."""
    prefix = re.match(r"^(.{2,40}?):\s+(.+)$", headline)
    if prefix and _OUTLET.fullmatch(prefix.group(1).strip()):
        return prefix.group(2).strip(), prefix.group(1).strip()
    suffix = re.match(r"^(.+?)\s+(?:[-–—|])\s+([^-–—|]{2,40})$", headline)
    if suffix:
        rest, tail = suffix.group(1).strip(), suffix.group(2).strip()
        foreign_script = len(tail.split()) <= 3 and _script(tail) != _script(rest)
        if _OUTLET.fullmatch(tail) or foreign_script:
            return rest, tail
    return headline, None


def _looks_like_headline(line: str) -> bool:
    return 3 <= len(line.split()) and len(line) <= 250 and not re.search(r"[.!…;:,]$", line)


# A headline made from a first sentence may run this much over TITLE_MAX_CHARS to end where the sentence
# or its first clause ends, rather than in the middle with "…".
TITLE_SLACK = 1.4


def _short_title(body: str, language: str) -> str:
    """A title for an article without a headline: its first sentence (up to TITLE_SLACK × TITLE_MAX_CHARS),
    or that sentence without a short last clause (", Presidential press service reports"), else the
    sentence cut at a word boundary to about TITLE_MAX_CHARS with "…"."""
    first = body.split("\n", 1)[0]
    sentences = pysbd.Segmenter(language=language, clean=False).segment(first)
    sentence = (sentences[0] if sentences else first).strip()
    room = TITLE_MAX_CHARS * TITLE_SLACK
    if len(sentence) <= room:
        return sentence
    # a short last clause is an attribution or an aside: the head alone says what happened
    last = [m.start() for m in re.finditer(r"[,;]\s|\s[–—]\s", sentence)]
    if last and len(sentence) - last[-1] <= 60 and TITLE_MAX_CHARS / 3 <= last[-1] <= room:
        return sentence[: last[-1]].rstrip()
    cut = sentence[: TITLE_MAX_CHARS + 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–—-") + "…"


def _guess_source(page: list[str], body: str) -> str | None:
    """Best-effort outlet or press service of a headerless page.

    Image credits are looked for on the page (they are furniture, so not in the
    body); sign-offs and "X reports" phrases in the cleaned body.
    """
    page = [line.strip() for line in page if line.strip()]
    lines = [line for line in body.split("\n") if line]
    for line in page:
        if _MORE_NEWS.match(line):
            break
        if m := _IMAGES_CREDIT.search(line):
            return m.group(1)
    for line in reversed(lines):
        if m := _SIGN_OFF.match(line):
            return m.group(1).strip()
    for line in lines:
        for pattern in _ATTRIBUTION:
            if m := pattern.search(line):
                return m.group(1).strip()
    if lines and _OUTLET.fullmatch(lines[-1].rstrip(".")):
        return lines[-1].rstrip(".")
    for line in page:
        if m := _PHOTO_CREDIT.match(line):
            return m.group(1)
    return None


# --- whole articles -------------------------------------------------------------

HEADER_LINE = re.compile(r"^(date|source|language|url|also_url)\s*:\s*(.*?)\s*$", re.I)
HTML_SUFFIXES = (".html", ".htm")
ARTICLE_SUFFIXES = (".txt",) + HTML_SUFFIXES


def _detected_language(body: str) -> str:
    return detect_language(body, fallback="en").code


def parse_article(text: str, doc: str, content_hash: str = "") -> Article:
    """Build an :class:`Article` from a file's decoded text (pure; raises ArticleError)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ArticleError("empty file")
    lines = text.split("\n")

    if len(lines) > 1 and HEADER_LINE.match(lines[1].strip()):
        header: dict[str, str] = {}
        also_urls: list[str] = []
        i = 1
        while i < len(lines) and (m := HEADER_LINE.match(lines[i].strip())):
            if m.group(1).lower() == "also_url":
                if m.group(2) and m.group(2) not in also_urls:
                    also_urls.append(m.group(2))
            else:
                header[m.group(1).lower()] = m.group(2)
            i += 1
        title = lines[0].strip()
        body = clean_body("\n".join(lines[i:]), title=title)
        if not body:
            raise ArticleError("no article text after removing page furniture")
        language = header.get("language", "").lower()
        if language not in SUPPORTED_LANGUAGES:
            language = _detected_language(body)
        date = parse_date(header["date"]) if header.get("date") else parse_date("\n".join(lines[i:]))
        return Article(
            doc=doc,
            title=title or _short_title(body, language),
            date=date,
            source=header.get("source") or None,
            language=language,
            body=body,
            content_hash=content_hash,
            url=header.get("url") or None,
            other_urls=tuple(also_urls),
        )

    # A raw page: the first line that is not furniture may be the headline.
    first = next(
        (n for n, line in enumerate(lines) if line.strip() and not _is_furniture(line.strip())),
        None,
    )
    if first is None:
        raise ArticleError("no article text after removing page furniture")
    title = source = None
    rest = lines
    if _looks_like_headline(lines[first].strip()) and clean_body("\n".join(lines[first + 1 :])):
        title, source = _split_outlet(lines[first].strip())
        rest = lines[:first] + lines[first + 1 :]
    body = clean_body("\n".join(rest), title=title)
    if not body:
        raise ArticleError("no article text after removing page furniture")
    language = _detected_language(body)
    return Article(
        doc=doc,
        title=title or _short_title(body, language),
        date=parse_date(text),
        source=source or _guess_source(rest, body),
        language=language,
        body=body,
        content_hash=content_hash,
    )


# --- HTML pages ----------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w\-:.]+)""", re.I)
# Meta tags that carry a publication date, as publishers and CMSs write them.
# trafilatura falls back to whatever text a page has (a menu, "Page not found"); fewer words
# than a one-sentence release is not an article.
MIN_HTML_WORDS = 8
_DATE_META = {"article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
              "date", "dc.date", "dc.date.issued", "dcterms.created", "sailthru.date", "parsely-pub-date"}


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Decode an HTML page: a BOM, else the charset declared (HTTP header, then ``<meta>``), else UTF-8.

    Raises :class:`ArticleError` naming the charset or the bad byte, so the user knows what to fix.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    charset = declared
    if not charset and (m := _META_CHARSET.search(data[:4096])):
        charset = m.group(1).decode("ascii", "replace")
    charset = (charset or "utf-8").strip().lower()
    try:
        codecs.lookup(charset)
    except LookupError:
        raise ArticleError(f"the page declares an unknown character set ({charset!r}); save it as UTF-8") from None
    try:
        return data.decode(charset)
    except UnicodeDecodeError as exc:
        raise ArticleError(f"not valid {charset} (byte 0x{data[exc.start]:02x} at position {exc.start}); "
                           "save the page as UTF-8") from None


def _iso_date(value: str | None) -> str | None:
    """``YYYY-MM-DD`` from an ISO timestamp or a written date, else None."""
    if not value:
        return None
    found = _dates_in(value.strip()[:40])
    return found[0][2] if found else None


def _json_ld_dates(node: object) -> list[str]:
    if isinstance(node, list):
        return [d for item in node for d in _json_ld_dates(item)]
    if not isinstance(node, dict):
        return []
    found = [node["datePublished"]] if isinstance(node.get("datePublished"), str) else []
    for key in ("@graph", "mainEntity", "mainEntityOfPage"):
        found += _json_ld_dates(node.get(key))
    return found


def _structured_date(tree) -> str | None:
    """The publication date the page states in markup: meta tags, JSON-LD, then ``<time datetime>``.

    htmldate (which trafilatura calls) falls back to any date printed on the page, e.g. a
    footer's "updated 2026-01-01"; a wrong date is worse than none, so only markup counts here
    and the dateline of the text comes next.
    """
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if key in _DATE_META and (iso := _iso_date(meta.get("content"))):
            return iso
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() == "application/ld+json" and script.text:
            try:
                data = json.loads(script.text)
            except ValueError:
                continue
            for value in _json_ld_dates(data):
                if iso := _iso_date(value):
                    return iso
    for time in tree.iter("time"):
        if any(a.tag in ("header", "footer", "nav", "aside") for a in time.iterancestors()):
            continue
        if iso := _iso_date(time.get("datetime") or time.get("content")):
            return iso
    return None


def _page_urls(canonical: str | None, fetched: str | None) -> tuple[str | None, tuple[str, ...]]:
    """(url, other urls) of a page: its canonical link when it names a page of the site it was
    fetched from, else the fetched URL (with a foreign canonical kept as another address).

    CMSs get canonical links wrong (the home page on every article; the original site on a
    mirror), and the fetched URL is one the reader can open.
    """
    from urllib.parse import urlsplit

    if not canonical or not fetched:
        return canonical or fetched, ()
    c, f = urlsplit(canonical), urlsplit(fetched)
    if c.path in ("", "/") and not c.query:
        return fetched, ()
    if c.netloc.lower().removeprefix("www.") == f.netloc.lower().removeprefix("www."):
        return canonical, ()
    return fetched, (canonical,)


def _is_host(name: str) -> bool:
    return bool(re.fullmatch(r"(www\.)?[\w.-]+\.[a-z]{2,}(:\d+)?|[\d.]+(:\d+)?", name, re.I))


def _title_suffix(tree, headline: str) -> str | None:
    """The outlet a page's ``<title>`` names after its headline ("<headline> | Министерство
    иностранных дел"), or None. Only a short tail after "|", "–" or "—" counts, and only when the
    rest is the headline, so that a dash inside a headline is not mistaken for one."""
    element = tree.find(".//title")
    text = re.sub(r"\s+", " ", element.text_content()).strip() if element is not None else ""
    match = re.fullmatch(r"(.+?)\s+[|–—]\s+([^|–—]{2,60})", text)
    if not match or not headline:
        return None
    head, tail = match.group(1).strip(), match.group(2).strip()
    return tail if head.casefold() == headline.casefold() and not _is_host(tail) else None


def parse_html(html: str, doc: str, content_hash: str = "", url: str | None = None) -> Article:
    """Build an :class:`Article` from an HTML page (pure; raises ArticleError).

    trafilatura finds the main text, the title, the outlet (``og:site_name``) and the canonical
    URL (if it is on the site of ``url``, where the page was fetched from, else ``url``); the text then goes through the same
    :func:`clean_body` as a ``.txt`` file, with one blank line between paragraphs.
    """
    import lxml.html
    import trafilatura

    if not html.strip():
        raise ArticleError("empty file")
    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise ArticleError(f"not a readable HTML page ({exc})") from None
    extracted = trafilatura.bare_extraction(tree, url=url, with_metadata=True, include_comments=False,
                                            include_tables=True, include_images=False, favor_precision=True)
    if extracted is None or not (extracted.text or "").strip():
        raise ArticleError("no article text found in the page")
    paragraphs = [line.strip() for line in extracted.text.split("\n") if line.strip()]
    outlet = (extracted.sitename or "").strip() or None
    title = (extracted.title or "").strip()
    if outlet is None or _is_host(outlet):
        # no og:site_name: trafilatura names the site by its host; "<headline> | <outlet>" in <title> is better
        outlet = _title_suffix(tree, title) or outlet
    if outlet and title:
        # "<headline> | <site name>", "<site name>: <headline>"
        title = re.sub(rf"\s*[|–—\-:]\s*{re.escape(outlet)}\s*$", "", title)
        title = re.sub(rf"^{re.escape(outlet)}\s*[|–—\-:]\s*", "", title)
    body = clean_body("\n\n".join(paragraphs), title=title or None)
    if not body:
        raise ArticleError("no article text after removing page furniture")
    if len(body.split()) < MIN_HTML_WORDS:
        raise ArticleError(f"no article text found in the page (only {len(body.split())} words outside the "
                           "menus and footers: an index, error or login page?)")
    language = _detected_language(body)
    page_url, other_urls = _page_urls((extracted.url or "").strip() or None, url)
    return Article(
        doc=doc,
        title=title or _short_title(body, language),
        date=_structured_date(tree) or parse_date(body),
        source=outlet or _guess_source(paragraphs, body),
        language=language,
        body=body,
        content_hash=content_hash,
        url=page_url,
        other_urls=other_urls,
    )


def render_article(article: Article) -> str:
    """The article as a ``.txt`` file in the header format :func:`parse_article` reads back."""
    header = [article.title.replace("\n", " ").strip()]
    if article.date:
        header.append(f"date: {article.date}")
    if article.source:
        header.append(f"source: {article.source}")
    header.append(f"language: {article.language}")
    if article.url:
        header.append(f"url: {article.url}")
    header += [f"also_url: {u}" for u in article.other_urls]
    return "\n".join(header) + "\n\n" + article.body.strip() + "\n"


def read_article(path: Path) -> Article:
    """Read and parse one article file (``.txt``, ``.html``, ``.htm``); raises :class:`ArticleError` with the reason."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read: {exc.strerror or exc}") from exc
    if b"\x00" in data:
        raise ArticleError("binary file (contains NUL bytes)")
    content_hash = hashlib.sha256(PARSER_VERSION.encode() + b"\0" + data).hexdigest()
    if Path(path).suffix.lower() in HTML_SUFFIXES:
        return parse_html(decode_html(data), doc=Path(path).name, content_hash=content_hash)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at position {exc.start})") from exc
    if not text.strip():
        raise ArticleError("empty file")
    return parse_article(text, doc=Path(path).name, content_hash=content_hash)


def list_article_paths(directory: Path) -> list[Path]:
    """The ``.txt``, ``.html`` and ``.htm`` files directly in ``directory``, sorted; READMEs and hidden files excluded."""
    return sorted(
        p
        for p in Path(directory).iterdir()
        if p.suffix in ARTICLE_SUFFIXES  # lower case, as uploads require
        and not p.name.startswith(".") and p.stem.lower() != "readme"
    )


def load_articles(directory: Path) -> tuple[list[Article], list[SkippedFile]]:
    """Read every article in ``directory``; unusable files are logged and returned as skipped.

    A missing folder is an error, not an empty corpus: indexing it would remove every article.
    """
    if not Path(directory).is_dir():
        raise ArticleError(f"The documents folder {directory} does not exist. Point --documents "
                           "(or RAG_DOCUMENTS_DIR) at the folder that holds the articles (.txt or .html).")
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    for path in list_article_paths(directory):
        try:
            articles.append(read_article(path))
        except ArticleError as exc:
            log.warning("skipping %s: %s", path.name, exc)
            skipped.append(SkippedFile(path=str(path), reason=str(exc)))
    return articles, skipped
