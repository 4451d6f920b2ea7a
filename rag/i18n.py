"""Every sentence the system says to a user, in the four interface languages.

The texts live in one data file, ``rag/data/messages.json`` (key → {en, ru, bg, kk}), so a translator
finds them all at once; :func:`message` fills in their ``{placeholders}``. Number, size, duration and
date formats and language names come from CLDR through Babel, so they are not translated here.
"""

from __future__ import annotations

import json
import re
import string
from datetime import datetime
from functools import lru_cache
from importlib import resources

SUPPORTED_UI_LANGUAGES = ("ru", "en", "bg", "kk")
DEFAULT_UI_LANGUAGE = "en"


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("rag").joinpath("data/messages.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return {key: value for key, value in data.items() if not key.startswith("_")}


MESSAGES: dict[str, dict[str, str]] = _catalogue()


def ui_language(code: str | None) -> str:
    """``code`` if it is an interface language, else the default (English)."""
    return code if code in SUPPORTED_UI_LANGUAGES else DEFAULT_UI_LANGUAGE


def message(key: str, language: str | None, **values: object) -> str:
    """The text of ``key`` in ``language`` (English for any other language), placeholders filled in."""
    texts = MESSAGES[key]
    return texts.get(ui_language(language), texts[DEFAULT_UI_LANGUAGE]).format(**values)


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message text expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- quotation marks ---------------------------------------------------------------------------------

_OPENING = "«„“‘‚‹\"'"
_CLOSING = "»“”’‘›\"'"


def _marks(language: str) -> tuple[str, str, str, str]:
    return (message("quote_open", language), message("quote_close", language),
            message("quote_open_inner", language), message("quote_close_inner", language))


def quoted(text: str, language: str) -> str:
    """``text`` between the quotation marks of ``language``.

    A text that is already one quotation (it opens and closes with quotation marks and holds no
    other pair) is returned as it is; quotation marks inside the text that are the language's outer
    ones become its inner ones, as typography wants (no «« or »»).
    """
    left, right, inner_left, inner_right = _marks(language)
    stripped = text.strip()
    if (len(stripped) > 1 and stripped[0] in _OPENING and stripped[-1] in _CLOSING
            and not any(ch in _OPENING + _CLOSING for ch in stripped[1:-1])):
        return stripped
    if left != inner_left:
        text = text.replace(left, inner_left)
    if right != inner_right:
        text = text.replace(right, inner_right)
    return f"{left}{text}{right}"


# --- the browser's language ----------------------------------------------------------------------------

_RANGE = re.compile(r"^\s*([A-Za-z]{1,8})(?:[-_][A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def language_from_header(accept_language: str | None, default: str = DEFAULT_UI_LANGUAGE) -> str:
    """The interface language an ``Accept-Language`` header (RFC 9110) prefers, else ``default``.

    Ranges are taken by weight (q), ties in the order given; only the primary subtag counts
    (``ru-KZ`` → ru). A range of weight 0 is refused, ``*`` stands for any language.
    """
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        m = _RANGE.match(part) if part.strip() != "*" and not part.strip().startswith("*;") else None
        if not m:
            continue
        try:
            weight = float(m.group(2)) if m.group(2) is not None else 1.0
        except ValueError:
            continue
        if weight > 0:
            ranked.append((-weight, position, m.group(1).lower()))
    for _, _, code in sorted(ranked):
        if code in SUPPORTED_UI_LANGUAGES:
            return code
    return default


# --- CLDR formats ------------------------------------------------------------------------------------------

def language_name(code: str, language: str) -> str:
    """The name of language ``code`` in ``language`` (CLDR), e.g. ("kk", "ru") → "казахский"."""
    from babel import Locale

    return Locale.parse(ui_language(language)).languages.get(code, code)


def autonym(code: str) -> str:
    """A language's own name, capitalised (CLDR), for the language selector: "Русский", "Қазақ тілі"."""
    name = language_name(code, code) if code in SUPPORTED_UI_LANGUAGES else code
    return name[:1].upper() + name[1:]


def format_size(n_bytes: int, language: str) -> str:
    """A file size in kB (decimal, as CLDR names it in ``language``): "1 000 кБ"."""
    from babel.units import format_unit

    value = round(n_bytes / 1000, 1)
    value = int(value) if value == int(value) else value
    return format_unit(value, "digital-kilobyte", length="short", locale=ui_language(language))


def format_bytes(n_bytes: int, language: str) -> str:
    """An exact size in bytes, in words of ``language``: "2 001 байт"."""
    from babel.units import format_unit

    return format_unit(n_bytes, "digital-byte", length="long", locale=ui_language(language))


def format_number(n: float, language: str) -> str:
    """A number with the digit grouping and decimal sign of ``language``."""
    from babel.numbers import format_decimal

    return format_decimal(n, locale=ui_language(language))


def format_duration(seconds: float, language: str) -> str:
    """A rough duration in words ("2 минуты")."""
    from babel.dates import format_timedelta

    return format_timedelta(max(1.0, seconds), threshold=1.5, locale=ui_language(language))


def format_when(iso: str | None, language: str) -> str:
    """An ISO timestamp as a medium date and short time in ``language``."""
    if not iso:
        return message("time_unknown", language)
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    from babel.dates import format_date, format_time

    locale = ui_language(language)
    return f"{format_date(when, 'medium', locale=locale)}, {format_time(when, 'short', locale=locale)} UTC"
