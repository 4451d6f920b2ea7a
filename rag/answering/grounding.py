"""What a question pins down, and whether a piece of evidence covers it.

A similarity threshold alone cannot tell "trade with Bulgaria in 2021" from "trade with Argentina in
2024": both score alike against the Bulgarian trade statement. So the answerer only answers when the
cited evidence covers what the question pins down:

* every country, city, building and organisation it names, recognised for the whole world in the
  four languages and their inflections by :mod:`rag.knowledge` (CLDR names, GeoNames cities,
  curated lexicons); a city counts for its country;
* every person or other capitalised name that matches nothing known, matched across scripts and case
  endings (:func:`rag.knowledge.same_name`): an unknown name is a constraint, never ignored;
* together, in one passage, when it names two or more of them: two entities that the corpus
  mentions, but never in one report, do not make an answer;
* its years and numbers, anywhere in the article (or its date);
* for a visit abroad, a passage that places something in that country.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

from rag import knowledge
from rag.answering.facts import numbers_in
from rag.articles import dateline_place
from rag.answering.questions import (AND_WORDS, asked_measure, asked_type, counted_noun, counted_thing, quantities_named,
                                     which_nouns)
from rag.knowledge import Mention, NameTable
from rag.knowledge.lexicon import all_stopwords, state_form_words, stops_a_name, word_set
from rag.knowledge.matcher import alternation, is_cyrillic, starts_sentence
from rag.knowledge.places import load
from rag.language import has_kazakh_letters

# Always true of this corpus (Kazakhstan's diplomacy), so never a constraint.
IGNORED_COUNTRIES = frozenset({"KZ"})
# Kinds of known things a question can pin down (titles, events, areas and documents describe what
# is asked, they do not identify an event).
CONSTRAINT_KINDS = ("country", "city", "building", "organisation")

YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b")
# "the previous year's $95.2 million", "годом ранее", "былтыр": a year named only relative to another one.
PREVIOUS_YEAR_RE = re.compile(
    r"previous year|preceding year|year earlier|year before|last year|"
    r"предыдущ\w* год|прошл\w* год|годом ранее|год назад|"
    r"предходн\w* година|предишн\w* година|минал\w* година|година по-рано|"
    r"былтыр|өткен жыл|алдыңғы жыл|бір жыл бұрын", re.I)

# A question about a visit abroad ("Tokayev's state visit to Bulgaria") is not answered by a report of
# the other side's visit to Kazakhstan, which names Bulgaria on every line. The evidence must place
# something in that country: "to/in Bulgaria", "в Болгарию", "в България", "Болгарияға", or a city of it.
VISIT_RE = re.compile(r"\b(?:visit\w*|trip|travel\w*|визит\w*|посе[тщ]\w*|поездк\w*|побыва\w*|пътува\w*|"
                      r"сапар\w*|бар(?:ды|ған|ып|ады)\w*)", re.I)
_TO_OR_IN = {"to", "in", "into", "в", "във", "во"}
# Verbs that take the place visited as their object ("visited Bulgaria", "посетил Черногорию"); a noun
# does not ("визита болгарского лидера" is the Bulgarian leader's visit).
_VISIT_VERB_RE = re.compile(r"visit(?:s|ed|ing)?|посетил\w*|посетит\w*|посетят|посетя\w*|посети|посещава\w*", re.I)
# "Ambassador to Slovenia", "посол Казахстана в Словении", "Embassy in Tirana": a posting, not a visit.
_POSTING_STEMS = ("ambassador", "embass", "envoy", "consul", "посол", "посланик", "посолств", "консул", "елші")
# Kazakh dative and locative endings: "Словенияға", "Римге", "Италияда".
_KK_TO_OR_IN = re.compile(r"(?:ға|ге|қа|ке|на|не|да|де|та|те|ға|ге)$")
# The Kazakh locative adjective: "Болгариядағы елшісі" is the ambassador in Bulgaria, not Bulgaria's.
_KK_LOCATIVE_ADJECTIVE = re.compile(r"(?:дағы|дегі|тағы|тегі)$")
_WORD_RE = re.compile(r"[\w'’-]+")
@dataclass(frozen=True)
class Named:
    """Something the question names: a known place or organisation (``id``), or a name (``id`` = its surface)."""

    kind: str  # country | city | building | organisation (embassies and consulates too) | name
    id: str
    surface: str
    country: str | None = None

    def label(self, language: str) -> str:
        """How to name it in a message in ``language``."""
        if self.kind in ("country", "city", "building", "organisation"):
            try:
                return knowledge.term_name(self.kind, self.id, language)
            except (KeyError, ValueError):
                return self.surface
        if self.kind == "name" and language != "en":
            return knowledge.transliterate(self.surface, language) if _is_latin(self.surface) else self.surface
        return self.surface


def _is_latin(text: str) -> bool:
    return all(ord(ch) < 0x250 for ch in text if ch.isalpha())


@dataclass(frozen=True)
class Constraints:
    """What the question pins down."""

    years: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    named: tuple[Named, ...] = ()
    destinations: frozenset[str] = frozenset()  # country codes the question asks about a visit to
    measure: str | None = None  # what a "how much" question measures: "percent", "count", "money" or not said
    quantities: frozenset[str] = frozenset()  # what its figure is of: "investment", "trade"… (measures.json)
    # the title a "who is the <post>?" question asks the holder of, and the country it is of (questions.asked_post)
    post: tuple[str, str | None] | None = None
    side: str | None = None  # the country whose person a who-question asks for (asked_side)
    counted: str | None = None  # the document or event a how-many question counts (questions.counted_thing)
    venues: frozenset[str] = frozenset()  # city ids the question places its event in ("met in Rome", "came to Rome")
    sent_to: frozenset[str] = frozenset()  # those of them only a trip goes to ("came to Rome", "Римге")
    counts: frozenset[str] = frozenset()  # the people or things it names that a figure may count (students…)
    building: bool = False  # a where-question asks which building ("в каком здании", "қай сарайда")
    areas: frozenset[str] = frozenset()  # the areas of cooperation the question itself names
    acts: frozenset[str] = frozenset()  # what it asks was done to a document or event: ratified, postponed (acts.json)
    next_event: bool = False  # it asks of the next event of a series: "the next session" (upcoming.json)
    # the (title, country) of the persons a who-question names by post as another party: "Who received the
    # Kazakh vice minister?" (described_persons)
    described: tuple[tuple[str, str], ...] = ()
    described_names: tuple[str, ...] = ()  # the names the passages give those posts (answer_extractive fills it)

    @property
    def described_sides(self) -> frozenset[str]:
        """The countries of the persons the question describes as another party."""
        return frozenset(country for _, country in self.described)

    def describe(self) -> list[str]:
        return sorted(self.years) + sorted(self.numbers) + [n.surface for n in self.named]

    @property
    def entities(self) -> tuple[Named, ...]:
        return self.named


@dataclass(frozen=True)
class Evidence:
    """What a text (a passage, or a whole article) mentions, computed once per text."""

    text: str
    mentions: tuple[Mention, ...]
    words: tuple[str, ...] = field(repr=False, default=())

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(m.country for m in self.mentions if m.country)


# Sentences of an article that, with its title, say who met whom: the event every other sentence is about.
LEAD_SENTENCES = 1  # the default of settings.lead_sentences
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")


@lru_cache(maxsize=8192)
def evidence_of(text: str) -> Evidence:
    """The mentions of ``text`` (cached: passages recur across questions). Its words for name matching
    are its capitalised runs (whole) and every capitalised word on its own, hyphenated compounds whole
    ("Trans-Caspian"). A single word is left out when it is inside a known place, body or title, or names a
    place on its own (inside a party's name, «Литовские христианские демократы»): "Литовской Республики" is
    a country, so no name is matched against "Литовской" ("Липавский" is one sound away)."""
    mentions = tuple(knowledge.entities_in(text))
    # a title names the body it heads ("председателят на Сената", "Chairman of the Senate"): that body is
    # mentioned too
    mentions = tuple(sorted(mentions + tuple(
        Mention(o.kind, o.id, m.start + o.start, m.start + o.end, o.surface, o.country)
        for m in mentions if m.kind == "title" for o in knowledge.find_terms(m.surface, "organisation", alone=True)),
        key=lambda m: m.start))
    runs = [w for _, _, w in knowledge.capitalised_runs(text, min_words=1) if " " in w or not _names_a_place(w)]
    singles = [m.group(0) for m in _TOKEN.finditer(text) if m.group(0)[0].isupper()
               and not any(k.start <= m.start() and m.end() <= k.end for k in mentions)
               and not _names_a_place(m.group(0))]
    return Evidence(text, mentions, tuple(dict.fromkeys(runs + singles)))


@lru_cache(maxsize=65536)
def _names_a_place(word: str) -> bool:
    """Whether ``word`` alone is a country, city or region (any language, any inflection the data knows)."""
    return any(m.kind in ("country", "city", "region") and m.surface == word for m in knowledge.entities_in(word))


_LOWER_CASE_KINDS = ("country", "city", "region", "building", "organisation")


def _first_names(text: str, mentions: list[Mention], names: NameTable | None) -> list[Mention]:
    """The cities and regions of ``mentions`` that open a person's name ("Питер ван дер Линден", "Florence
    de Vries"): the corpus's names table holds the whole name, or a name particle and a capitalised word
    follow the place."""
    people = [(p.start, p.end) for p in names.find(text)] if names is not None else []
    particles = knowledge.name_particles()

    def opens_name(m: Mention) -> bool:
        if m.kind not in ("city", "region") or not m.surface[:1].isupper():
            return False
        if any(s <= m.start and m.end < e for s, e in people):
            return True
        after = text[m.end:].split()[:4]
        n = next((i for i, w in enumerate(after) if w.lower() not in particles), len(after))
        # "Santiago de Chile" stays a place: the word after the particle is a place itself
        return 0 < n < len(after) and after[n][:1].isupper() and not _names_a_place(after[n].strip(".,;:?!»\"”"))

    return [m for m in mentions if opens_name(m)]


def _with_first_name(text: str, firsts: list[Mention], surface: str) -> str:
    """The name ``surface`` with the place of ``firsts`` that opens it, particles between kept ("Питер ван
    дер Линден", "Florence de Vries"), or ``surface`` as it is."""
    particles = knowledge.name_particles()
    for m in firsts:
        words = text[m.end:].split()
        n = next((i for i, w in enumerate(words) if w.lower() not in particles), len(words))
        if " ".join(words[n:]).startswith(surface) or (n and " ".join(words[:n]) + " " in surface + " "):
            between = [w for w in words[:n] if w not in surface.split()]
            return " ".join([m.surface, *between, surface])
    return surface


def question_constraints(question: str, language: str = "", names: NameTable | None = None,
                         common: frozenset[str] = frozenset()) -> Constraints:
    """Years, numbers, places, organisations, names and visit destinations that the question names.

    ``common`` holds the words the corpus writes in lower case: such a word, capitalised in the question,
    is not a name."""
    years = frozenset(YEAR_RE.findall(question))
    numbers = frozenset(numbers_in(YEAR_RE.sub(" ", question)))
    named: list[Named] = []
    mentions = knowledge.entities_in(question, language)
    if not any(ch.isupper() for ch in question) and len(question.title()) == len(question):
        # a question typed all in lower case ("kazakhstan ghana business forum"): the places and bodies a
        # capital would mark are read from it capitalised (only they: every word would look like a name)
        have = {(m.kind, m.id) for m in mentions}
        mentions += [m for m in knowledge.entities_in(question.title(), language)
                     if m.kind in _LOWER_CASE_KINDS and (m.kind, m.id) not in have]
    elif not is_cyrillic(question) and len(question.title()) == len(question):
        # English capitalises its country adjectives, a hurried user does not ("the romanian senate
        # delegation"): a Latin word in lower case that is a country's name or adjective still names it,
        # unless the corpus writes it in lower case itself (a common word)
        have = {(m.kind, m.id) for m in mentions}
        mentions += [m for m in knowledge.entities_in(question.title(), language)
                     if m.kind == "country" and (m.kind, m.id) not in have and question[m.start:m.end].islower()
                     and question[m.start:m.end] not in common]
    firsts = _first_names(question, mentions, names)
    for m in mentions:
        if m.kind not in CONSTRAINT_KINDS or m in firsts:
            continue
        if m.kind == "country" and m.id in IGNORED_COUNTRIES:
            continue
        named.append(Named(m.kind, m.id, m.surface, m.country))
    for surface in knowledge.unknown_names(question, language, names):
        surface = _with_first_name(question, firsts, surface)
        kept = [w for w in surface.split() if w.lower() not in common]
        if kept:
            named.append(Named("name", " ".join(kept), " ".join(kept)))
    unique = {(n.kind, n.id): n for n in named}
    venues = placed_cities(question, directions=True)
    return Constraints(years, numbers, tuple(unique.values()), visit_destinations(question, language),
                       asked_measure(question), frozenset(quantities_named(question)), asked_post(question),
                       asked_side(question, language), counted_thing(question), venues,
                       venues - placed_cities(question), counted_noun(question), asks_building(question),
                       frozenset(m.id for m in knowledge.entities_in(question, language) if m.kind == "area"),
                       acts_named(question), names_next(question), described_persons(question))


def names_next(text: str) -> bool:
    """Whether ``text`` names the next event of a series ("the next round", "следующее заседание", "келесі
    отырыс"; ``upcoming.json``)."""
    return bool(knowledge.find_terms(text, "upcoming"))


def acts_named(text: str) -> frozenset[str]:
    """The acts on a document or an event ``text`` names (``acts.json``): "вступит в силу", "ratified",
    "кейінге қалдырылды"."""
    return frozenset(m.id for m in knowledge.find_terms(text, "act"))


def is_mentioned(named: Named, evidence: Evidence) -> bool:
    """Whether ``evidence`` mentions what the question names (a city of a country counts for the
    country; a name is matched across scripts and case endings)."""
    if named.kind == "country":
        return named.id in evidence.countries
    if named.kind in ("city", "building", "organisation"):
        return any(m.kind == named.kind and m.id == named.id for m in evidence.mentions) or (
            named.kind == "city" and any(m.kind == "building" and knowledge.building_city(m.id) == named.id
                                         for m in evidence.mentions))
    if " " not in named.surface.strip():  # one word: matched whole against each word, compounds included
        return any(knowledge.same_word(named.surface, word) for word in evidence.words if " " not in word) or \
            _name_in_compound(named.surface, evidence.text) or _acronym_spelt(named.surface, evidence.text)
    # several words ("Сергей Лавров", "Байрам Бегай Тоқаевты" where two names run together): all but
    # one of them must be found, so that a passage naming "Tokayev" alone does not count for Begaj
    particles = knowledge.name_particles()  # "фон дер" is no word of the name to be found
    words = [w for w in named.surface.split() if w not in particles]
    if len(words) == 1:
        return is_mentioned(dataclasses.replace(named, surface=words[0]), evidence)
    singles = [w for w in evidence.words if " " not in w]
    found = sum(any(knowledge.same_word(w, e) for e in singles) for w in words)
    return found >= max(1, len(words) - 1)


def _initial(word: str) -> str:
    """A word's first letter as a Latin capital ("Қазақстан" K, "Жолы" Z, "Temir" T): acronyms are compared
    across scripts by these."""
    return knowledge.transliterate(word[:1].upper(), "en")[:1].upper()


_KK_FOLD = {"Қ": "К", "Ғ": "Г", "Ң": "Н", "Ө": "О", "Ұ": "У", "Ү": "У", "Һ": "Х", "І": "И", "Ә": "А"}


def _acronym_spelt(name: str, text: str) -> bool:
    """Whether ``name``, an acronym ("ҚТЖ", "KTZ", "ЕАЭС"), is spelt by the initials of consecutive words of
    ``text``, the first capitalised ("Қазақстан темір жолы"): press releases write a body out in full where
    a question abbreviates it."""
    letters = [ch for ch in name if ch.isalpha()]
    if not 3 <= len(letters) <= 6 or not all(ch.isupper() for ch in letters):  # two letters spell too much
        return False
    n = len(letters)
    stop = all_stopwords()
    words = list(re.finditer(r"[^\W\d_]+", text))
    for i in range(len(words) - n + 1):
        run = words[i:i + n]
        gaps = [text[a.end():b.start()] for a, b in zip(run, run[1:])]
        if (not run[0].group(0)[:1].isupper() or any(g.strip(" «»„“\"") for g in gaps)
                or any(w.group(0).lower() in stop for w in run)):
            continue  # one name: adjacent words, no commas, no "и"/"and", its first word capitalised
        quoted = text[:run[0].start()].rstrip().endswith(("«", "„", "“", '"'))
        if not quoted and not all(w.group(0)[:1].isupper() for w in run):
            continue  # "Kenya Ports Authority", or a quoted name ("«Қазақстан темір жолы»")
        # within one script the letters themselves, across scripts their transliterations
        same = is_cyrillic(name) == is_cyrillic(run[0].group(0))
        key = (lambda ch: _KK_FOLD.get(ch.upper(), ch.upper())) if same else _initial
        if [key(w.group(0)[0]) for w in run] == [key(ch) for ch in letters]:
            return True
    return False


def _name_in_compound(name: str, text: str) -> bool:
    """A lower-case adjective made of the name ("казахско-албанского" for a name "Албания" the
    knowledge did not classify) still mentions it."""
    words = [w for w in _WORD_RE.findall(text) if "-" in w]
    return any(knowledge.same_word(name, part) for w in words for part in w.split("-") if len(part) > 3)


def missing_entities(constraints: Constraints, evidence: Evidence) -> list[Named]:
    """What the question names that ``evidence`` does not mention."""
    return [n for n in constraints.named if not is_mentioned(n, evidence)]


def merged(parts: list[Evidence]) -> Evidence:
    """The evidence of several texts taken together."""
    return Evidence(" ".join(p.text for p in parts), tuple(m for p in parts for m in p.mentions),
                    tuple(w for p in parts for w in p.words))


def _head(title: str, sentences: tuple[str, ...], lead: int = LEAD_SENTENCES) -> Evidence:
    """The title and the ``lead`` first sentences: the press release's who, what and where, which name its
    event's participants."""
    return merged([evidence_of(title)] + [evidence_of(s) for s in sentences[:lead]])


def missing_in_event(constraints: Constraints, title: str, sentences: tuple[str, ...], passage: str,
                     window: int = 4, lead: int = LEAD_SENTENCES, names: NameTable | None = None,
                     clause_check: bool = False, multi_city: bool = False) -> list[Named]:
    """What the question names that one event of the article does not have together.

    Everything the question names must be in the article; the candidate's passage must mention some
    of it (else it is about something else); and when the question names two or more, they must stand
    together: those the title and lead do not name, in a few consecutive sentences (one report's
    event): two names the corpus has, but never together, are not one event ("When did Putin visit
    Albania?"). With ``clause_check``, a sentence that tells two events in coordinated clauses
    (:func:`split_across_clauses`) ends one event and starts another between them: "the outcomes of
    Orbán's trip to Astana, …, and of the visit to Budapest by Nurtleu" does not put Orbán and Nurtleu
    in one meeting, nor do the sentences around it. With ``multi_city``, an article whose head places its
    event in several cities is one event per city: "What did Setiadi discuss in Surabaya?" is not answered
    by a trip that met him in Jakarta and went on to Surabaya."""
    named = constraints.named
    if not named:
        return []
    article = merged([evidence_of(title)] + [evidence_of(s) for s in sentences])
    missing = missing_entities(constraints, article)
    if missing:
        return missing
    if not any(is_mentioned(n, evidence_of(passage)) for n in named):
        return list(named)
    if len(named) < 2:
        return []
    # a head that places its event in two or more cities tells a trip of one meeting per city ("talks in
    # Jakarta and Surabaya"): it settles none of those cities, which must stand with the question's other
    # names, and a sentence that places its event in another city than the one before starts another event
    # (where the title and first sentence hold the article's meetings, not where a visit is yet to go)
    trip = (frozenset().union(*(placed_cities(t) for t in (title,) + sentences[:1]))
            if multi_city else frozenset())
    trip = trip if len(trip) >= 2 else frozenset()
    lead = 1 if trip else lead
    head = _head(title, sentences, lead)
    rest = [n for n in named if not is_mentioned(n, head) or (n.kind == "city" and n.id in trip)]
    if not rest:
        return []
    # each run of sentences between two events' clauses (or cities of a trip) is searched on its own
    runs: list[list[Evidence]] = [[]]
    where: frozenset[str] = frozenset()
    for at, s in enumerate(sentences):
        if trip and at == max(lead, 1):
            runs.append([])  # the trip's lead names every city, so it joins none to a meeting's people
        if trip and (here := placed_cities(s, directions=True)):
            if where and not here & where:
                runs.append([])
            where = here
        parts = clauses(s) if clause_check and split_across_clauses(constraints, s, names) else [s]
        for i, part in enumerate(parts):
            if i:
                runs.append([])
            runs[-1].append(evidence_of(part))
    for spans in runs:
        for start in range(max(1, len(spans) - window + 1)):
            together = merged(spans[start:start + window])
            if all(is_mentioned(n, together) for n in rest):
                return []
    return rest


@lru_cache(maxsize=1)
def _alternation(data_file: str) -> str:
    """The words of a per-language word list (``data_file``) as a regex alternation, longest first."""
    return alternation(load(data_file))


def _clause_break() -> re.Pattern:
    return re.compile(r";\s*|,\s*(?:" + _alternation("clauses.json") + r")\s+(?:(?:of|об?|за|на)\s+)?", re.I)


def clauses(sentence: str) -> list[str]:
    """The coordinated clauses of ``sentence``: split where a comma or semicolon is followed by a
    conjunction that opens a new clause (``clauses.json``) and what follows names an event of its own
    ("…, and of the visit to Budapest by Nurtleu"); a part that names none is more of the same clause
    ("met Orbán, as well as Szijjártó", a list of people)."""
    parts, start = [], 0
    for m in _clause_break().finditer(sentence):
        parts.append(sentence[start:m.start()])
        start = m.end()
    parts.append(sentence[start:])
    out: list[str] = []
    for part in (p for p in parts if p.strip()):
        if out and not events_named(part):
            out[-1] = f"{out[-1]}, {part}"
        else:
            out.append(part)
    return out


def split_across_clauses(constraints: Constraints, sentence: str, names: NameTable | None = None) -> list[Named]:
    """What the question names that ``sentence`` tells of in another event than the rest: the names it
    mentions stand in different coordinated clauses, and one of these clauses has a person of its own
    whom the question does not name ("Orbán's trip to Astana, where he met Tokayev, and … the visit to
    Budapest by Nurtleu" does not say when Tokayev visited Budapest). Names that share a clause, or
    clauses without a participant of their own ("Tokayev arrived in Budapest, and talks with Orbán
    followed"), are one event."""
    parts = clauses(sentence)
    if len(parts) < 2 or len(constraints.named) < 2:
        return []
    held = [[n for n in constraints.named if is_mentioned(n, evidence_of(p))] for p in parts]
    asked = {(n.kind, n.id) for hs in held for n in hs}
    if len(asked) < 2 or any(len({(n.kind, n.id) for n in hs}) == len(asked) for hs in held):
        return []

    def has_own_person(part: str, hs: list[Named]) -> bool:
        # a person the corpus knows by that name ("Carmelite Monastery" is a capitalised run, no person)
        asked_people = [n for n in hs if n.kind == "name"]
        return any(not any(is_mentioned(n, evidence_of(w)) for n in asked_people)
                   for _, _, w in corpus_persons(part, names))

    if not any(hs and has_own_person(part, hs) for part, hs in zip(parts, held)):
        return []
    best = max(held, key=len)
    return list(dict.fromkeys(n for hs in held if hs is not best for n in hs if n not in best))


def away_from_fact(constraints: Constraints, title: str, sentences: tuple[str, ...], sentence: str,
                   window: int, lead_window: int = 1, lead: int = LEAD_SENTENCES) -> list[Named]:
    """What the question names that neither the article's title and lead nor the ``window`` sentences
    around ``sentence`` (it, and ``window`` − 1 either side) mention. A lead sentence reports the
    article's own event, which the next sentences may go on telling: its window is ``lead_window``.

    A date or a place is the date or place of the event its sentence reports: the dateline's is the
    lead's event (whose participants the title and lead name), another sentence's is of what it and its
    neighbours tell. "When did Tokayev and Nausėda hold talks in Vilnius?" is not answered by the
    dateline of a deputy ministers' meeting, nor by a sentence that dates their talks in New York with
    Vilnius only in a later sentence about a commission."""
    if not constraints.named or window <= 0:
        return []
    rest = [n for n in constraints.named if not is_mentioned(n, _head(title, sentences, lead))]
    if not rest:
        return []
    wanted = sentence.strip()
    # the sentence itself (its first copy when a report repeats it), else the one that holds it
    at = next((i for i, s in enumerate(sentences) if s.strip() == wanted), None)
    if at is None:
        at = next((i for i, s in enumerate(sentences) if wanted and wanted in s), None)
    if at is None:
        return []  # a sentence the article text does not hold as one: judged by the article alone
    if at < lead:
        window = max(window, lead_window)
    first = max(0, at - window + 1)
    # "He recalled their meetings…" tells the person the sentence before names ("Yzeiraj highlighted…")
    while first > 0 and first > at - _PRONOUN_REACH and _opens_with_pronoun(sentences[first]):
        first -= 1
    around = merged([evidence_of(s) for s in sentences[first:at + window]])
    return [n for n in rest if not is_mentioned(n, around)]


_PRONOUN_REACH = 3  # sentences back a chain of "He said… He added…" is followed to its named subject


@lru_cache(maxsize=1)
def _subject_pronoun() -> re.Pattern:
    # the first word, or the first after a leading phrase closed by a comma ("In turn, he noted…")
    return re.compile(r"^\W*(?:[^,.;:]{0,30},\s*)?(?:" + _alternation("pronouns.json") + r")(?!\w)", re.I)


def _opens_with_pronoun(sentence: str) -> bool:
    """Whether ``sentence`` opens with a personal pronoun standing for someone named before it."""
    return bool(_subject_pronoun().match(sentence))


def dated_elsewhere(constraints: Constraints, sentence: str, title: str = "") -> bool:
    """Whether ``sentence`` is a dateline of another city than every one the question names, and names
    none of them: its date is of what happened there ("Astana, 7 September 2023 – Tokayev met Begaj" does
    not date a visit to Tirana, though the article speaks of flights to Tirana). Unless the ``title``
    places the article's event in an asked city: then the dateline's city is only where the report was
    written ("Астана, 30 июня – …" under "Нуртлеу и Лавров в Чолпон-Ате обсудили…")."""
    asked = [n for n in constraints.named if n.kind == "city"]
    place = dateline_place(sentence) if asked else None
    if place is None:
        return False
    there = {m.id for m in knowledge.entities_in(place) if m.kind == "city"}
    if not there or there & {n.id for n in asked} or title_venues(title) & {n.id for n in asked}:
        return False
    evidence = evidence_of(sentence)
    return not any(is_mentioned(n, evidence) for n in asked)


_AT = (_TO_OR_IN - {"to", "into"}) | {"at"}  # where an event is, not where a trip goes
_PLACE_AND = AND_WORDS | {"пен", "бен"}  # "Токио мен Осакада"
_KAZAKH_LETTER = re.compile("[әғқңөұүһі]", re.I)  # "і" too: a title of Kazakh words may have no other
_KK_LOCATIVE = re.compile(r"(?:да|де|та|те|нда|нде)(?:ғы|гі)?$")


def venue_elsewhere(title: str, sentence: str) -> bool:
    """Whether ``sentence`` is a dateline whose city is not where the article's ``title`` places its event:
    "Нуртлеу и Лавров в Чолпон-Ате обсудили…" is not answered "where" by "Астана, 30 июня – …", the city
    the ministry wrote from. A title that names a city but not as the event's place ("flights between
    Astana and Lima") says nothing of it."""
    place = dateline_place(sentence)
    there = {m.id for m in knowledge.entities_in(place) if m.kind == "city"} if place else set()
    venues = title_venues(title) if there else set()
    # a sentence that names the venue itself after its dateline ("Astana, 30 June – … met … in Arequipa")
    # places the event there, whatever its dateline
    named = {m.id for m in knowledge.entities_in(sentence[len(place or ""):]) if m.kind == "city"}
    return bool(venues) and not venues & there and not venues & named


_LATIN_RUN = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w'’-]*)+")


def named_venues(sentence: str, names: NameTable | None = None) -> list[Mention]:
    """Venues the places data does not know, named after "at" or "in" ("a lecture at Nazarbayev University",
    "held at Expo Center"), as mentions of kind "venue": a run of two or more capitalised Latin words that is
    no known place, organisation, term or person. Only Latin runs: Russian declines a venue's words
    ("в Назарбаев Университете") and Bulgarian capitalises only the first ("Национален дворец на
    културата"), so their runs are not the venue's name."""
    mentions = knowledge.entities_in(sentence)
    known = [(m.start, m.end) for m in mentions]
    found = []
    for m in _LATIN_RUN.finditer(sentence):
        before = _WORD_RE.findall(sentence[:m.start()])[-1:]
        surface = m.group(0)
        if not (before and before[0].lower() in _AT) or any(s < m.end() and m.start() < e for s, e in known):
            continue
        if re.search(r"['’]s$", surface):  # "at Mr Radev's invitation": a possessive is somebody's, no venue
            continue
        # "the Treaty on Mutual Legal Assistance in Criminal Matters": an "in" inside a document's capitalised
        # name (two capitalised words before it, a document word not far before) goes on with it, no venue
        ahead = _WORD_RE.findall(sentence[:m.start()])[-3:-1]
        if (before[0].lower() == "in" and len(ahead) == 2 and all(w[:1].isupper() and _is_latin(w) for w in ahead)
                and any(d.kind == "document" and 0 <= m.start() - d.end <= 80 for d in mentions)):
            continue
        # a person the corpus knows is no venue ("at Rumen Radev's invitation"); a word of one may be part
        # of it ("Nazarbayev University")
        if names is not None and names.lookup(re.sub(r"['’]s$", "", surface)):
            continue
        found.append(Mention("venue", surface, m.start(), m.end(), surface))
    return found


_NAME_TOKEN = r"(?:[«„“\"][^»“”\"]{2,40}[»“”\"]|[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w'’-]+)"


_PORTFOLIO_TITLES = frozenset({"minister", "deputy_minister", "prime_minister", "deputy_prime_minister"})
# Russian genitive endings of an area's first word: "торговли", "сельского", "инноваций", "транспорта"
_GENITIVE = re.compile(r"(?:и|ы|а|я|ого|его|ой|ей|их|ых|ов|ев|ий)$", re.I)
_POST_LINK = frozenset({"of", "for", "the", "and", "на", "по", "за", "и"})
_KK_POSSESSIVE_TITLE = re.compile(r"(?:і|ы|сі|сы)(?:нің|ның|мен|не|на|нен|нан|нде|нда)?$", re.I)


def _is_cyrillic_word(word: str) -> bool:
    return bool(re.match(r"[а-яёәғқңөұүһі]", word, re.I))


# a body named by its portfolio: "Ministry of Trade", "Министерства торговли", "министерството на търговията",
# "Сауда министрлігі" (not "the UN and the SCO, trade, energy…", whose list goes on after a body's name)
_MINISTRY_RE = re.compile(r"ministr|министерств|министрліг", re.I)


def areas_in_posts(sentence: str, mentions: Sequence[Mention]) -> set[int]:
    """The starts of the area mentions of ``sentence`` that name a post, not a topic: "Minister of Digital
    Development", "министр цифрового развития и инноваций", Kazakh "Цифрлық даму, инновациялар … министрі"
    (the portfolio before the possessive title). Such a word says who someone is (or what a body is called),
    not what was discussed."""
    titles = [m for m in mentions if m.kind == "title"]
    areas = sorted((m for m in mentions if m.kind == "area"), key=lambda m: m.start)
    inside: set[int] = set()
    # where a post's portfolio may go on from, or a body's name ("Министерства торговли, промышленности и
    # рыболовства", "Ministry of Trade, Industry and Fisheries": its industry is no topic of the talks)
    reach = {m.end for m in mentions if m.kind == "title" or (m.kind == "organisation" and _MINISTRY_RE.search(m.surface))}
    for m in areas:
        for end in sorted((e for e in reach if e <= m.start), reverse=True)[:1]:
            gap = _WORD_RE.findall(sentence[end:m.start])
            if re.search(r"[.;:–—()]", sentence[end:m.start]):
                continue
            # "Minister of Digital…", "министр цифрового…", "Energy and Digital" after an area of the post;
            # right after a Cyrillic title only a genitive is its portfolio ("министр торговли"), not the
            # accusative of what was discussed ("обсудил с министром торговлю")
            # (Kazakh names the portfolio before the title: see below)
            first = _WORD_RE.findall(m.surface)[:1]
            if first and _is_cyrillic_word(first[0]) and (has_kazakh_letters(sentence) or (
                    not gap and not _GENITIVE.search(first[0]))):
                continue
            if all(w.lower() in _POST_LINK or (w[:1].isupper() and _is_latin(w)) for w in gap) and len(gap) <= 4:
                inside.add(m.start)
                reach.add(m.end)
        # Kazakh names a portfolio before a minister's title ("Цифрлық даму … министрі"), a few words away;
        # an ambassador ("елшісі") has none
        kk_after = [t for t in titles if t.start >= m.end and t.start - m.end <= 60 and t.id in _PORTFOLIO_TITLES
                    and _KK_POSSESSIVE_TITLE.search(t.surface) and not re.search(r"[.;:–—()]", sentence[m.end:t.start])
                    and len(_WORD_RE.findall(sentence[m.end:t.start])) <= 5]
        if kk_after and has_kazakh_letters(sentence):
            inside.add(m.start)
    return inside


def asks_building(question: str) -> bool:
    """Whether ``question`` asks which building (the noun its "which"-word asks about is a kind of building:
    "which palace", "в каком здании", "қай ғимаратта"), not which city."""
    nouns = [m for m in which_nouns(question) if m.id == "where"]
    return any(head.match(question, m.start) for m in nouns for _, _, _, head in knowledge.building_heads())


# A Russian or Bulgarian adjective after the noun is no name ("во дворце Президентском"): an unquoted word
# with an adjective's ending ends the name there.
_ADJECTIVE = re.compile(r"(?:ск|цк|н)(?:ий|ый|ой|ого|ому|им|ым|ом|ая|ую|ое|ые|ых|ими|ыми|ия|ата|ото|ите)$", re.I)


# A Kazakh genitive before a building's noun makes it somebody's ("Елшінің резиденциясы").
_KK_GENITIVE = re.compile(r"(?:ның|нің|дың|дің|тың|тің)$", re.I)


def building_venues(sentence: str, language: str | None = None, names: NameTable | None = None) -> list[Mention]:
    """Buildings no places data lists, named by a kind of building beside a name (``building_heads.json``):
    "the Necessidades Palace", "во дворце Несесидадеш", "дворец „Милези“", "«Милези» сарайында". Mentions of
    kind "venue" whose id is "<kind>\t<name>" (:func:`venue_display` names them in any language).

    The name is read on the side ``language`` puts it (the sentence's script decides when None): before the
    noun in English and Kazakh ("Palace of …" after it), after it in Russian and Bulgarian. A known place,
    organisation or term, a stopword, an adjective or a person of ``names`` is no part of a name; a noun
    inside a person's name ("Ronald Hall") or written with a capital inside a Cyrillic sentence ("Вилли") is
    no kind of building."""
    if language is None:
        language = "en" if not re.search(r"[а-яёәғқңөұүһі]", sentence, re.I) else (
            "kk" if has_kazakh_letters(sentence) else "ru")
    known = [(m.start, m.end) for m in knowledge.entities_in(sentence)]
    people = [(m.start, m.end) for m in names.find(sentence)] if names is not None else []
    stop = all_stopwords()
    token = re.compile(_NAME_TOKEN)
    found: list[Mention] = []
    for kind, head_language, name_before, head in knowledge.building_heads():
        if head_language != language and {head_language, language} != {"ru", "bg"}:
            continue
        for h in head.finditer(sentence):
            if any(s < h.end() and h.start() < e for s, e in people):
                continue
            if language != "en" and h.group(0)[0].isupper() and sentence[:h.start()].strip(" «„“\"'"):
                continue
            sides = []
            if name_before:
                before = re.search(r"(" + _NAME_TOKEN + r"(?:\s+" + _NAME_TOKEN + r"){0,2})\s+$", sentence[:h.start()])
                if before:
                    sides.append(list(reversed([(before.start(1) + t.start(), before.start(1) + t.end(), t.group(0))
                                                for t in token.finditer(before.group(1))])))
            # "Palace of Culture" in English; "дворец „Милези“", "Villa Milesi" where the name follows
            after = re.match(r"\s+" + ("" if not name_before else knowledge.BUILDING_OF) + r"(" + _NAME_TOKEN
                             + r"(?:\s+" + _NAME_TOKEN + r"){0,2})", sentence[h.end():])
            if after and (not name_before or language == "en"):
                sides.append([(h.end() + after.start(1) + t.start(), h.end() + after.start(1) + t.end(), t.group(0))
                              for t in token.finditer(after.group(1))])
            for tokens in sides:
                is_before = bool(tokens) and tokens[0][0] < h.start()
                # the words nearest the noun, up to a stopword ("The Palace"), a known place, organisation
                # or term ("Кездесу «Милези» сарайында": the meeting is no part of the name), a person or
                # an adjective
                kept = []
                for a, b, w in tokens:
                    bare = w.strip("«»„“”\"")
                    if (bare.lower() in stop or any(s < b and a < e for s, e in known + people)
                            or (bare == w and language in ("ru", "bg") and _ADJECTIVE.search(w))):
                        break
                    kept.append((a, b, w))
                if not kept or re.search(r"['’]s$", kept[0][2]) or (is_before and _KK_GENITIVE.search(kept[-1][2])):
                    continue  # "Tokayev's residence", "Тоқаевтың резиденциясы" is somebody's, not a named building
                if kind in knowledge.owner_heads() and not is_before and kept[0][2][:1] not in "«„“\"":
                    continue  # "the residence of Nurlan Abenov", "резиденция Нурлана Абенова": his
                kept.sort()
                name = " ".join(w.strip("«»„“”\"") for _, _, w in kept)
                a, b = (kept[0][0], h.end()) if is_before else (h.start(), kept[-1][1])
                found.append(Mention("venue", f"{kind}\t{name}", a, b, sentence[a:b]))
                break
    # Russian and Bulgarian share forms ("двореца"): one mention each
    return sorted(dict.fromkeys(found), key=lambda m: m.start)


def venue_display(m: Mention, language: str) -> str:
    """A venue as an answer in ``language`` names it: a building of :func:`building_venues` with its kind in
    that language and its name in that script; any other as the source writes it."""
    if "\t" not in m.id:
        return m.surface
    kind, name = m.id.split("\t", 1)
    latin = all(ord(ch) < 0x250 for ch in name if ch.isalpha())
    if (language == "en") != latin:
        name = knowledge.transliterate(name, language)
    return load("building_heads.json")["entries"][kind]["display"].get(language, "{name}").format(name=name)


def title_venues(title: str) -> frozenset[str]:
    """The cities a title places its event in ("… в Чолпон-Ате обсудили", "talks in Vilnius",
    "Чолпон-Атада"), not those it names otherwise ("flights between Astana and Lima")."""
    return placed_cities(title, buildings=False)


@lru_cache(maxsize=16384)
def placed_cities(text: str, buildings: bool = True, directions: bool = False) -> frozenset[str]:
    """The cities ``text`` places something in: after "in", "at", "в" and their kin, or with a Kazakh
    locative ending ("Чолпон-Атада"); with ``buildings``, a building stands for its city ("at the Akorda");
    with ``directions``, where a trip goes too ("a visit to Astana", "Астанаға"): where the visit is."""
    venues = set()
    kazakh = bool(_KAZAKH_LETTER.search(text))
    words = _TO_OR_IN | {"at"} if directions else _AT
    places = [m for m in knowledge.entities_in(text) if m.kind == "city" or (buildings and m.kind == "building")]
    placed: list[Mention] = []
    for m in places:
        city = m.id if m.kind == "city" else knowledge.building_city(m.id)
        if city is None:
            continue
        before = _WORD_RE.findall(text[:m.start])[-1:]
        # Kazakh's locative is an ending on a form longer than the city's own name ("Чолпон-Атада"); a
        # Russian "Джакарта" or "Белграда" ends so without being one
        bare = {f.lower() for f in knowledge.cities().get(m.id, {}).get("cyrillic", ())}
        inflected = kazakh and m.kind == "city" and m.surface.lower() not in bare
        located = inflected and (_KK_LOCATIVE.search(m.surface) or (directions and _KK_TO_OR_IN.search(m.surface)))
        # "посети Астана", "visit Astana": a visit verb takes its destination without a preposition
        visited = directions and bool(before) and bool(_VISIT_VERB_RE.fullmatch(before[0]))
        if (before and before[0].lower() in words) or located or visited or m.kind == "building":
            venues.add(city)
            placed.append(m)
    # "in Tokyo and Osaka", "в Софии и Пловдиве", "Токио мен Осакада": cities joined by "and" to a placed one
    # are placed with it
    for a, b in zip(places, places[1:]):
        gap = text[a.end:b.start].strip(" ,").lower()
        if gap in _PLACE_AND and (a in placed) != (b in placed):
            venues |= {c for m in (a, b) if (c := m.id if m.kind == "city" else knowledge.building_city(m.id))}
    return frozenset(venues)


# A visit told as done: "visited Casablanca", "посетил Касабланку", "посети Казабланка" (not "ще посети", "посетит")
_VISITED_RE = re.compile(r"visited|посетил\w*|посети", re.I)
# what makes it one not done: "ще / да / би / не посети", "never visited", "не посетил"
_NOT_DONE = frozenset({"ще", "да", "би", "не", "not", "never", "бы"})


@lru_cache(maxsize=16384)
def visited_cities(text: str) -> frozenset[str]:
    """The cities ``text`` says someone visited, right after a verb of visiting in the past: a visit done is a
    stay there ("посети Казабланка, където се срещна…"), where a trip "to" a city may be planned or another's."""
    cities = set()
    for m in knowledge.entities_in(text):
        if m.kind != "city":
            continue
        before = _WORD_RE.findall(text[:m.start])[-2:]
        if before and _VISITED_RE.fullmatch(before[-1]) and not (len(before) == 2 and before[0].lower() in _NOT_DONE):
            cities.add(m.id)
    return frozenset(cities)


def event_cities(sentence: str) -> frozenset[str]:
    """The cities ``sentence`` names an event of by its place: "the Tokyo meeting", "talks in Tokyo", "на
    встрече в Токио", "Токиодағы кездесу" (a city beside an event word, or after it with "in"); not the place
    of anything else ("a roadmap for a project in Shymkent")."""
    mentions = knowledge.entities_in(sentence)
    found = set()
    for a, b in zip(mentions, mentions[1:]):
        gap = sentence[a.end:b.start].strip(" -–").lower()
        if a.kind == "city" and b.kind == "event" and not gap:
            found.add(a.id)
        elif a.kind == "event" and b.kind == "city" and gap in _AT:
            found.add(b.id)
    return frozenset(found)


def venue_gaps(asked: frozenset[str], title: str, sentences: tuple[str, ...], lead: int = LEAD_SENTENCES,
               placed_check: bool = False, sent_to: frozenset[str] = frozenset(),
               visits: bool = False) -> tuple[set[str], set[str]]:
    """Whether an article can tell the event the question places in a city (``asked``): the cities the
    article places its own event in (its title and lead) when they are not the asked one and the article
    places nothing there, and, with ``placed_check``, the asked cities the article places nothing in at all
    (its dateline counts). "What did Tajani and Nurtleu discuss when they met in Rome?" is not answered by
    "В Астане прошла встреча Таяни и Нуртлеу" (that it speaks of "стремление Рима" is no meeting in Rome),
    nor "…in Milan" by an article that speaks only of an Astana–Milan flight. A city the question only
    sends someone to (``sent_to``: "who was to come to Astana") is there when a trip goes there. With
    ``visits``, a city the article says someone visited is a place it tells of ("в навечерието Жумагулов
    посети Казабланка" answers "when was he in Casablanca" though the consultations were in Rabat)."""
    if not asked:
        return set(), set()
    # the article's own event is where its title and lead place it, or send its visitor ("visit to Astana");
    # elsewhere in it only what happens "in" a city is there ("Orbán's trip to Astana" is another event)
    texts = (title,) + sentences
    reached = [placed_cities(t, directions=True) for t in texts]
    own = frozenset().union(*reached[:1 + max(lead, 1)])
    placed = frozenset().union(*(placed_cities(t) | (visited_cities(t) if visits else frozenset()) for t in texts))
    anywhere = frozenset().union(*reached)  # what the article places anywhere, even a trip's end
    there = placed & asked or anywhere & sent_to
    conflict = set(own) if own and not own & asked and not there else set()
    unplaced: set[str] = set()
    if placed_check:
        # and its dateline's city
        datelines = {m.id for s in sentences[:max(lead, 1)] if (place := dateline_place(s))
                     for m in knowledge.entities_in(place) if m.kind == "city"}
        unplaced = set(asked) - anywhere - datelines
    return conflict, unplaced


def years_mentioned(text: str, date: str | None = None) -> set[str]:
    """The years ``text`` (a sentence) speaks of: those it names, its date's, and the year before one of
    them when it says "the previous year" or "last year" (so "trade in 2023" is answered by "3.9 times
    the previous year's $95.2 million" in a sentence about 2024)."""
    years = set(YEAR_RE.findall(text)) | ({date[:4]} if date else set())
    if PREVIOUS_YEAR_RE.search(text):
        years |= {str(int(y) - 1) for y in years}
    return years


def missing_facts(constraints: Constraints, text: str, date: str | None = None) -> list[str]:
    """The years and numbers the question names that ``text`` (an article's title and body, with its
    date) does not mention."""
    missing: list[str] = []
    haystack_years = set(YEAR_RE.findall(text)) | ({date[:4]} if date else set())
    missing += [y for y in sorted(constraints.years) if y not in haystack_years]
    if constraints.numbers:
        present = numbers_in(text)
        missing += [n for n in sorted(constraints.numbers) if n not in present]
    return missing


def _word_places(text: str) -> list[tuple[int, str]]:
    """(word index, country code) of every place mentioned in ``text``, with word indexes."""
    spans = [(m.start(), m.group(0)) for m in _WORD_RE.finditer(text)]
    out = []
    for m in knowledge.entities_in(text):
        if m.kind in ("country", "city", "building") and m.country:
            index = next((i for i, (s, w) in enumerate(spans) if s <= m.start < s + len(w)), None)
            if index is not None:
                out.append((index, m.country))
    return out


def destinations_in(text: str, language: str) -> set[str]:
    """Countries ``text`` places something in or sends someone to ("visit to Rome" → IT)."""
    words = [w.lower() for w in _WORD_RE.findall(text)]
    found = set()
    for i, country in _word_places(text):
        before = words[i - 1] if i > 0 else ""
        if any(w.startswith(_POSTING_STEMS) for w in words[max(0, i - 4):i]):
            continue
        # "visit to X", "в Болгарию", "visited X", "посетил Черногорию", "Словенияға"
        if before in _TO_OR_IN or _VISIT_VERB_RE.fullmatch(before) or (language == "kk" and _KK_TO_OR_IN.search(words[i])):
            found.add(country)
    return found


def visit_destinations(question: str, language: str) -> frozenset[str]:
    """The foreign countries a question asks about a visit to (empty when it asks about no visit)."""
    if not VISIT_RE.search(question):
        return frozenset()
    return frozenset(destinations_in(question, language) - IGNORED_COUNTRIES)


def missing_destinations(destinations: frozenset[str], text: str, language: str) -> list[str]:
    """The asked-about destinations that ``text`` places nothing in (a city of them counts)."""
    if not destinations:
        return []
    return sorted(destinations - destinations_in(text, language))


# --- which event -----------------------------------------------------------------------------------


# The encounters a dateline reports under many names: "When did X meet Y?" is answered by the lead "X held
# talks with Y", so they are one family here.
ENCOUNTERS = frozenset({"meeting", "talks", "political_consultations", "phone_call"})


def event_family(event: str) -> str:
    """An event kind with its sort folded in: an official or a state visit is a visit; talks of any format,
    consultations and a phone call are the encounter a dateline reports ("meeting")."""
    if event == "visit" or event.endswith("_visit"):
        return "visit"
    if event in ENCOUNTERS or event.endswith("_talks"):
        return "meeting"
    if event.endswith("_session"):
        return "session"
    if event.endswith("_forum"):
        return "forum"
    return event


def events_named(text: str) -> list[tuple[int, str]]:
    """The kinds of event ``text`` names, as (position, family) in text order: the events lexicon's nouns
    ("elections", "визит", "сапар") and the verbs of visiting ("visited", "посетил", "барған")."""
    found = [(m.start, event_family(m.id)) for m in knowledge.entities_in(text) if m.kind == "event"]
    found += [(m.start(), "visit") for m in VISIT_RE.finditer(text)]
    return sorted(set(found))


def asked_event(question: str, asked: str = "when") -> str | None:
    """The kind of event a question asks the time or place of: the first it names after its ``asked``
    word, "when" or "where" ("According to the meeting, when are the elections scheduled?" asks about the
    elections), else the first it names (a Kazakh question puts the event before "қашан": "Сайлау қашан
    өтеді?")."""
    found = events_named(question)
    when = [m.end for m in knowledge.find_terms(question, "question") if m.id == asked]
    after = [event for position, event in found if when and position >= when[0]]
    return after[0] if after else (found[0][1] if found else None)


# --- who holds a post ------------------------------------------------------------------------------

# What may stand beside the title in "who is the <post>?": the post and where it is held or whose it is.
HOLDER_CONTEXT = ("title", "country", "city", "building", "organisation", "region")


def _copulas() -> frozenset[str]:
    return word_set("copulas.json")


# What a title's own complement opens with ("Minister of Economy and Industry", "министър на икономиката и
# индустрията"): an "and" inside it joins two words of the title, not the title to another person.
COMPLEMENT = re.compile(r"\s*(?:of|for|on|на|по|за)\s", re.I)
_AND = re.compile(r"\b(?:" + "|".join(sorted(AND_WORDS)) + r")\b", re.I)


def joins_another(gap: str) -> bool:
    """Whether an "and" in the words between a title and a name joins the title to somebody else ("the
    President and Lavrov", "President Radev and First Lady …"), not two words of the title's complement
    ("of Economy and Industry", "экономики и промышленности Болгарии")."""
    if not _AND.search(gap):
        return False
    if _AND.search(gap.rstrip().rsplit(None, 1)[-1] if gap.strip() else ""):
        return True  # the name follows the "and" itself
    return not (COMPLEMENT.match(gap) or all(w[:1].islower() or w.lower() in state_form_words()
                                               or knowledge.entities_in(w)
                                               for w in re.findall(r"[^\W\d_][\w'’-]*", gap)))


def english_verb_between(gap: str) -> bool:
    """Whether a lower-case English word other than a stopword stands in ``gap`` (a verb or a noun of the
    sentence, not a title's capitalised complement)."""
    return any(w.islower() and w not in all_stopwords() for w in re.findall(r"\b[a-zA-Z]+\b", gap))


def _beyond_person(title: Mention, m: Mention, skip: tuple[int, int] | None) -> bool:
    """Whether ``m`` lies past the person ``skip`` as seen from their title: "President Tokayev received
    Russian Foreign Minister Lavrov" gives "Russian" to the next title, not to Tokayev's."""
    return skip is not None and ((skip[0] <= m.start < skip[1]) or (title.end <= skip[0] and m.start >= skip[1])
                                 or (title.start >= skip[1] and m.end <= skip[0]))


# A post's body stands right beside its title, with nothing but words between (no comma, bracket, dash or
# full stop): "Director of the Department … at the Serbian Ministry of Foreign Affairs", "директор … МИД
# Сербии", "Сербия СІМ-нің … директоры", "OSCE Secretary General".
_BODY_AFTER, _BODY_BEFORE = 45, 25
_BODY_BREAK = re.compile(r"[,;.()–—]|\s-\s")


def post_body(text: str, title: Mention, skip: tuple[int, int] | None = None) -> Mention | None:
    """The organisation the ``title`` mention of ``text`` is a post of ("President of the European Council",
    "State Secretary of the Ministry of Foreign Affairs"), or None: the nearest organisation within a few
    words of the title, in the same clause, not past the person ``skip``."""
    best = None
    for m in evidence_of(text).mentions:
        if m.kind != "organisation" or _beyond_person(title, m, skip):
            continue
        after = m.start >= title.end
        gap = text[title.end:m.start] if after else text[m.end:title.start]
        if (m.end > title.start and m.start < title.end) or len(gap) > (_BODY_AFTER if after else _BODY_BEFORE) \
                or _BODY_BREAK.search(gap) or (skip is not None and (title.end <= skip[0] < m.start if after
                                                                     else m.end <= skip[0] < title.start)):
            continue
        # "The OSCE welcomed Minister X", "The Ambassador visited the Ministry", "Представитель ОБСЕ и министр":
        # a verb or an "and" between makes them two things, not a post and its body
        if english_verb_between(gap) or joins_another(gap):
            continue
        if best is None or len(gap) < best[0]:
            best = (len(gap), m)
    return None if best is None else best[1]


def post_country(text: str, title: Mention, skip: tuple[int, int] | None = None) -> str | None:
    """The country the ``title`` mention of ``text`` is of ("Bulgaria's Ambassador to Kazakhstan" → BG): the
    country named nearest to it within 40 characters, leaving out where the post is held ("to/in X",
    "в Литве", "Кениядағы"), the span ``skip`` (the person's name) and what lies beyond it. When the post
    is of a body (:func:`post_body`), the country nearest to the body: "Director of the Department of
    Russia and Eurasia at the Serbian Ministry" is Serbia's, the department's subject is not."""
    body = post_body(text, title, skip)
    anchor = title if body is None else body
    lo, hi = min(title.start, anchor.start) - 40, max(title.end, anchor.end) + 40
    if skip is not None:
        lo, hi = min(lo, skip[0] - 40), max(hi, skip[1] + 40)
    countries = []
    for m in evidence_of(text).mentions:
        if m.kind != "country" or not lo <= m.start <= hi or _beyond_person(title, m, skip):
            continue
        before = _WORD_RE.findall(text[:m.start])[-1:]
        word = _WORD_RE.match(text, m.start)
        if (before and before[0].lower() in _TO_OR_IN) or (word and _KK_LOCATIVE_ADJECTIVE.search(word.group(0))):
            continue
        countries.append(m)
    if not countries:
        return None
    return min(countries, key=lambda m: min(abs(m.start - anchor.end), abs(anchor.start - m.end))).id


@lru_cache(maxsize=1)
def _side_words() -> re.Pattern:
    forms = sorted({f.lower() for fs in load("sides.json")["words"].values() for f in fs}, key=len, reverse=True)
    return re.compile(r"\W+(?:[^\W\d_]+\W+)?(?:" + "|".join(map(re.escape, forms)) + ")", re.I)


def names_a_side(text: str, country: Mention) -> bool:
    """Whether the country mention is one side of a meeting: a side word follows it ("the Kazakh
    delegation", "болгар тарапынан", ``sides.json``)."""
    return bool(_side_words().match(text, country.end))


def asked_side(question: str, language: str = "") -> str | None:
    """The country whose person a who-question asks for: the country named nearest to its "who" word, as
    one side ("Кто возглавлял казахстанскую делегацию…", "…болгар тарапынан кім төрағалық етеді?"). None
    when the question names no side ("Who signed the agreement between Kazakhstan and Peru?"), when that
    country is where something happened ("in Bulgaria") or when a title stands beside it: "Who met the
    Bulgarian minister?" names the other person's country, not the asked one's."""
    whos = [m for m in knowledge.find_terms(question, "question") if m.id == "who"]
    if not whos:
        return None
    mentions = evidence_of(question).mentions
    countries = [m for m in mentions if m.kind == "country"]
    if not countries:
        return None
    who = whos[0]
    nearest = min(countries, key=lambda m: abs(m.start - who.end) if m.start >= who.end else abs(who.start - m.end))
    if not names_a_side(question, nearest) or nearest.id in destinations_in(
            question[max(0, nearest.start - 30):nearest.end], language):
        return None
    for t in mentions:
        if t.kind == "title":
            gap = question[t.end:nearest.start] if t.end <= nearest.start else question[nearest.end:t.start]
            if len(gap) <= 25 and not re.search(r"[,;.]", gap):
                return None
    return nearest.id


def asked_post(question: str) -> tuple[str, str | None] | None:
    """The post a "who is the <post>?" question asks the holder of, and the country it is of (or None):
    "Кой е посланикът на Казахстан в България?" → (ambassador, KZ), "Қазақстанның Кениядағы елшісі кім?" →
    (ambassador, KZ). That is a who-question that names one title and whose other words are only question
    words, stopwords, linking verbs (``copulas.json``) and the places and organisations it names. Else None:
    "Who met the ambassador of Chile?" names an event and asks about someone who met him."""
    if asked_type(question) != "who":
        return None
    mentions = evidence_of(question).mentions
    titles = [m for m in mentions if m.kind == "title"]
    # "Which Kazakh ambassador attended the talks?": the title a which-word asks about is the post asked,
    # whatever else the question says
    asked = [t for n in which_nouns(question) if n.id == "who" for t in titles if n.start <= t.start < n.end]
    if asked:
        return asked[0].id, post_country(question, asked[0])
    if len({m.id for m in titles}) != 1:
        return None
    # an event, a document or an area named ("met", "signed the agreement") makes it a question about
    # what somebody did, not about who holds the post
    # the post's own portfolio ("deputy minister of trade") names the post, not a topic
    in_posts = areas_in_posts(question, mentions)
    covered = ([(m.start, m.end) for m in mentions if m.kind in HOLDER_CONTEXT or m.start in in_posts]
               + [(t.start, t.end) for t in knowledge.find_terms(question, "question")])
    ignorable = all_stopwords() | _copulas()
    for w in re.finditer(r"[^\W\d_]+", question):
        if not any(a <= w.start() and w.end() <= b for a, b in covered) and w.group(0).lower() not in ignorable:
            return None
    return titles[0].id, post_country(question, titles[0])


@lru_cache(maxsize=1)
def _kk_who_forms() -> tuple[frozenset[str], frozenset[str]]:
    words = frozenset(w.lower() for w in load("questions.json")["entries"]["who"]["kk"])
    return words, frozenset(load("case_endings.json")["endings"]["kk"])


def _kk_nominative_who(surface: str) -> bool:
    """Whether a who-word is Kazakh and in the nominative: "кім", not "кіммен" (кім + мен) or "кімді"
    (``questions.json``, ``case_endings.json``)."""
    forms, endings = _kk_who_forms()
    word = surface.lower()
    return word in forms and not any(word.startswith(base) and word[len(base):] in endings for base in forms)


@lru_cache(maxsize=1)
def _kk_accusative_endings() -> tuple[str, ...]:
    return tuple(load("case_endings.json")["kk_accusative"])


def _kk_accusative(word: str) -> bool:
    """Whether a Kazakh word is in the accusative ("вице-министрін", "елшіні"; ``case_endings.json``)."""
    return word.lower().endswith(_kk_accusative_endings())


def posts_named(question: str) -> tuple[tuple[str, str], ...]:
    """The (title, country) posts ``question`` names, in its order: "Где посол Казахстана встречался с
    ирландским министром?" → ((ambassador, KZ), (minister, IE)). The first is its subject in all four
    languages' usual order, whom a follow-up's "he" stands for (:mod:`rag.conversation`)."""
    return tuple(dict.fromkeys((t.id, country) for t, country in _posts(question)))


def _posts(question: str) -> list[tuple[Mention, str]]:
    """Each title ``question`` names with the country it is of, when it says which."""
    return [(t, country) for t in evidence_of(question).mentions
            if t.kind == "title" and (country := post_country(question, t)) is not None]


def described_persons(question: str) -> tuple[tuple[str, str], ...]:
    """The persons a who-question names by their post and country rather than by name, as another party of
    what it asks about: "Who received the Kazakh vice minister of trade?", "Кого встретил посол Болгарии?" →
    ((vice_minister, KZ),) or ((ambassador, BG),). The answer is somebody else: the Kazakh vice minister is
    not who received him. Empty for "who is the <post>?" (:func:`asked_post`, the holder is the answer) and
    for a title the who-word itself asks among ("Кто из казахстанских дипломатов…", "Who of the Kazakh
    ministers…": a partitive word, ``partitives.json``, and only stopwords and countries between them)."""
    if asked_type(question) != "who" or asked_post(question) is not None:
        return ()
    mentions = evidence_of(question).mentions
    whos = [m for m in knowledge.find_terms(question, "question") if m.id == "who"]
    countries = [(m.start, m.end) for m in mentions if m.kind == "country"]
    ignorable = all_stopwords()

    partitives = word_set("partitives.json")

    def among_gap(start: int, end: int) -> bool:
        # nothing but countries ("С кой български посланик…": the who-word is a determiner), or a partitive
        # word and otherwise only stopwords and countries ("who of the Peruvian", "кто из казахстанских");
        # "Who did the Kazakh ambassador meet?" has neither, the ambassador is the other party
        words = [w.group(0).lower() for w in re.finditer(r"[^\W\d_]+", question[start:end])
                 if not any(a <= start + w.start() < b for a, b in countries)]
        return not words or (any(w in partitives for w in words)
                             and all(w in ignorable or w in partitives for w in words))

    def asked_among(title: Mention) -> bool:
        # "Кто из казахстанских дипломатов…", "Who of the Peruvian ministers…"; and head-final Kazakh, a
        # nominative title before the nominative "кім": "Тайланд министрі кім?", not the object
        # "вице-министрін кім қабылдады?" nor the subject of "елшісі кіммен кездесті?"
        return any(among_gap(who.end, title.start) if who.end <= title.start
                   else (_kk_nominative_who(question[who.start:who.end]) and among_gap(title.end, who.start)
                         and not _kk_accusative(question[title.start:title.end]))
                   for who in whos)

    return tuple(dict.fromkeys((t.id, country) for t, country in _posts(question) if not asked_among(t)))


def person_names(text: str, names: NameTable | None = None) -> list[tuple[int, int, str]]:
    """Likely person names in ``text``: capitalised names that are no known place, organisation or term
    (runs of two or more words, or one word the corpus's name table knows)."""
    # the word a place noun names ("на улице Ридвана Раиса") is known like a place, no part of a person's name
    known = [(m.start, m.end) for m in knowledge.entities_in(text)] + knowledge.place_words(text)
    out = []
    for start, end, surface in knowledge.capitalised_runs(text, min_words=1):
        head = knowledge.name_head_end(text, start, end)
        if head is not None:
            # a body's name ("Pacific Islands Forum") is no person; the words after it may be one ("Eurasian
            # Development Fund Chairman Ivan Petrov")
            start = head + len(text[head:end]) - len(text[head:end].lstrip())
            if start >= end:
                continue
        if knowledge.names_a_thing(text, start, end):  # a whole quotation: "“Songs of Andes”"
            continue
        if any(s <= start < e or start <= s < end for s, e in known):
            # "President Tokayev": keep the part after the known words, after the last of them ("Республики
            # Казахстан Айдар Абилдаев": the state's form before its name is no first name)
            subs = _sub_words(text, start, end)
            inside = [i for i, (s, e, w) in enumerate(subs) if any(ks <= s < ke for ks, ke in known)]
            after = subs[inside[-1] + 1:] if inside else subs
            if not (len(after) >= 2 or (after and names and names.lookup(after[0][2]))):
                # "Сенат Төрағасы Мәулен Әшімбаев Перу Конгресінің…": the name stands between known words
                after = [(s, e, w) for s, e, w in subs if not any(ks <= s < ke for ks, ke in known)]
            rest = after
            rest = _after_opening_stopwords(text, rest)
            if len(rest) >= 2 or (rest and names and names.lookup(rest[0][2])):
                out.append((rest[0][0], rest[-1][1], text[rest[0][0]:rest[-1][1]]))
            continue
        words = _after_opening_stopwords(text, _sub_words(text, start, end))
        if not words:
            continue
        start, end = words[0][0], words[-1][1]
        surface = text[start:end]
        if len(words) >= 2 or (names is not None and names.lookup(surface)):
            # a run opening with a stopword ("Си Цзиньпин", a dateline's "– На Международном форуме") is a
            # name only when the corpus's table has it, where there is one
            opens_with_stopword = words[0][2].lower() in all_stopwords()
            if (not any(stops_a_name(w, starts_sentence(text, s)) for s, _, w in words)
                    and not (opens_with_stopword and names is not None and names.lookup(surface) is None)):
                out.append(_known_part(text, start, end, names))
    return out


def corpus_persons(sentence: str, names: NameTable | None) -> list[tuple[int, int, str]]:
    """The persons an article's sentence names: :func:`person_names` that the corpus's name table knows.

    The table read the same articles with more evidence than one sentence ("Iveagh House" is no person: the
    corpus writes "house" in lower case); so a person whose name is a common word ("Theresa May") is lost
    too. A question's names are not filtered: a person the corpus never mentions must still be looked for."""
    found = person_names(sentence, names)
    return found if names is None else [p for p in found if names.lookup(p[2]) is not None]


def _after_opening_stopwords(text: str, words: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A run's words from its first one that is no stopword: a capitalised word that opens the sentence
    ("Сондай-ақ", "Также") is no part of a name; one inside it may be ("с Председателем КНР Си Цзиньпином")."""
    opening = bool(words) and starts_sentence(text, words[0][0])
    while words and stops_a_name(words[0][2], opening):
        words = words[1:]
    return words


def _known_part(text: str, start: int, end: int, names: NameTable | None) -> tuple[int, int, str]:
    """The longest part of a capitalised run that the corpus's name table knows, when it does not know the
    whole: "Minister for Foreign Affairs Endrit Yzeiraj" holds the run "Foreign Affairs Endrit Yzeiraj",
    whose person is "Endrit Yzeiraj" (the title words are capitalised, not part of the name)."""
    words = _sub_words(text, start, end)
    if names is None or len(words) < 3 or names.lookup(text[start:end]):
        return start, end, text[start:end]
    for size in range(len(words) - 1, 1, -1):
        for i in range(len(words) - size, -1, -1):  # the rightmost first: titles come before names
            s, e = words[i][0], words[i + size - 1][1]
            if names.lookup(text[s:e]):
                return s, e, text[s:e]
    return start, end, text[start:end]


def _sub_words(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(start + m.start(), start + m.end(), m.group(0)) for m in re.finditer(r"\S+", text[start:end])]
