"""Dates and amounts: finding them in text of any of the four languages, and stating them in one.

Month names, number and percent formats come from Babel (CLDR). CLDR has no Russian
prepositional case ("в сентябре"), so that one small table is written here.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from datetime import date

from babel.dates import format_date, get_month_names
from babel.numbers import format_decimal

from rag.knowledge.matcher import alternation

MONTH_STEMS = {
    # en, ru, bg, kk stems; matched at a word start, so inflected forms ("июня", "маусымда") match too
    1: ("january", "jan", "январ", "януари", "қаңтар"),
    2: ("february", "feb", "феврал", "февруари", "ақпан"),
    3: ("march", "mar", "март", "наурыз"),
    4: ("april", "apr", "апрел", "април", "сәуір"),
    5: ("may", "ма[йя]", "мае(?![^\\W\\d_])", "мамыр"),  # "в мае" (the stem "мае" alone would take "маев…")
    6: ("june", "jun", "июн", "юни", "маусым"),
    7: ("july", "jul", "июл", "юли", "шілде"),
    8: ("august", "aug", "август", "тамыз"),
    9: ("september", "sept?", "сентябр", "септември", "қыркүйек"),
    10: ("october", "oct", "октябр", "октомври", "қазан"),
    11: ("november", "nov", "ноябр", "ноември", "қараша"),
    12: ("december", "dec", "декабр", "декември", "желтоқсан"),
}
_MONTH_RE = "|".join(f"(?:{s})" for stems in MONTH_STEMS.values() for s in sorted(stems, key=len, reverse=True))
MONTH = rf"(?P<month>\b(?:{_MONTH_RE})[^\W\d_]*\.?)"
YEAR = r"(?P<year>(?:19|20)\d{2})"
YEAR_IN_TEXT = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")  # a year written anywhere in a text
DAY = r"(?P<day>[0-3]?\d)"
KK_YEAR = rf"{YEAR}\s*(?:жылғы|жылы|ж\.)"

DATE_PATTERNS = [
    re.compile(r"(?P<year>(?:19|20)\d{2})-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)\b"),
    re.compile(r"\b(?P<day>[0-3]?\d)\.(?P<mnum>[01]?\d)\.(?P<year>(?:19|20)\d{2})\b"),
    re.compile(rf"\b{DAY}\s+{MONTH}\s*,?\s+{YEAR}", re.I),
    re.compile(rf"{MONTH}\s+{DAY},?\s+{YEAR}", re.I),
    re.compile(rf"{KK_YEAR}\s*{DAY}\s+{MONTH}", re.I),
    re.compile(rf"{MONTH}\s+{YEAR}", re.I),
    re.compile(rf"{KK_YEAR}\s*{MONTH}", re.I),
    re.compile(rf"\b{YEAR}\b"),
]

def _overlaps(span: tuple[int, int], taken: Iterable[tuple[int, int]]) -> bool:
    """Whether ``span`` overlaps any of the spans ``taken`` (a reading already made of those characters)."""
    return any(span[0] < e and s < span[1] for s, e in taken)


def _spaces(text: str) -> str:
    # CLDR puts narrow no-break spaces in dates and numbers; plain spaces read and match better
    return text.replace("\u202f", " ").replace("\u00a0", " ")


RU_MONTHS_PREPOSITIONAL = ["январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе", "сентябре",
                           "октябре", "ноябре", "декабре"]


@dataclass(frozen=True)
class DateMention:
    """A date in text, as precise as it was written."""

    year: int
    month: int | None
    day: int | None
    start: int
    end: int
    period: str | None = None  # a part of the year ("h1", "q3", "end": ``periods.json``) for a year-only date

    @property
    def precision(self) -> int:
        return 3 if self.day else 2 if self.month else 1


def _month_number(word: str) -> int | None:
    w = word.lower().rstrip(".")
    for number, stems in MONTH_STEMS.items():
        if any(re.match(f"(?:{s})", w) for s in stems):
            return number
    return None


def find_dates(text: str) -> list[DateMention]:
    """Dates in ``text``, most precise reading first where readings overlap, in text order."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            if _overlaps(m.span(), taken):
                continue
            groups = m.groupdict()
            month = int(groups["mnum"]) if groups.get("mnum") else (
                _month_number(groups["month"]) if groups.get("month") else None)
            if groups.get("month") and month is None:
                continue
            day = int(groups["day"]) if groups.get("day") else None
            year = int(groups["year"])
            if month is not None and not 1 <= month <= 12 or day is not None and not 1 <= day <= 31:
                continue
            found.append(_with_period(DateMention(year, month, day, m.start(), m.end()), text))
            taken.append((m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


@lru_cache(maxsize=1)
def _periods() -> dict:
    """``periods.json``: parts of a year, how they are written and how they are stated."""
    from rag.knowledge.places import load  # the knowledge package imports this module: load it late

    return load("periods.json")


@lru_cache(maxsize=1)
def _period_forms() -> tuple[list[tuple[str, str]], list[tuple[str, str]], tuple[str, ...]]:
    """(form, period) pairs that stand before a year, and after the Kazakh year word, longest first; and
    the Kazakh year words."""
    before, after = [], []
    for period, entry in _periods()["entries"].items():
        before += [(f, period) for forms in entry["before"].values() for f in forms]
        after += [(f, period) for forms in entry["after"].values() for f in forms]
    return (sorted(before, key=lambda fp: -len(fp[0])), sorted(after, key=lambda fp: -len(fp[0])),
            tuple(_periods()["kk_year_words"]))


@lru_cache(maxsize=None)
def year_role_words(*roles: str) -> tuple[re.Pattern, re.Pattern]:
    """Patterns of the words that give a year one of ``roles`` ("start": "since", "с", "1992 жылдан бері";
    "deadline": "by", "к", "2030 жылға дейін"; "base": "compared to", "than in", "спрямо"), from
    ``periods.json``'s ``not_the_year_of``: one that ends a text right before the year, one that follows it
    (Kazakh, after the year word)."""
    data = _periods()["not_the_year_of"]

    def forms(side: str) -> str:
        return alternation([f for role in roles for fs in data[role][side].values() for f in fs])

    return (re.compile(r"(?<!\w)(?:" + forms("before") + r")\s*$", re.I),
            re.compile(r"\s*(?:жыл\w*\s+)?(?:" + forms("after") + r")(?!\w)", re.I))


def not_the_year_of() -> tuple[re.Pattern, re.Pattern]:
    """Patterns of the words that make a year a start, a deadline or a base, not the year a figure or an
    event is of (:func:`year_role_words` of all three roles)."""
    return year_role_words("start", "deadline", "base")


def _with_period(d: DateMention, text: str) -> DateMention:
    """A year-only date with the part of the year the text names around it ("in the first half of 2024",
    "2024 жылдың бірінші жартысында"), its span widened to cover it (each form a whole phrase)."""
    if d.month is not None:
        return d
    before_forms, after_forms, year_words = _period_forms()
    head = text[:d.start].rstrip()
    for form, period in before_forms:
        start = len(head) - len(form)
        if start >= 0 and head[start:].lower() == form and (start == 0 or not head[start - 1].isalnum()):
            if not_the_year_of()[0].search(head[:start]):
                return d  # "к весне 2026", "by spring 2026": a deadline, not the season the thing happened in
            return dataclasses.replace(d, period=period, start=start)
    word = re.match(r"\s*(\S+)\s+", text[d.end:])
    if word and word.group(1).lower() in year_words:
        rest = text[d.end + word.end():]
        for form, period in after_forms:
            if rest[:len(form)].lower() == form and not rest[len(form):len(form) + 1].isalpha():
                return dataclasses.replace(d, period=period, end=d.end + word.end() + len(form))
    return d


def format_date_mention(d: DateMention, language: str) -> str:
    """The date as a phrase in ``language``: "9 июня 2025 г.", "В сентябре 2023 года", "In 2024"."""
    if d.day and d.month:
        try:
            return _spaces(format_date(date(d.year, d.month, d.day), format="long", locale=language))
        except ValueError:
            pass
    if d.period and not d.month:
        shown = _periods()["entries"][d.period]["show"][language].format(year=d.year)
        return shown[:1].upper() + shown[1:]
    if d.month:
        if language == "ru":
            return f"В {RU_MONTHS_PREPOSITIONAL[d.month - 1]} {d.year} года"
        month = get_month_names("wide", context="stand-alone", locale=language)[d.month]
        month = month if language == "en" else month.lower()  # English capitalises month names
        return {"en": f"In {month} {d.year}", "bg": f"През {month} {d.year} г.",
                "kk": f"{d.year} жылғы {month}"}.get(language, f"{month} {d.year}")
    return {"en": f"In {d.year}", "ru": f"В {d.year} году", "bg": f"През {d.year} г.",
            "kk": f"{d.year} жылы"}.get(language, str(d.year))


# --- amounts -------------------------------------------------------------------------------

NUMBER = r"(?P<number>\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
SCALES = {
    "billion": r"billion|bn|млрд\.?|миллиард\w*|милиард\w*|миллиард",
    "million": r"million|mln|млн\.?|миллион\w*|милион\w*",
    "thousand": r"thousand|тыс\.?|тысяч\w*|хил\.?|хиляд\w*|мың",
}
CURRENCIES = {
    # "щатски долара", "АҚШ доллары": the adjective or the country's name before the unit is part of it
    "USD": r"\$|USD|U\.?S\.?\s+dollars?|(?:щатск\w*|американск\w*|АҚШ)\s+(?:долар\w*|доллар\w*)|dollars?|"
           r"долл\w*\.?(?:\s+США)?|долар\w*|доллар\w*",
    "EUR": r"€|EUR|euros?|евро|еуро",
    "KZT": r"тенге|теңге|tenge|KZT",
}
_SCALE_RE = "|".join(f"(?P<s_{k}>{v})" for k, v in SCALES.items())
_CUR_RE = "|".join(f"(?P<c_{k}>{v})" for k, v in CURRENCIES.items())
AMOUNT = re.compile(
    rf"(?P<pre>\$|€|(?<![^\W\d_])(?-i:USD|EUR|KZT)\s?)?{NUMBER}(?!\w)(?!-(?:лет|год|th|st|nd|rd|жыл))(?:\s?(?P<percent>%|per\s?cent|процент\w*|пайыз\w*))?"
    rf"(?:\s?(?:{_SCALE_RE}))?(?:\s?(?:{_CUR_RE}))?",
    re.I,
)


@dataclass(frozen=True)
class Amount:
    """A number in text with what it counts: a percentage, money, or a plain count."""

    value: float
    scale: str | None
    currency: str | None
    percent: bool
    start: int
    end: int
    text: str
    qualifier: str | None = None  # "more" (over, более, над…) or "about" (около, порядка…)
    times: bool = False  # a multiple: "3.9 times", "в 3,9 раза", "elevenfold" (numbers.json multipliers)

    @property
    def is_money(self) -> bool:
        return self.currency is not None

    @property
    def is_change(self) -> bool:
        """A rate of change: a percentage or a multiple."""
        return self.percent or self.times


QUALIFIER_BEFORE = {
    "more": re.compile(r"(?:\bover|more than|\babove|exceed\w*|in excess of|\bболее|\bсвыше|\bбольше|превысил\w*|"
                       r"превыша\w*|\bнад|повече от|надхвърл\w*)\s*\$?\s*$", re.I),
    "about": re.compile(r"(?:\babout|\baround|approximately|\bsome|\bnearly|\balmost|\bоколо|\bпорядка|\bпримерно|"
                        r"\bпочти|приблизително|\bблизо|\bшамамен)\s*\$?\s*$", re.I),
}
QUALIFIER_AFTER = {"more": re.compile(r"^\S*\s*(?:астам|асты|артық)", re.I), "about": re.compile(r"^\S*\s*жуық", re.I)}
QUALIFIER_WORDS = {"more": {"en": "over", "ru": "более", "bg": "над", "kk": "кемінде"},
                   "about": {"en": "about", "ru": "около", "bg": "около", "kk": "шамамен"}}


def _qualifier(text: str, start: int, end: int) -> str | None:
    """Whether the text says "over N" or "about N": stating a bare N would overstate the source."""
    for kind in ("more", "about"):
        if QUALIFIER_BEFORE[kind].search(text[max(0, start - 30):start]) or QUALIFIER_AFTER[kind].search(text[end:end + 20]):
            return kind
    return None


def _to_float(number: str) -> float:
    n = re.sub(r"[ \u00a0\u202f]", "", number)
    return float(n.replace(",", "."))


_MONTH_WORD = rf"\b(?:{_MONTH_RE})[^\W\d_]*\.?"
DAY_MONTH = re.compile(rf"\b[0-3]?\d\s+{_MONTH_WORD}|{_MONTH_WORD}\s+[0-3]?\d\b", re.I)


def find_amounts(text: str) -> list[Amount]:
    """Numbers in ``text`` that are not part of a date (years, days, "on 9 June")."""
    date_spans = [(d.start, d.end) for d in find_dates(text)] + [m.span() for m in DAY_MONTH.finditer(text)]
    amounts = []
    for m in AMOUNT.finditer(text):
        s, e = m.start("number"), m.end("number")
        if _overlaps((s, e), date_spans):
            continue
        g = m.groupdict()
        scale = next((k for k in SCALES if g.get(f"s_{k}")), None)
        currency = next((k for k in CURRENCIES if g.get(f"c_{k}")), None)
        if g.get("pre"):  # "$5 million", "EUR 5 million"
            currency = {"$": "USD", "€": "EUR"}.get(g["pre"].strip(), g["pre"].strip().upper())
        end, times = m.end(), False
        if not (scale or currency or g.get("percent")):
            multiple = _multipliers()[0].match(text, m.end())
            if multiple and _of_change(text, m.start(), multiple.end()):
                end, times = multiple.end(), True
        value = _to_float(g["number"])
        if not scale and re.fullmatch(r"\d{1,3}(?:,\d{3})+", g["number"]):
            # "over 8,500 tourists": an English thousands separator; "1,385 млрд" (a scale word) is a decimal
            value = float(g["number"].replace(",", ""))
        amounts.append(Amount(value, scale, currency, bool(g.get("percent")), m.start(), end,
                              text[m.start():end].strip(), _qualifier(text, m.start(), m.end()), times))
    _, words, values, _ = _multipliers()
    for m in words.finditer(text):
        if not _overlaps(m.span(), [(a.start, a.end) for a in amounts]) and _of_change(text, m.start(), m.end()):
            amounts.append(Amount(values[m.group(0).lower()], None, None, False, m.start(), m.end(), m.group(0),
                                  times=True))
    return sorted(amounts, key=lambda a: a.start)


@lru_cache(maxsize=1)
def _multipliers() -> tuple[re.Pattern, re.Pattern, dict[str, int], re.Pattern]:
    """(what follows a number to make it a multiple, the one-word multiples, their values, the words of
    change): numbers.json."""
    from rag.knowledge.places import load

    data = load("numbers.json")["multipliers"]
    after = sorted({f.lower() for forms in data["after_number"].values() for f in forms}, key=len, reverse=True)
    values = {w.lower(): v for forms in data["words"].values() for w, v in forms.items()}
    change = sorted({f.lower() for forms in data["change"].values() for f in forms}, key=len, reverse=True)
    return (re.compile(rf"(?:\s?(?:{'|'.join(re.escape(f) for f in after if not f.startswith('-'))})|"
                       rf"(?:{'|'.join(re.escape(f) for f in after if f.startswith('-'))}))(?![^\W\d_])", re.I),
            re.compile(rf"(?<![^\W\d_])(?:{'|'.join(sorted(map(re.escape, values), key=len, reverse=True))})"
                       rf"(?![^\W\d_])", re.I),
            values,
            re.compile(rf"(?<![^\W\d_])(?:{'|'.join(map(re.escape, change))})", re.I))


def _of_change(text: str, start: int, end: int) -> bool:
    """Whether the multiple at ``start:end`` measures a change: a word of change a few words before it (after
    it in Kazakh: "4,5 есе өсті"), or the base it is measured against right after ("3.9 times the previous
    year's"). "Met 5 times" and "3 times a week" count occurrences."""
    from rag.answering.grounding import PREVIOUS_YEAR_RE  # grounding imports this module: import it late

    change = _multipliers()[3]
    return bool(change.search(text[max(0, start - 40):start]) or change.search(text[end:end + 25])
                or PREVIOUS_YEAR_RE.search(text[end:end + 30]))


@lru_cache(maxsize=1)
def _number_words() -> tuple[re.Pattern, dict[str, int], tuple[str, ...]]:
    from rag.knowledge.places import load

    data = load("numbers.json")
    values = {form.lower(): v for forms in data["words"].values() for form, v in forms.items()}
    pattern = re.compile(r"(?<!\w)(" + "|".join(sorted(map(re.escape, values), key=len, reverse=True)) +
                         r")(?!\w)\s+(\w+)", re.I)
    parties = tuple(stem.lower() for stems in data["parties"].values() for stem in stems)
    return pattern, values, parties


def _is_party(word: str, parties: tuple[str, ...]) -> bool:
    return any(word == p[:-1] if p.endswith("=") else word.startswith(p) for p in parties)


def find_counted_words(text: str) -> list[Amount]:
    """Counts written as words ("two regular flights", "два рейса", "екі күн"; ``numbers.json``), not
    the parties of a meeting ("the two countries", "обе стороны"), and not two number words in a row
    ("two hundred", "двадцать пять"), which are left unread rather than read wrong."""
    pattern, values, parties = _number_words()
    found = []
    previous_end = None  # where the last number word ended
    for m in pattern.finditer(text):
        follows_number = previous_end is not None and not text[previous_end:m.start()].strip()
        previous_end = m.end(1)
        nxt = m.group(2).lower()
        if nxt in values or follows_number or _is_party(nxt, parties):
            continue
        found.append(Amount(float(values[m.group(1).lower()]), None, None, False, m.start(1), m.end(1),
                            m.group(1), _qualifier(text, m.start(1), m.end(1))))
    return found


SCALE_WORDS = {
    "en": {"billion": "billion", "million": "million", "thousand": "thousand"},
    "ru": {"billion": "млрд", "million": "млн", "thousand": "тыс."},
    "bg": {"billion": "млрд.", "million": "млн.", "thousand": "хил."},
    "kk": {"billion": "млрд", "million": "млн", "thousand": "мың"},
}
CURRENCY_WORDS = {
    # the names press releases in each language write ("долларов США", "щатски долара", "АҚШ доллары")
    "ru": {"USD": "долларов США", "EUR": "евро", "KZT": "тенге"},
    "bg": {"USD": "щатски долара", "EUR": "евро", "KZT": "тенге"},
    "kk": {"USD": "АҚШ доллары", "EUR": "еуро", "KZT": "теңге"},
}


def format_amount(a: Amount, language: str) -> str:
    """The amount in ``language``'s number format: "584,3 млн долларов", "$584.3 million", "28,7 %"."""
    locale = language if language in SCALE_WORDS else "en"
    number = _spaces(format_decimal(a.value, format="#,##0.###", locale=locale))
    if a.qualifier:
        return f"{QUALIFIER_WORDS[a.qualifier][locale]} {format_amount(dataclasses.replace(a, qualifier=None), language)}"
    if a.percent:
        return f"{number}%" if locale == "en" else f"{number} %"
    if a.times:
        from rag.knowledge.places import load

        whole = a.value == int(a.value)
        raz = "раза" if not whole or (int(a.value) % 10 in (2, 3, 4) and int(a.value) % 100 not in (12, 13, 14)) else "раз"
        return load("numbers.json")["multipliers"]["show"][locale].format(n=number, raz=raz)
    parts = [number]
    if a.scale:
        parts.append(SCALE_WORDS[locale][a.scale])
    if a.currency:
        if locale == "en":
            symbol = {"USD": "$", "EUR": "€"}.get(a.currency)
            return f"{symbol}{' '.join(parts)}" if symbol else f"{' '.join(parts)} {a.currency}"
        parts.append(CURRENCY_WORDS[locale][a.currency])
    return " ".join(parts)


def numbers_in(text: str) -> set[str]:
    """Canonical forms of the numbers in ``text`` ("584,3" and "584.3" → "584.3"), for comparing facts."""
    return {f"{_to_float(m.group('number')):g}" for m in re.finditer(NUMBER, text)}


_DAY_THEN_MONTH = re.compile(rf"\b(?P<day>[0-3]?\d)\s+(?P<month>{_MONTH_WORD})", re.I)
_MONTH_THEN_DAY = re.compile(rf"(?P<month>{_MONTH_WORD})\s+(?P<day>[0-3]?\d)\b", re.I)


@lru_cache(maxsize=1)
def _relative_years() -> tuple[re.Pattern, re.Pattern, re.Pattern, dict[str, int]]:
    """(a month then a relative year — en/ru/bg, a relative year then a month — kk, the bare forms, form →
    offset) from ``periods.json``'s ``relative_years``."""
    offsets = {f.lower(): int(off) for off, forms in _periods()["relative_years"]["offsets"].items()
               for language in forms.values() for f in language}
    forms = "|".join(re.escape(f) for f in sorted(offsets, key=len, reverse=True))
    after = re.compile(rf"(?P<month>{_MONTH_WORD})\s+(?:of\s+)?(?P<rel>{forms})(?![^\W\d_])", re.I)
    before = re.compile(rf"(?<![^\W\d_])(?P<rel>{forms})\s+(?P<month>{_MONTH_WORD})", re.I)
    bare = re.compile(rf"(?<![^\W\d_])(?:{forms})(?![^\W\d_])", re.I)
    return after, before, bare, offsets


def names_relative_year(text: str) -> bool:
    """Whether ``text`` names a year relative to another ("last year", "в прошлом году", "биыл",
    "a year earlier"): a follow-up that does is about that year, not the conversation's."""
    from rag.answering.grounding import PREVIOUS_YEAR_RE  # grounding imports this module
    return bool(_relative_years()[2].search(text) or PREVIOUS_YEAR_RE.search(text))


def _calendar_month(word: str) -> int | None:
    """The month a whole word names (CLDR's forms, or the Russian prepositional "в мае"); not a word that
    merely starts like one ("declined", "market", "Maybe"), nor the English verb "may"."""
    from rag import knowledge  # the knowledge package imports this module: import it late

    word = word.rstrip(".")
    if word == "may":
        return None
    if word.lower() in RU_MONTHS_PREPOSITIONAL:
        return RU_MONTHS_PREPOSITIONAL.index(word.lower()) + 1
    return knowledge.month_number(word)


def _relative_dates(text: str, year: int, taken: list[tuple[int, int]]) -> list[DateMention]:
    """Dates whose year is named relative to ``year``, the article's: "in May this year", "биылғы мамырда",
    "в мае прошлого года", "this year". Only where the text names no year of its own before them ("В 2019
    году …, а в марте следующего года" is 2020, not the article's next year), and a bare "last/next year"
    not at all (it is as often the base of a comparison: "grew by 20% compared to last year")."""
    after, before, bare, offsets = _relative_years()
    found = []

    def free(m: re.Match) -> bool:
        return not _overlaps(m.span(), taken)

    for pattern in (after, before):
        for m in pattern.finditer(text):
            month = _calendar_month(m.group("month"))
            offset = offsets[m.group("rel").lower()]
            if month and free(m) and not (offset and YEAR_IN_TEXT.search(text[:m.start()])):
                found.append(DateMention(year + offset, month, None, m.start(), m.end()))
                taken.append((m.start(), m.end()))
    for m in bare.finditer(text):
        if offsets[m.group(0).lower()] == 0 and free(m):
            found.append(DateMention(year, None, None, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    return found


def find_dates_in_year(text: str, year: int | None) -> list[DateMention]:
    """Dates in ``text``; a day and month written without a year ("Астана, 30 июня –", a dateline) take
    ``year`` (the article's), when it is known, and so does a year named relative to it ("in May this
    year", "в прошлом году": ``periods.json``)."""
    dates = find_dates(text)
    if year is None:
        return dates
    taken = [(d.start, d.end) for d in dates]
    dates += _relative_dates(text, year, taken)
    for pattern in (_DAY_THEN_MONTH, _MONTH_THEN_DAY):
        for m in pattern.finditer(text):
            if _overlaps(m.span(), taken):
                continue
            month, day = _month_number(m.group("month")), int(m.group("day"))
            if month and 1 <= day <= 31:
                dates.append(DateMention(year, month, day, m.start(), m.end()))
                taken.append((m.start(), m.end()))
    return sorted(dates, key=lambda d: d.start)


# --- anniversaries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anniversary:
    """"The 33rd anniversary", "80-летие", "15 years of strategic partnership": the years it marks."""

    years: int
    start: int
    end: int


@lru_cache(maxsize=1)
def _anniversary_re() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(an anniversary, a span of years that is one when marked, the marking words): anniversaries.json."""
    from rag.knowledge.places import load  # the knowledge package imports this module: load it late

    data = load("anniversaries.json")
    endings = "|".join(map(re.escape, sorted(data["ordinal_endings"], key=len, reverse=True)))

    def after_number(key: str) -> re.Pattern:
        forms = sorted({f.lower() for fs in data[key].values() for f in fs}, key=len, reverse=True)
        # not the end of a number grouped by spaces ("1 500-летие" is no 500th)
        return re.compile(rf"(?<![\d.,])(?<!\d\s)(?P<n>\d{{1,3}})(?:{endings})?[\s-]?"
                          rf"(?:{'|'.join(map(re.escape, forms))})", re.I)

    marking = sorted({f.lower() for fs in data["marking"].values() for f in fs}, key=len, reverse=True)
    return (after_number("after_number"), after_number("when_marked"),
            re.compile(rf"(?<![^\W\d_])(?:{'|'.join(map(re.escape, marking))})", re.I))


def find_anniversaries(text: str) -> list[Anniversary]:
    """The anniversaries ``text`` names, in its order (``anniversaries.json``): "the 33rd anniversary",
    "80-летие"; "15 years of strategic partnership" only where the text marks it ("mark", "отмечают")."""
    always, when_marked, marking = _anniversary_re()
    found = [m for m in always.finditer(text)]
    found += [m for m in when_marked.finditer(text)
              if marking.search(text[max(0, m.start() - 40):m.end() + 40])
              and not _overlaps(m.span(), [o.span() for o in found])]
    return sorted((Anniversary(int(m.group("n")), m.start(), m.end()) for m in found if int(m.group("n")) > 0),
                  key=lambda a: a.start)


def format_ordinal(n: int, language: str) -> str:
    """``n`` as an ordinal of "anniversary" in ``language``: 33rd, 33-я, 33-та, 33-жылдық."""
    if language == "en":
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    if language == "bg":
        # feminine, as "годишнина": its last word decides (21-ва, 22-ра, 27-ма), except 11–20 (11-та)
        ending = "та" if 10 <= n % 100 <= 20 else {1: "ва", 2: "ра", 7: "ма", 8: "ма"}.get(n % 10, "та")
        return f"{n}-{ending}"
    if language == "kk":
        return f"{n} жылдық"
    return f"{n}-я"
