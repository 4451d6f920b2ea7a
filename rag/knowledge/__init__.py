"""Entity knowledge for the whole world, as data, in en, ru, bg and kk.

What the answerer needs to know about names: which countries, cities, regions and buildings a text
mentions (every ISO 3166 territory from CLDR, capitals and large cities from GeoNames, each city with
its country), which titles, organisations, documents, events and areas of cooperation (curated
lexicons), question words, months and stopwords, and which capitalised names it mentions that are
none of these (persons, mostly: :func:`unknown_names`, :func:`collect_names`, :func:`same_name`).

All of it is JSON in ``rag/knowledge/data/`` (regenerate the package-made part with
``python -m rag.knowledge.build``). Importing this package loads nothing; the first call builds the
indexes (~0.5 s), after which a 300-word passage is matched in well under a millisecond
(``bench/bench_knowledge.py``).

Inflected forms are found through endings, per language: "Бразилию", "в Аржентина", "Бразилияның",
"Египетке", "бразильский", "жапондық", "казахско-египетский", "Kazakhstan-Brazil".
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

from rag.knowledge.lexicon import (CALENDAR, LEXICONS, OWN_LEXICONS, all_stopwords, is_derived_common, lexicon,
                                   lexicon_index, month_number, stopwords, stops_a_name, term_display)
from rag.knowledge.matcher import (Entry, Index, Mention, Words, alternation, find, is_cyrillic, starts_sentence,
                                   words_of)
from rag.knowledge.names import (Name, NameTable, capitalised_runs, collect_names, same_name, same_word,
                                 transliterate)
from rag.knowledge.places import (building_city, city_name, cities, countries, country_name, country_of, is_union,
                                  implied, load, place_index, region_name)

PLACE_KINDS = ("country", "city", "region", "building")
ENTITY_KINDS = PLACE_KINDS + ("organisation", "title", "document", "event", "area")
KINDS = ENTITY_KINDS + ("question", "language") + tuple(OWN_LEXICONS) + CALENDAR
# Between entries of the same length at the same place: "Kazakh Invest" the organisation, "Senate"
# the body rather than a title.
_PRIORITY = {"building": 5, "organisation": 4, "country": 3, "region": 2, "city": 1}

__all__ = [
    "Mention", "Name", "NameTable", "KINDS", "ENTITY_KINDS", "PLACE_KINDS",
    "entities_in", "owner_heads", "place_words", "unknown_names", "name_particles", "find_terms", "term_name", "country_name", "city_name", "country_of", "is_union",
    "building_city", "implied", "places_in", "collect_names", "same_name", "same_word", "transliterate", "stopwords", "month_number",
    "is_derived_common", "lexicon", "countries", "cities", "capitalised_runs", "warm_up",
]


@lru_cache(maxsize=1)
def _all_index() -> tuple[Index, list]:
    """Places and every lexicon in one index (one pass over a text finds them all), and the
    lexicons' literal patterns."""
    index = Index()
    index.merge(place_index())
    literals = []
    for kind in list(LEXICONS) + list(CALENDAR):
        sub, regex, ids = lexicon_index(kind)
        index.merge(sub, _PRIORITY.get(kind, 0))
        if regex is not None:
            literals.append((kind, regex, ids))
    return index, literals


def warm_up() -> None:
    """Build every index now (the first call of anything else does it otherwise)."""
    _all_index()


def _mention(kind: str, id: str, start: int, end: int, text: str) -> Mention:
    return Mention(kind, id, start, end, text[start:end], country_of(kind, id) if kind in PLACE_KINDS else None)


def _mentions(words: Words) -> list[Mention]:
    index, literals = _all_index()
    text = words.text
    found = []
    for kind, regex, ids in literals:
        for m in regex.finditer(text):
            found.append(_mention(kind, ids.get(m.group(0).replace(" ", ""), ""), m.start(), m.end(), text))
    taken = [(m.start, m.end) for m in found]
    hits = find(index, words)
    countries = [h.start for h in hits if h.entry.key[0] == "country"]
    for hit in hits:
        if hit.last - hit.first + 1 > len(hit.entry.words) and not any(hit.start < c < hit.end for c in countries):
            continue  # a compound inside a name is bilateral only with a country in it ("военно-технической" is not)
        if not any(hit.start < e and s < hit.end for s, e in taken):
            found.append(_mention(hit.entry.key[0], hit.entry.key[1], hit.start, hit.end, text))
    return sorted(found, key=lambda m: m.start)


def entities_in(text: str, language: str | None = None) -> list[Mention]:
    """Countries, cities (with their country), regions, buildings, organisations, titles, documents,
    events and areas of cooperation that ``text`` mentions, in text order, with their spans.

    ``language`` is accepted for symmetry with the answerer's calls; names are recognised in all
    four languages whatever it is (a Russian text names "Brussels" in Latin letters too)."""
    return [m for m in _mentions(words_of(text)) if m.kind in ENTITY_KINDS]


def places_in(text: str) -> set[tuple[str, str]]:
    """Every place ``text`` mentions or implies, as (kind, id): "Каирде" gives the city and ("country", "EG")."""
    found = {(m.kind, m.id) for m in entities_in(text) if m.kind in PLACE_KINDS}
    for kind, id in list(found):
        found |= implied(kind, id)
    return found


def find_terms(text: str, kind: str, alone: bool = False) -> list[Mention]:
    """Mentions of one kind (see :data:`KINDS`) in ``text``; ``alone``: of that lexicon's entries only, even
    where a longer entry of another kind holds them ("Сената" in "председателят на Сената")."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    if kind in OWN_LEXICONS or (alone and kind in LEXICONS):
        return [_mention(kind, hit.entry.key[1], hit.start, hit.end, text)
                for hit in find(lexicon_index(kind)[0], words_of(text))]
    return [m for m in _mentions(words_of(text)) if m.kind == kind]


# A capitalised run that is the whole of a quotation is a quoted name: press releases quote the names of
# parties, projects, exhibitions and documents ("„Гражданская Платформа“", "“Bees for Peace”"), while reported
# speech that opens with a name goes on after it ("„Румен Радев подкрепи инициативата“").
_OPENING_QUOTES = "«„“\"‹"
_CLOSING_QUOTES = "»“”\"›"


@lru_cache(maxsize=1)
def building_heads() -> tuple[tuple[str, str, bool, re.Pattern], ...]:
    """(kind, language, name before the noun?, pattern of the noun's forms) for each kind of building and
    language of ``building_heads.json``. The side is read from the kind's display in that language
    ("{name} Palace", "дворец {name}", "Villa {name}"); a form is a whole word, a stem plus an ending of its
    language ("зале", not "залив")."""
    data = load("building_heads.json")
    out = []
    for kind, e in data["entries"].items():
        for language, forms in e["forms"].items():
            words = sorted({f + end for f in forms for end in data["endings"][language]}, key=len, reverse=True)
            before = e["display"][language].startswith("{name}")
            out.append((kind, language, before,
                        re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.I)))
    return tuple(out)


@lru_cache(maxsize=1)
def owner_heads() -> frozenset[str]:
    """The kinds of building an unquoted name after whose noun owns it ("the residence of Nurlan Abenov")
    rather than names it: ``building_heads.json`` "owner_after"."""
    return frozenset(k for k, e in load("building_heads.json")["entries"].items() if e.get("owner_after"))


# "Palace of Culture", "Palacio de Santa Cruz", "Palazzo della Farnesina": the words between a building's
# noun and a name after it
BUILDING_OF = r"(?:of|de|del|de\s+la|di|della|da|do|des|du)\s+(?:the\s+)?"


def _after_building_head(text: str, start: int) -> bool:
    """Whether a kind of building stands right before ``text[start:]`` with the name after it ("во дворце
    Санта-Крус", "Palacio de Santa Cruz"): the words are the building's name, not a person's."""
    before = text[max(0, start - 40):start]
    for kind, language, name_before, head in building_heads():
        for m in head.finditer(before):
            gap = before[m.end():]
            if kind in owner_heads() and not re.search(r"[«„“\"']\s*$", gap):
                continue  # "the residence of Nurlan Abenov" is his, not named after him
            if re.fullmatch(r"[\s«„“\"']*", gap) and not name_before:
                return True
            if re.fullmatch(r"\s+" + BUILDING_OF + r"[«„“\"']*", gap, re.I):
                return True
    return False


def names_a_thing(text: str, start: int, end: int) -> bool:
    """Whether the capitalised words ``text[start:end]`` name a body, party, project, building or event rather
    than a person: they hold a word of ``name_heads.json`` ("Inter-Parliamentary Union"), follow a kind of
    building that names what follows it ("во дворце Санта-Крус") or are a whole quotation."""
    if 0 < start and end < len(text) and text[start - 1] in _OPENING_QUOTES and text[end] in _CLOSING_QUOTES:
        return True
    return bool(find_terms(text[start:end], "name_head")) or _after_building_head(text, start)


@lru_cache(maxsize=1)
def _place_nouns() -> tuple[re.Pattern, re.Pattern, frozenset[str]]:
    """From ``place_nouns.json``: a noun with a capitalised word after it ("улице Ридвана", "the city of
    Valparaíso"; group ``word``), a capitalised word with the noun after it ("Вальпараисо қаласында", "East Java
    province"), and the forms of the nouns that name only a Latin or quoted word in a Cyrillic text."""
    data = load("place_nouns.json")
    after: list[str] = []
    before: list[str] = []
    of_forms: list[str] = []
    latin_only: set[str] = set()
    for key, e in data["entries"].items():
        for language, sides in data["sides"].items():
            forms = [f + end for f in e.get(language, []) for end in data["endings"][language]]
            if "after" in sides:
                after += forms
                if language == "en" and e.get("of"):
                    of_forms += forms
            if "before" in sides:
                before += forms
            if key in data.get("latin_or_quoted", ()) and language != "en":
                latin_only |= {f.lower() for f in forms}

    word = r"(?P<word>[^\W\d_][\w\-’']*)"
    quote = r"(?P<quote>[«„“\"]?)"
    # the word is read in a lookahead, so that a noun right before another is tried too ("port operator Marsa
    # Maroc"); the noun may open a sentence ("Провинция Восточная Ява…"): the word's capital is checked after
    after_re = re.compile(rf"(?<!\w)(?P<noun>(?:{alternation(of_forms)})\s+of\s+(?:the\s+)?|(?:{alternation(after)})\s+)(?={quote}{word})",
                          re.I)
    before_re = re.compile(rf"{word}{quote}\s+(?:{alternation(before)})(?!\w)", re.I)
    return after_re, before_re, frozenset(latin_only)


# a capitalised word right before a place noun, inside a sentence: the noun's name is that one ("Мангистауской
# области"); "На улице …" opens a sentence and names nothing
_NAMED_BEFORE = re.compile(r"(?<![\w\-’'])[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w\-’']*\s+$")
# a title, then the noun: the title's ("вице-губернатор провинции", "governor of the province", "губернаторът
# на провинцията")
_TITLE_GAP = re.compile(r"[\s\-]*(?:of\s+(?:the\s+)?|на\s+)?", re.I)


def place_words(text: str) -> list[tuple[int, int]]:
    """Spans of the capitalised words that a common noun of ``place_nouns.json`` beside them makes part of a
    place's or a company's name ("на улице Ридвана Раиса": "Ридвана"; "Вальпараисо қаласында"): no person's
    first or last name. A noun right after a title is the title's ("вице-губернатор провинции Сити
    Рахмавати"), one whose name stands before it names nothing after it, and a company noun in a Cyrillic text
    names only a Latin or quoted word ("оператор Marsa Maroc", not "представителем компании Айдаром")."""
    after_re, before_re, latin_only = _place_nouns()
    out = []
    for regex in (after_re, before_re):
        for m in regex.finditer(text):
            w = m.group("word")
            if not w[0].isupper() or re.search(r"['’]s$", w) or (regex is before_re and w.lower() in all_stopwords()):
                continue  # "Petrov's company" is his; "The city of …" (but "на улице На Франтишку" is a street)
            if regex is after_re:
                noun = m.group("noun").split()[0].lower()
                if noun in latin_only and is_cyrillic(w) and not m.group("quote"):
                    continue
                before = text[max(0, m.start() - 60):m.start()]
                named = _NAMED_BEFORE.search(before)
                if named and not starts_sentence(text, m.start() - len(before) + named.start()):
                    continue  # "заместник-акима на Мангистауската област Айдос Ержанов"
                titles = find_terms(before, "title")
                if titles and _TITLE_GAP.fullmatch(before[titles[-1].end:]):
                    continue
            out.append((m.start("word"), m.end("word")))
    return sorted(set(out))


def name_head_end(text: str, start: int, end: int) -> int | None:
    """Where the last word of ``name_heads.json`` in ``text[start:end]`` ends, or None: the words after it
    may still be a person's ("Eurasian Development Fund Chairman Ivan Petrov")."""
    heads = find_terms(text[start:end], "name_head")
    return start + heads[-1].end if heads else None


def term_name(kind: str, id: str, language: str) -> str:
    """How to name a known thing in ``language``: a country's or city's CLDR/GeoNames name, a
    lexicon entry's first form, a month's stand-alone name."""
    if kind == "country":
        return country_name(id, language)
    if kind == "city":
        return city_name(id, language)
    if kind in ("region", "building"):
        return region_name(kind, id, language)
    if kind in LEXICONS or kind in OWN_LEXICONS or kind in CALENDAR:
        return term_display(kind, id, language)
    raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")


@lru_cache(maxsize=1)
def name_particles() -> frozenset[str]:
    """The lower-case words inside persons' names ("von der", "фон дер", "da", "бин"): ``name_particles.json``."""
    return frozenset(load("name_particles.json")["forms"])


def unknown_names(text: str, language: str | None = None, names: NameTable | None = None) -> list[str]:
    """Capitalised names in ``text`` that are nothing known: no place, organisation, title, term,
    question word, month or stopword. A sentence's first word counts only as part of a longer
    capitalised run, or when ``names`` knows it ("Тоқаев пен Бегай…" → ["Бегай"] without a table).
    The answerer requires these to be found in the evidence."""
    words = words_of(text)
    starts = [s for s, _ in words.spans]
    covered: set[int] = set()
    for m in _mentions(words):
        # the words from the one the mention starts in to the last that starts before its end
        covered.update(range(max(0, bisect_right(starts, m.start) - 1), bisect_left(starts, m.end)))
    stop = all_stopwords()
    particles = name_particles()
    runs: list[list[int]] = []
    for i, raw in enumerate(words.raw):
        # "Когда Ли Цян…": a Cyrillic stopword capitalised inside a sentence is a name's
        name_like = (raw[0].isupper() and i not in covered
                     and not (words.lower[i] in stop and stops_a_name(raw, words.initial(i)))
                     and len(raw) > 1 and not is_derived_common(raw, language))
        # "Урсулой фон дер Ляйен": a particle between two capitalised words is part of the name
        ahead = [words.raw[j] for j in range(i + 1, min(i + 3, len(words.raw)))]
        particle = raw in particles and any(w[0].isupper() for w in ahead)
        inside = particle and bool(runs) and runs[-1][-1] == i - 1 and words.joined(i)
        # "фон дер Ляйен" opens with its particles: a long one right before a capitalised word or particle
        # (short ones, "да", "de", are common words too)
        opening = (particle and not inside and len(raw) >= 3 and not words.initial(i)
                   and (ahead[0][0].isupper() or ahead[0] in particles))
        if not (name_like or inside or opening):
            continue
        if runs and runs[-1][-1] == i - 1 and words.joined(i) and not words.initial(i):
            runs[-1].append(i)
        else:
            runs.append([i])
    runs = [run[:max(k for k, i in enumerate(run) if words.raw[i] not in particles) + 1] for run in runs
            if any(words.raw[i] not in particles for i in run)]
    out = []
    for run in (piece for run in runs for piece in _known_pieces(text, words, run, names)):
        surface = text[words.spans[run[0]][0]:words.spans[run[-1]][1]]
        if len(run) == 1 and words.initial(run[0]) and not (names and names.lookup(surface)):
            continue
        out.append(surface)
    return out


def _known_pieces(text: str, words: Words, run: list[int], names: NameTable | None) -> list[list[int]]:
    """A capitalised run cut where two names written side by side meet: "Эди Рама Тоқаевпен" (Edi Rama
    with Tokayev) is two names, each of which the evidence must hold, when ``names`` knows two of its
    pieces as two different names and not the whole. Words no known piece covers stay together."""
    def known(i: int, j: int) -> bool:  # run[i..j] is a name the corpus has
        return names is not None and names.lookup(text[words.spans[run[i]][0]:words.spans[run[j]][1]]) is not None

    if names is None or len(run) < 2 or known(0, len(run) - 1):
        return [run]
    pieces: list[tuple[bool, list[int]]] = []
    i = 0
    while i < len(run):
        j = next((j for j in range(len(run) - 1, i - 1, -1) if known(i, j)), None)
        if j is not None:
            pieces.append((True, run[i:j + 1]))
            i = j + 1
        elif pieces and not pieces[-1][0]:
            pieces[-1][1].append(run[i])
            i += 1
        else:
            pieces.append((False, [run[i]]))
            i += 1
    known = [names.lookup(text[words.spans[p[0]][0]:words.spans[p[-1]][1]]) for k, p in pieces if k]
    if len({n.canonical for n in known}) < 2:
        # one known piece is no meeting of two names: "Петер" may be the first name of "Сийярто", "Чан" the
        # family name of "Куанг Мин". The words after a whole name the corpus knows are something else to
        # find, though ("Чаттичай Сирисомбат Ақабада": the place, Aqaba, is no third name of his)
        last = max((i for i, (k, _) in enumerate(pieces) if k), default=None)
        if last is not None and len(pieces[last][1]) >= 2 and last + 1 < len(pieces):
            head = [i for _, p in pieces[:last + 1] for i in p]
            return [head, [i for _, p in pieces[last + 1:] for i in p]]
        return [run]
    return [p for _, p in pieces]
