"""Language identification for questions and documents (ru, en, bg, kk).

lingua is restricted to the four supported languages, so it always picks one of
them; a second, wider detector is consulted only to notice that a Latin or
Cyrillic text is really in some other language (German, Ukrainian, ...).
"""

from __future__ import annotations

import functools
import re

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from rag.types import LanguageGuess

SUPPORTED = {
    Language.RUSSIAN: "ru",
    Language.ENGLISH: "en",
    Language.BULGARIAN: "bg",
    Language.KAZAKH: "kk",
}

CYRILLIC = ("ru", "bg", "kk")

# Common languages a user might plausibly type instead. Macedonian and Serbian are
# left out on purpose: they are so close to Bulgarian that short Bulgarian
# questions would be taken for them.
_WIDER = (
    Language.UKRAINIAN,
    Language.GERMAN,
    Language.FRENCH,
    Language.SPANISH,
    Language.ITALIAN,
    Language.TURKISH,
    Language.POLISH,
    Language.PORTUGUESE,
    Language.DUTCH,
)

# Below this lingua confidence (among the four) the guess is not trusted and the
# caller's fallback is used (if the text's letters allow it). Every test question lingua decides on its own scores
# >= 0.77; an ambiguous scrap like "Как е?" (ru 0.47 / bg 0.53) does not. (Any
# Latin-script text is English among the four, so it always scores 1.0.)
MIN_CONFIDENCE = 0.6
# A text is unsupported when the wider detector's top choice is another language
# and at least this much of its confidence lies outside the four. On the test
# questions other languages score >= 0.84; supported ones at most 0.78 (an English
# keyword query full of Kazakh and Italian names), and those keep English on top.
UNSUPPORTED_MIN_CONFIDENCE = 0.8
# Under this confidence lingua's call is checked against the alphabet and, for
# Russian vs Bulgarian (a coin toss on a few short questions), against frequent
# words only one of the two uses. Above it lingua wins, so a Russian article that
# quotes "Ақорда" stays Russian.
SURE = 0.9
# Too few letters ("OK", a name) to call a text foreign.
_MIN_LETTERS_FOR_OTHER = 10

# Letters only Kazakh uses among the four languages (і is left out: Ukrainian
# and Belarusian have it too).
_KAZAKH_LETTERS = set("әғқңөұүһӘҒҚҢӨҰҮҺ")


def has_kazakh_letters(text: str) -> bool:
    """Whether ``text`` holds a letter only the Kazakh alphabet has (of the four languages)."""
    return not _KAZAKH_LETTERS.isdisjoint(text)
# Letters Russian has and Bulgarian lacks.
_RUSSIAN_ONLY_LETTERS = set("ыэёЫЭЁ")
# Frequent (question) words of one language that the other does not use.
_BULGARIAN_WORDS = frozenset(
    "е са ще във със към какво какъв каква какви кога кой коя кое кои къде защо колко това този тази тези беше бяха".split()
)
_RUSSIAN_WORDS = frozenset(
    "что кто когда где почему сколько какой какая какие каких это этот эта эти был была были который которая".split()
)
_WORD = re.compile(r"[^\W\d_]+")

LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "ru": {"ru": "русский", "en": "английский", "bg": "болгарский", "kk": "казахский"},
    "en": {"ru": "Russian", "en": "English", "bg": "Bulgarian", "kk": "Kazakh"},
    "bg": {"ru": "руски", "en": "английски", "bg": "български", "kk": "казахски"},
    "kk": {"ru": "орыс тілі", "en": "ағылшын тілі", "bg": "болгар тілі", "kk": "қазақ тілі"},
}


@functools.lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*SUPPORTED).with_preloaded_language_models().build()


@functools.lru_cache(maxsize=1)
def _wide_detector() -> LanguageDetector:
    # Lazy models: most texts never reach this detector.
    return LanguageDetectorBuilder.from_languages(*SUPPORTED, *_WIDER).build()


def _script_counts(text: str) -> tuple[int, int, int]:
    """Letters in Latin script, in Cyrillic, and in any other script."""
    latin = cyrillic = other = 0
    for ch in text:
        if not ch.isalpha():
            continue
        if ch.isascii() or "\u00c0" <= ch <= "\u024f":
            latin += 1
        elif "\u0400" <= ch <= "\u04ff":
            cyrillic += 1
        else:
            other += 1
    return latin, cyrillic, other


def _by_alphabet_or_words(code: str, text: str) -> str | None:
    """The language the text's letters or words settle on, or None if they don't."""
    letters = set(text)
    if letters & _KAZAKH_LETTERS:
        return "kk"
    if code == "bg" and letters & _RUSSIAN_ONLY_LETTERS:
        return "ru"
    if code in ("ru", "bg"):
        words = [w.lower() for w in _WORD.findall(text)]
        bulgarian = sum(w in _BULGARIAN_WORDS for w in words)
        russian = sum(w in _RUSSIAN_WORDS for w in words)
        if bulgarian != russian:
            return "bg" if bulgarian > russian else "ru"
    return None


def _unsure_language(text: str, fallback: str, more_latin: int, scores: dict[str, float]) -> str:
    """The language of a text lingua is unsure of: ``fallback`` (the interface's) unless the letters rule
    it out. Mostly Latin is English; mostly Cyrillic is not English because the interface is English
    ("ываыва"), nor Bulgarian when it writes "ы", but the likeliest language the letters allow; as many of
    each leaves the interface's."""
    if more_latin > 0:
        return "en"
    if more_latin < 0 and (fallback == "en" or (fallback == "bg" and set(text) & _RUSSIAN_ONLY_LETTERS)):
        return max(_cyrillic_allowed(text), key=lambda c: scores.get(c, 0.0))
    return fallback


def _cyrillic_allowed(text: str) -> list[str]:
    """Russian, Bulgarian and Kazakh, less those the letters make unlikely: a Russian-only letter rules
    Bulgarian out, and no Kazakh-only letter makes Kazakh the less likely call (lingua's scores on a
    scrap of letters ignore that most Kazakh text has one)."""
    letters = set(text)
    return [c for c in CYRILLIC if not (c == "kk" and not letters & _KAZAKH_LETTERS)
            and not (c == "bg" and letters & _RUSSIAN_ONLY_LETTERS)] or ["ru"]


def _is_other_language(text: str, letters: int) -> bool:
    if letters < _MIN_LETTERS_FOR_OTHER:
        return False
    values = _wide_detector().compute_language_confidence_values(text)
    if not values:
        return False
    outside = sum(v.value for v in values if v.language not in SUPPORTED)
    return values[0].language not in SUPPORTED and outside >= UNSUPPORTED_MIN_CONFIDENCE


@functools.lru_cache(maxsize=1)
def _question_words() -> dict[str, str]:
    """One-word question words ("who", "кто", "кой", "кім") that only one of the four languages has, and
    which (``questions.json``)."""
    from rag.knowledge.places import load

    data = load("questions.json")
    owners: dict[str, set[str]] = {}
    for forms in data["entries"].values():
        for code, words in forms.items():
            for w in words:
                if " " not in w and len(w) > 1:
                    owners.setdefault(w.lower(), set()).add(code)
    return {w: next(iter(codes)) for w, codes in owners.items() if len(codes) == 1}


def _asked_in(text: str) -> str | None:
    """The language whose question word ``text`` opens or closes with ("Who is Roman Vassilenko?", "Роман
    Василенко кім?"), when only one language has it: a short question is mostly names, which lingua reads
    as whatever language spells them so, but the question word is the asker's."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return None
    owners = _question_words()
    found = {owners[w] for w in (words[0], words[-1]) if w in owners}
    return found.pop() if len(found) == 1 else None


def detect_language(text: str, fallback: str = "en") -> LanguageGuess:
    """Guess which of ru/en/bg/kk ``text`` is written in.

    Returns ``reliable=False`` with ``code=fallback`` when the text has no letters
    or lingua is not confident enough, unless the letters rule the fallback out: an
    unsure Latin text is English, an unsure Cyrillic one is never English (nor
    Bulgarian when it writes ы/э/ё), whatever the interface. ``supported=False`` with
    ``code="en"`` when the text is clearly in another language (that verdict counts
    as reliable).
    """
    latin, cyrillic, other = _script_counts(text)
    if latin + cyrillic + other == 0:
        return LanguageGuess(fallback, 0.0, reliable=False, supported=True)
    if latin + cyrillic == 0 or other > latin + cyrillic:
        return LanguageGuess("en", 0.0, reliable=True, supported=False)

    values = _detector().compute_language_confidence_values(text)
    scores = {SUPPORTED[v.language]: v.value for v in values}
    best = max(scores, key=scores.get) if scores else fallback

    asked = _asked_in(text)
    if asked is not None and (asked == "en") == (latin > cyrillic) and (asked == "en" or scores.get(best, 0.0) < SURE):
        # the asker's question word, in the script of most of the text, outweighs a guess from the names
        # ("Who is Nataša Pirc Musar?" is no Slovene; the Kazakh "кім" has no letter only Kazakh writes)
        return LanguageGuess(asked, scores.get(asked, 0.0), reliable=True, supported=True)
    if _is_other_language(text, latin + cyrillic):
        return LanguageGuess("en", scores.get("en", 0.0), reliable=True, supported=False)
    settled = _by_alphabet_or_words(best, text) if scores.get(best, 0.0) < SURE else None
    if settled is not None:
        return LanguageGuess(settled, scores.get(settled, 0.0), reliable=True, supported=True)
    if scores.get(best, 0.0) < MIN_CONFIDENCE:
        code = _unsure_language(text, fallback, latin - cyrillic, scores)
        return LanguageGuess(code, scores.get(code, 0.0), reliable=False, supported=True)
    return LanguageGuess(best, scores[best], reliable=True, supported=True)
