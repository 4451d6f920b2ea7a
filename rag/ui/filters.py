"""The retrieval filters as the interface collects them: checked languages and two ISO dates."""

from __future__ import annotations

import datetime as dt
import re

from rag.i18n import message
from rag.retrieval import Filters
from rag.settings import SUPPORTED_LANGUAGES

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


class FilterError(ValueError):
    """A filter value the user has to correct; the message says how (in the language asked for)."""


def parse_date(value: str | None, which: str, language: str = "en") -> str | None:
    """``YYYY-MM-DD`` (stripped) or None when empty; FilterError for anything else.

    ``which`` is "from" or "to": the message names the start or the end date.
    """
    text = (value or "").strip()
    if not text:
        return None
    if not _ISO.fullmatch(text):
        raise FilterError(message(f"filter_bad_{which}", language, text=text))
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise FilterError(message(f"filter_unreal_{which}", language, text=text)) from None
    return text


def parse_languages(values: list[str] | tuple[str, ...] | str | None, language: str = "en") -> frozenset[str] | None:
    """The chosen source languages, or None for "all"; a comma-separated string is split (the CLI's
    ``--language ru,kk``). An empty selection is an error (it would match nothing)."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [v.strip().lower() for v in values.split(",") if v.strip()]
    unknown = sorted(set(values) - set(SUPPORTED_LANGUAGES))
    if unknown:
        raise FilterError(message("filter_unknown_language", language, codes=", ".join(unknown),
                                  choices=", ".join(SUPPORTED_LANGUAGES)))
    if not values:
        raise FilterError(message("filter_no_language", language))
    chosen = frozenset(values)
    return None if chosen == frozenset(SUPPORTED_LANGUAGES) else chosen


def parse_filters(languages: list[str] | tuple[str, ...] | str | None, date_from: str | None,
                  date_to: str | None, language: str = "en") -> Filters | None:
    """The Filters to retrieve with, or None when nothing narrows the search; FilterError when invalid.

    ``languages`` None means "all"; ``language`` is the language of the error messages.
    """
    chosen = parse_languages(languages, language)
    start = parse_date(date_from, "from", language)
    end = parse_date(date_to, "to", language)
    if start and end and start > end:
        raise FilterError(message("filter_start_after_end", language, start=start, end=end))
    filters = Filters(languages=chosen, date_from=start, date_to=end)
    return filters if filters.active else None
