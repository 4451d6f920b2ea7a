"""Multilingual lexicons: titles, organisations, documents, events, areas of cooperation, question
words (one curated JSON file each, every entry in en, ru, bg, kk), language, month and weekday names (Babel),
and stopwords (stopwordsiso for en, ru, bg; curated for Kazakh, which no package covers).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.knowledge.matcher import Entry, Index, entry_for_form, is_cyrillic, literal_regex
from rag.knowledge.places import LANGUAGES, load

# kind → data file
LEXICONS = {
    "title": "titles.json",
    "organisation": "organisations.json",
    "document": "documents.json",
    "event": "events.json",
    "area": "areas.json",
    "question": "questions.json",
    "language": "languages.json",
}
# Lexicons of words, not things, searched on their own (``find_terms``) rather than with everything
# else: their words overlap the question lexicon's ("обсудили" asks in a question, tells in an article).
OWN_LEXICONS = {"discussion": "discussion.json", "act": "acts.json", "upcoming": "upcoming.json",
                "asked_noun": "asked_nouns.json", "name_head": "name_heads.json", "question_cue": "question_cues.json"}
CALENDAR = ("month", "weekday")


def lexicon(kind: str) -> dict[str, dict[str, list[str]]]:
    """A lexicon's entries: id → language → forms (the first is the display name)."""
    files = LEXICONS | OWN_LEXICONS
    if kind not in files:
        raise KeyError(f"unknown lexicon {kind!r}: one of {', '.join(files)}")
    return load(files[kind])["entries"]


@lru_cache(maxsize=None)
def lexicon_index(kind: str) -> tuple[Index, re.Pattern | None, dict[str, str]]:
    """The index of one lexicon (or "month"/"weekday"), the regex of its literal forms ("C5+1") and
    which id each literal form belongs to."""
    entries: list[Entry] = []
    literals: dict[str, str] = {}
    if kind in CALENDAR:
        months = load("months.json")
        for lang in LANGUAGES:
            for number, item in months[lang]["months" if kind == "month" else "weekdays"].items():
                for form in item["forms"]:
                    # "May", "Mar": a short Latin month name is only one when capitalised
                    latin = not re.search("[а-яёәғқңөұүһі]", form)
                    entry = entry_for_form((kind, number), form.capitalize() if latin else form, proper=latin,
                                           exact=len(form) <= 4 and not latin)
                    if entry:
                        entries.append(entry)
    else:
        data = load((LEXICONS | OWN_LEXICONS)[kind])
        exact = data.get("match") == "exact"
        for key, entry in data["entries"].items():
            for lang in LANGUAGES:
                for form in entry.get(lang, []):
                    e = entry_for_form((kind, key), form, proper=False, exact=exact)
                    if e:
                        entries.append(e)
                    else:
                        literals[re.sub(r"\s+", "", form)] = key
    return Index().extend(entries), literal_regex(list(literals)), literals


def term_display(kind: str, id: str, language: str) -> str:
    """The display name of a lexicon entry, month or weekday in ``language``."""
    if kind in CALENDAR:
        lang = language if language in LANGUAGES else "en"
        return load("months.json")[lang]["months" if kind == "month" else "weekdays"][id]["name"]
    forms = lexicon(kind)[id]
    candidates = forms.get(language) or forms["en"]
    return next((f for f in candidates if not f.endswith("-")), candidates[0])


@lru_cache(maxsize=None)
def stopwords(language: str) -> frozenset[str]:
    """Stopwords of ``language`` (en, ru, bg: stopwordsiso; kk: curated), lower case."""
    return frozenset(load("stopwords.json").get(language, []))


@lru_cache(maxsize=8)
def _derived_endings(language: str | None) -> tuple[str, ...]:
    data = load("derived_words.json")
    return tuple(e for key, ends in data.items() if not key.startswith("_") and language in (None, key) for e in ends)


def is_derived_common(word: str, language: str | None = None) -> bool:
    """Whether ``word`` ends in a suffix that makes a common word in ``language`` (any of the four when
    None; Kazakh -лық/-лік…, data in derived_words.json), so that capitalised it still names nothing
    ("Дүниежүзілік", "Халықаралық"). A proper noun so made ("Достық", a border crossing) is read as a common
    word too: the price of not taking the many named phrases these words open for names."""
    w = word.lower()
    return any(w.endswith(e) and len(w) > len(e) + 2 for e in _derived_endings(language or None))


@lru_cache(maxsize=1)
def all_stopwords() -> frozenset[str]:
    """Stopwords of all four languages."""
    return frozenset().union(*(stopwords(lang) for lang in LANGUAGES))


@lru_cache(maxsize=None)
def word_set(name: str) -> frozenset[str]:
    """Every word of a data file that lists words by language (``{"_about": …, "en": [...], "ru": [...]}``),
    the four languages together: ``copulas.json``, ``partitives.json``, ``state_forms.json``…"""
    return frozenset(w for key, ws in load(name).items() if not key.startswith("_") for w in ws)


def _polite_pronouns() -> frozenset[str]:
    return word_set("polite_pronouns.json")


def stops_a_name(word: str, initial: bool) -> bool:
    """Whether a capitalised stopword is no part of a name. At a sentence's start any stopword is a common
    word ("Также", "The"); elsewhere only a Latin one among the English stopwords ("Tokayev Will Visit", a
    headline's casing), a polite "you" ("Благодарю Вас") or a lone letter (a dateline's "– В столице"): a
    Cyrillic text capitalises a stopword inside a sentence otherwise only in a name ("Си Цзиньпин", "Ли Цян",
    "Ана Брнабич")."""
    w = word.lower()
    if w not in all_stopwords():
        return False
    if initial or (len(word) > 1 and word.isupper()):  # a heading's capitals ("ЕВРАЗИЯ ДНЕС")
        return True
    if is_cyrillic(w):
        return len(w) < 2 or w in _polite_pronouns()
    return w in stopwords("en")


@lru_cache(maxsize=1)
def state_form_words() -> frozenset[str]:
    """The words of a state's formal name in the four languages ("republic", "Республики", "Кралство";
    ``state_forms.json``), lower case: in a post's complement they only say which country it is of."""
    return word_set("state_forms.json")


@lru_cache(maxsize=4096)
def month_number(word: str) -> int | None:
    """The month a word names in any of the four languages and its inflections ("июня", "маусымда",
    "Sept"), else None."""
    from rag.knowledge.matcher import find, words_of

    hits = find(lexicon_index("month")[0], words_of(word))
    return int(hits[0].entry.key[1]) if hits and hits[0].start == 0 else None
