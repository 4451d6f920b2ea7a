"""What a question asks for: the type of its answer, read from the question words of the four languages.

The question words are data (``rag/knowledge/data/questions.json``, the ``question`` lexicon). A question
may hold several ("қандай мәселелер… талқылады"); the most specific one decides, and among equals the
first in the question.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

from rag import knowledge
from rag.knowledge import Mention
from rag.knowledge.lexicon import all_stopwords
from rag.knowledge.places import load

# Answer types, most specific first. "discussed" and the generic "what"/"how" make an open question.
SPECIFIC = ("country", "where", "post", "organisation", "document", "areas", "why", "amount", "when", "who")
OPEN = "open"


# Question words that also join clauses: after the opening question, "when", "where", "why", "who" start a
# clause ("What did they discuss when they met?", "Что обсудили, когда встретились?") unless joined to
# the opening word by "and" ("Кога и къде…").
CLAUSE_WORDS = ("when", "where", "why", "who")
AND_WORDS = frozenset({"and", "и", "және", "мен", "ә"})


def asked_type(question: str) -> str:
    """One of :data:`SPECIFIC` or ``"open"``: the first of :func:`asked_types`."""
    types = asked_types(question)
    return types[0] if types else OPEN


def asked_types(question: str) -> tuple[str, ...]:
    """The answer types a question asks for, the one that decides first; () for an open question.

    The most specific question word decides, except that in a question that opens with a question word
    (after at most one word: "And when…?"), a later "when"/"where"/"why"/"who" that starts a clause does not
    ("Кога и къде…?", joined to it by "and", still counts). A question word right after an "and" asks for a
    second value: "Где и когда…?" asks for a place and a date, and so do "Кога се срещнаха и къде?" and
    "Where did she lecture, and how many attended?"."""
    words = list(re.finditer(r"\w+", question))
    terms = _which_nouns(knowledge.find_terms(question, "question"), question, words)
    also: list[str] = []
    if terms and words and terms[0].start <= words[min(1, len(words) - 1)].start():
        kept = [terms[0]]
        for m in terms[1:]:
            before = [w.group(0).lower() for w in words if w.end() <= m.start]
            joined = bool(before) and before[-1] in AND_WORDS and any(
                w.start() >= kept[-1].start and w.end() <= m.start for w in words[:-1])
            if m.id in CLAUSE_WORDS and not joined and m.start > kept[-1].end:
                continue
            kept.append(m)
        terms = kept
    found = [m for m in terms if m.id in SPECIFIC]
    if not found:
        # a cue ("signed") decides only when no question word does: "When was it signed?" asks when
        cues = knowledge.find_terms(question, "question_cue")
        return (cues[0].id,) if cues else ()
    for a, b in zip(found, found[1:]):
        between = [w.group(0).lower() for w in words if w.start() >= a.end and w.end() <= b.start]
        # "where and when", or a second question joined by "and": "where did she give a lecture, and how
        # many people attended it?", "Кога се срещнаха и къде?"
        if between and between[-1] in AND_WORDS:
            also += [a.id, b.id]
    first = min(found, key=lambda m: (SPECIFIC.index(m.id), m.start)).id
    return tuple(dict.fromkeys([first] + also))


def _which_nouns(terms: list[Mention], question: str, words: list[re.Match]) -> list[Mention]:
    """The question words, with a "which"-word followed by a noun of ``asked_nouns.json`` (at most one word
    between) read as asking for that noun's answer type: "В каком дворце…" asks for a place, "кое
    казахстанско министерство" for an organisation, "какие порты" for places. A "what" that stands for a
    thing ("Что страны обсудили?", "What was the ministry's position?") asks for none."""
    out = []
    for m, noun in _asked_pairs(terms, question, words):
        out.append(dataclasses.replace(m, id=noun.id, end=noun.end) if noun is not None else m)
    return out


def which_nouns(question: str) -> list[Mention]:
    """The nouns of ``asked_nouns.json`` that a "which"-word of ``question`` asks about: "palace" in "In which
    palace…?", not "Building" in "What did the Capacity Building programme offer?"."""
    words = list(re.finditer(r"\w+", question))
    return [n for _, n in _asked_pairs(knowledge.find_terms(question, "question"), question, words) if n is not None]


def _asked_pairs(terms: list[Mention], question: str, words: list[re.Match]) -> list[tuple[Mention, Mention | None]]:
    """Each question word with the asked noun that follows it (at most one word between), or None."""
    nouns = knowledge.find_terms(question, "asked_noun")
    pronouns = _nouns_data()["pronouns"]
    out: list[tuple[Mention, Mention | None]] = []
    for m in terms:
        noun = None
        if m.id == "what" and not _is_pronoun(m, question, words, pronouns):
            noun = next((n for n in nouns if n.start >= m.end
                         and sum(1 for w in words if w.start() >= m.end and w.end() <= n.start) <= 1), None)
            if noun is not None and _POSSESSOR.search(question[m.end:noun.start]):
                # "қай халықтың өкілдері", "which country's officials": the which-word asks whose, the
                # noun after the possessor is not what is asked
                noun = None
        out.append((m, noun))
    return out


_POSSESSOR = re.compile(r"\w(?:ның|нің|дың|дің|тың|тің|['’]s)\b", re.I)


def _is_pronoun(m: Mention, question: str, words: list[re.Match], pronouns: dict) -> bool:
    word = question[m.start:m.end].lower()
    if any(word in forms for forms in pronouns["words"].values()):
        return True
    after = next((w.group(0).lower() for w in words if w.start() >= m.end), "")
    return after in pronouns["en_followed_by"]


@lru_cache(maxsize=1)
def _nouns_data() -> dict:
    """``asked_nouns.json``: the nouns, the number words and the pronoun words."""
    return load("asked_nouns.json")


def asks_many(question: str, kind: str) -> bool:
    """Whether a "which …?" question asks for several values of ``kind`` ("какие порты", "кои организации",
    "which countries", "қай елдер"), read from its asking words only (``asked_nouns.json``: the "which"
    word's number in Russian and Bulgarian, the noun's in English and Kazakh)."""
    number = _nouns_data()["number"]
    many = {f for forms in number["many"].values() for f in forms}
    one = {f for forms in number["one"].values() for f in forms}
    words = list(re.finditer(r"\w+", question))
    for m in _which_nouns(knowledge.find_terms(question, "question"), question, words):
        if m.id != kind:
            continue
        said = [w.lower() for w in re.findall(r"\w+", question[m.start:m.end])]
        if any(w in one for w in said):
            continue  # "какой", "коя": this phrase asks for one (another may ask for several)
        if any(w in many for w in said) or any(
                w.find(e, 2) >= 2 for w in said[1:] for e in number["kk_plural_endings"]):
            return True
    return False


def tells_discussion(text: str) -> bool:
    """Whether ``text`` has a discussion word (``discussion.json``): "Стороны обсудили …", "What did they
    discuss?"."""
    return bool(knowledge.find_terms(text, "discussion"))


def asks_what_was_discussed(question: str) -> bool:
    """Whether a question asks for the topics of a meeting: it uses a discussion word itself ("What did
    they discuss?", "Что было на повестке?"), not merely "what did" ("What did he propose?")."""
    return tells_discussion(question)


def states_topics(sentence: str) -> bool:
    """Whether a sentence says what was discussed: a discussion word (``discussion.json``) or an
    area of cooperation, where a dateline sentence only says who met whom."""
    return tells_discussion(sentence) or bool(knowledge.find_terms(sentence, "area"))


@lru_cache(maxsize=1)
def _measure_forms() -> tuple[tuple[str, tuple[str, ...]], ...]:
    data = load("measures.json")
    return tuple((kind, tuple(f.lower() for forms in data["entries"][kind].values() for f in forms))
                 for kind in data["order"])


def _has_form(form: str, text: str, words: str) -> bool:
    """Whether ``text`` (lower case; ``words``: its words joined by single spaces, with a leading and a
    trailing space) holds ``form``: the start of a word (or of several), a whole word when it ends in "=",
    anywhere when it is not made of letters ("%")."""
    if form.endswith("="):
        return " " + form[:-1] + " " in words
    if not re.fullmatch(r"[\w ]+", form):
        return form in text
    return " " + form in words


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


# How far after "how many" / "сколько" the counted thing may start ("how many memorandums", "колко
# меморандума", "сколько всего документов"): the characters of two short words.
_COUNTED_WITHIN = 16


def counted_thing(question: str) -> str | None:
    """The kind of document or event an amount question counts ("How many memorandums…?", "Сколько
    соглашений…?", "Неше құжатқа…?" → "memorandum", "document"…): the lexicon entry right after its
    question word, else None."""
    asks = [m for m in knowledge.find_terms(question, "question") if m.id == "amount"]
    if not asks:
        return None
    things = [m for m in knowledge.entities_in(question) if m.kind in ("document", "event")
              and 0 <= m.start - asks[0].end <= _COUNTED_WITHIN]
    if things:
        return things[0].id
    # the Russian genitive plural a count asks in ("сколько меморандумов", "соглашений"), which the lexicons
    # do not inflect to (a surname "Советов" is no plural of "совет")
    after = _WORD.findall(question[asks[0].end:asks[0].end + _COUNTED_WITHIN])
    for word in after[:2]:
        for stem in (word[:-2], word[:-2] + "ие") if re.search(r"(?:ов|ев|ий)$", word.lower()) else ():
            found = [m for m in knowledge.entities_in(stem) if m.kind in ("document", "event")]
            if found:
                return found[0].id
    return None


def asked_measure(question: str) -> str | None:
    """What an amount question measures: ``"percent"`` (a rate of change or a share), ``"count"`` (a
    number of things, also when it names a document or event it counts and no other measure), ``"money"`` (a
    sum, also when named by its currency), or None when its words do not say (``measures.json``)."""
    text, words = question.lower(), _words(question)
    for kind, forms in _measure_forms():
        if any(_has_form(f, text, words) for f in forms):
            return "money" if kind == "currency" else kind
    return "count" if counted_thing(question) else None


@lru_cache(maxsize=4)
def _quantity_forms(section: str = "quantities") -> tuple[tuple[str, tuple[str, ...]], ...]:
    data = load("measures.json")[section]
    return tuple((kind, tuple(f.lower() for forms in data[kind].values() for f in forms)) for kind in data)


def quantities_named(text: str, section: str = "quantities") -> set[str]:
    """What figures in ``text`` can be of (investment, trade, export, import): ``measures.json``'s
    quantities whose words the text holds, in any of the four languages. With ``section="counted"``: the
    people and things it may count (students, tourists, companies…)."""
    lower, words = text.lower(), _words(text)
    return {kind for kind, forms in _quantity_forms(section) if any(_has_form(f, lower, words) for f in forms)}


def rates_named(text: str) -> set[str]:
    """The periods ``text`` gives a figure per ("a week", "в год", "жыл сайын": ``measures.json``'s "rates")."""
    return quantities_named(text, "rates")


def counts_named(text: str) -> set[str]:
    """The people and things ``text`` names that a figure may count (``measures.json``'s "counted")."""
    return quantities_named(text, "counted")


def counted_noun(question: str) -> frozenset[str]:
    """The people or things a how-many question counts: the first of ``counts_named`` in it ("сколько
    студентов учится в вузах" counts students, not universities), as a set of one, or empty."""
    named = counts_named(question)
    if not named:
        return frozenset()
    # the first after the question's "how many" ("қанша адам" after "университетіндегі"), else the first
    asks = [m.end for m in knowledge.find_terms(question, "question") if m.id == "amount"]
    def where(kind: str) -> tuple[bool, int]:
        at = quantity_positions(question, {kind}, "counted") or [len(question)]
        after = [p for p in at if asks and p >= asks[0]]
        return (not after, (after or at)[0])
    first = min(named, key=where)
    # "people" are counted by a figure of any of their kinds: students, tourists, participants…
    return frozenset(load("measures.json")["people"]) if first == "person" else frozenset({first})


def quantity_positions(text: str, kinds: frozenset[str] | set[str], section: str = "quantities") -> list[int]:
    """Where ``text`` names one of the quantities ``kinds`` (``measures.json``: "exports", "износ", "экспорт"),
    or of the counted things of ``section="counted"``: the start of each word that opens with one of their
    forms, in text order."""
    if not kinds:
        return []
    forms = [f for kind, fs in _quantity_forms(section) if kind in kinds for f in fs if re.fullmatch(r"[\w ]+=?", f)]
    found = set()
    for form in forms:
        end = r"(?!\w)" if form.endswith("=") else ""  # "import=" is a whole word, "important" is not
        for m in re.finditer(r"(?<!\w)" + re.escape(form.rstrip("=")) + end, text, re.I):
            found.add(m.start())
    return sorted(found)


# Letters that make a word pronounceable; a "word" without one, or with five consonants in a row, is
# keyboard mashing ("sdfgh", "йцукен" has vowels but "цкнгш" does not).
_VOWELS = set("aeiouyаеёиоуыэюяәөұүіі")
_WORD = re.compile(r"[^\W\d_]+")
_CONSONANT_RUN = re.compile(r"[^aeiouyаеёиоуыэюяәөұүіі]{5,}")


def content_words(question: str) -> list[str]:
    """The words of ``question`` that carry content: not stopwords or question words of the four
    languages, and pronounceable (keyboard mashing is no word)."""
    stop = all_stopwords()
    asked = {w for m in knowledge.find_terms(question, "question") for w in m.surface.lower().split()}
    words = []
    for word in _WORD.findall(question.lower()):
        if len(word) < 2 or word in stop or word in asked:
            continue
        if not set(word) & _VOWELS or _CONSONANT_RUN.search(word):
            continue
        words.append(word)
    return words
