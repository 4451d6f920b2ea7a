"""The retrieval filters as the interface collects them: checked languages and two ISO dates."""

from __future__ import annotations

import datetime as dt
import re

from rag.retrieval import Filters
from rag.settings import SUPPORTED_LANGUAGES

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


class FilterError(ValueError):
    """A filter value the user has to correct; the message says how."""


def parse_date(value: str | None, label: str) -> str | None:
    """``YYYY-MM-DD`` (stripped) or None when empty; FilterError for anything else."""
    text = (value or "").strip()
    if not text:
        return None
    if not _ISO.fullmatch(text):
        raise FilterError(f"“{text}” is not a date: write the {label} date as YYYY-MM-DD, e.g. 2025-03-21.")
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise FilterError(f"“{text}” is not a real calendar date (the {label} date).") from None
    return text


def parse_filters(languages: list[str] | tuple[str, ...] | None, date_from: str | None,
                  date_to: str | None) -> Filters | None:
    """The Filters to retrieve with, or None when nothing narrows the search; FilterError when invalid.

    ``languages`` None means "all"; an empty selection is an error (it would match nothing).
    """
    chosen: frozenset[str] | None = None
    if languages is not None:
        unknown = sorted(set(languages) - set(SUPPORTED_LANGUAGES))
        if unknown:
            raise FilterError(f"Unknown source language(s): {', '.join(unknown)}. "
                              f"Choose from {', '.join(SUPPORTED_LANGUAGES)}.")
        if not languages:
            raise FilterError("Select at least one source language.")
        chosen = frozenset(languages)
        if chosen == frozenset(SUPPORTED_LANGUAGES):
            chosen = None
    start = parse_date(date_from, "start")
    end = parse_date(date_to, "end")
    if start and end and start > end:
        raise FilterError(f"The start date {start} is after the end date {end}.")
    filters = Filters(languages=chosen, date_from=start, date_to=end)
    return filters if filters.active else None
