"""The grounded extractive answerer: state the asked fact in the question's language, quote the sentence
it came from, or say that the press releases do not answer.

No fact is written that a cited sentence does not contain: every value the answer states in the
question's language (a date, an amount, a person and post, a country, a place, an organisation, a
document, areas of cooperation) is read out of a quoted sentence, only re-formatted or named in the
question's language, and listed in ``Answer.values`` with the span it came from.

How a sentence is chosen: each sentence of the retrieved passages is scored by its own similarity and
its passage's (``sentence_weight``); sentences whose passage does not cover what the question pins
down are dropped (:mod:`rag.answering.grounding`); a sentence that holds a value of the type the
question asks for, beyond what the question itself names, is preferred over one that only restates
the question (``answer_type_bonus``): the dateline sentence "Astana, 9 June – X met Y" names everyone
of the question and says nothing of "which country" or "in what capacity".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from rag import knowledge
from rag.answering import Answer, Citation, Passage, StatedValue
from rag.answering.facts import (Amount, DateMention, find_amounts, find_anniversaries, find_counted_words, find_dates,
                                find_dates_in_year, format_amount, format_date_mention, format_ordinal,
                                not_the_year_of, year_role_words)
from rag.answering.grounding import (COMPLEMENT, LEAD_SENTENCES, PREVIOUS_YEAR_RE, YEAR_RE, Constraints, Named,
                                     areas_in_posts, asked_event, away_from_fact, building_venues, dated_elsewhere, event_cities,
                                     acts_named, english_verb_between, events_named, evidence_of, is_mentioned, joins_another,
                                     names_next,
                                     missing_destinations, missing_entities, missing_facts, missing_in_event,
                                     corpus_persons, names_a_side, person_names, post_body, post_country, question_constraints,
                                     named_venues, placed_cities, split_across_clauses, venue_display,
                                     venue_elsewhere, venue_gaps, years_mentioned)
from rag.answering.prompts import message, quoted
from rag.answering.questions import (OPEN, asked_type, asked_types, asks_many, asks_what_was_discussed, content_words,
                                    counts_named, quantities_named, quantity_positions, rates_named,
                                    states_topics, tells_discussion)
from rag.knowledge import Mention, NameTable
from rag.articles import dateline_place
from rag.knowledge.lexicon import all_stopwords, state_form_words
from rag.knowledge.matcher import alternation
from rag.knowledge.places import load
from rag.language import detect_language, has_kazakh_letters
from rag.settings import Settings, listed

# Answer types stated as a value in the question's language, with the kinds of mention that give them.
SLOT_KINDS = {"country": ("country",), "where": ("city", "building"), "post": ("title",),
              "organisation": ("organisation",), "document": ("document",), "areas": ("area",)}


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage scored against the question."""

    passage: Passage
    row: tuple[str, int, int]  # the sentence's identity: (doc, start, end) in its article's body
    start: int  # offsets in the passage's chunk text
    end: int
    score: float
    vector: np.ndarray | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        return self.passage.hit.chunk.text[self.start:self.end]

    @property
    def language(self) -> str:
        return self.passage.hit.chunk.language

    @property
    def doc(self) -> str:
        return self.passage.hit.chunk.doc


@dataclass(frozen=True)
class Context:
    """What the answerer knows beside the passages: the corpus's names, and what earlier turns of the
    conversation pinned down (a follow-up "And what did they discuss?" is about the same people)."""

    names: NameTable | None = None
    carried: tuple[Named, ...] = ()
    common: frozenset[str] = frozenset()  # words the corpus writes in lower case (never names)
    years: frozenset[str] = frozenset()  # the years earlier turns pinned down, for a follow-up that names none
    venues: frozenset[str] = frozenset()  # the cities earlier turns placed the event in, for one that names none
    subject: tuple[tuple[str, str], ...] = ()  # the post of whom a follow-up's "he" stands for (Turn.subject)


def question_kind(question: str) -> str:
    """The answer type the question asks for (see :mod:`rag.answering.questions`)."""
    return asked_type(question)


def candidates(passages: list[Passage], sentence_weight: float = 0.5) -> list[Candidate]:
    """Every sentence of the passages' evidence, best first, each sentence once."""
    seen: dict[tuple[str, int, int], Candidate] = {}
    for passage in passages:
        chunk = passage.hit.chunk
        for scored in passage.sentences:
            s = scored.sentence
            key = (s.doc, s.start, s.end)
            if key in seen:
                continue
            score = sentence_weight * scored.similarity + (1 - sentence_weight) * passage.hit.score
            seen[key] = Candidate(passage, key, s.start - chunk.start, s.end - chunk.start, score, scored.vector)
    return sorted(seen.values(), key=lambda c: -c.score)


def _passage_text(p: Passage) -> str:
    return f"{p.hit.chunk.title}\n{p.hit.chunk.text}"


def _prefer_named(pool: list[Candidate], constraints: Constraints, bonus: float) -> list[Candidate]:
    """``pool`` re-ranked with ``bonus`` for passages that name the question's persons (a share for some)."""
    persons = [n for n in constraints.named if n.kind == "name"]
    if not persons or bonus <= 0:
        return pool
    share = {}
    for p in {c.passage for c in pool}:
        evidence = evidence_of(_passage_text(p))
        share[p.n] = sum(not missing_entities(dataclasses.replace(constraints, named=(n,)), evidence)
                         for n in persons) / len(persons)
    rescored = [dataclasses.replace(c, score=c.score + bonus * share[c.passage.n]) for c in pool]
    return sorted(rescored, key=lambda c: -c.score)


# --- what a sentence offers --------------------------------------------------------------------------


def offered(kind: str, sentence: str, constraints: Constraints, names: NameTable | None) -> list:
    """Values of the asked ``kind`` that ``sentence`` holds beyond what the question names."""
    if kind == "when":
        return find_dates(sentence)
    if kind == "amount":
        return measured_amounts(sentence, constraints.measure, constraints.quantities, constraints.counted,
                                   constraints.counts)
    if kind == "who":
        return _holders(sentence, constraints, names)
    if kind in SLOT_KINDS:
        asked = {(n.kind, n.id) for n in constraints.named}
        found = [m for m in evidence_of(sentence).mentions if m.kind in SLOT_KINDS[kind]
                 and (m.kind, m.id) not in asked and not (m.kind == "country" and m.id == "KZ" and kind == "country")]
        if kind == "where" and found and (place := dateline_place(sentence)):
            # "Astana, 12 May – … have met in Budapest": the dateline is where the report was written, the
            # city the sentence places the meeting in is where it was
            body = sentence.index(place) + len(place)
            if placed_cities(sentence[body:]):
                found = [m for m in found if m.start >= body] or found
        if kind == "areas":
            # "Minister of Digital Development" names a post, not a topic of the talks
            posts = areas_in_posts(sentence, evidence_of(sentence).mentions)
            found = [m for m in found if m.start not in posts]
            # what the question names itself is no news ("besides inter-parliamentary ties, what…?"), unless
            # the sentence names nothing else
            found = [m for m in found if m.id not in constraints.areas] or found
        if kind == "where" and constraints.building:
            # "which building": a city is no answer, a building of the data or one named by its kind is
            found = [m for m in found if m.kind == "building"]
        if kind == "where" and not found:
            # a palace, a university, a hall that no places data lists: one named by its kind of building
            # ("дворец „Милези“"), else the name after "at" / "in"
            asked_names = [n.surface for n in constraints.named if n.kind == "name"]
            found = [m for m in building_venues(sentence, names=names) or named_venues(sentence, names)
                     if not any(knowledge.same_name(m.id.split("\t")[-1], a) for a in asked_names)]
        return found
    return []


def _counts_others(sentence: str, counts: frozenset[str]) -> bool:
    """Whether ``sentence`` gives a number of people or things other than ``counts`` ("8,500 tourists")."""
    others = counts_named(sentence) - counts
    at = quantity_positions(sentence, others, "counted")
    return any(0 <= p - a.end <= _COUNT_NOUN_AFTER for a in find_amounts(sentence) + find_counted_words(sentence)
               for p in at)


def measured_amounts(sentence: str, measure: str | None, quantities: frozenset[str] = frozenset(),
                     counted: str | None = None, counts: frozenset[str] = frozenset()) -> list:
    """:func:`_measured_amounts`, and in a sentence that names other quantities beside the asked one, only
    the figures of the asked one: a figure is of the quantity named last before it (of the first after it
    when none is before): "trade grew 28.7% to $584.3 million … investment projects in transport" holds
    no sum invested, "exports grew ninefold, reaching $40.2 million, and imports…" is the exports'."""
    found = _measured_amounts(sentence, measure, quantities, counted, counts)
    named = quantities_named(sentence) if found and quantities else set()
    mine = quantity_positions(sentence, quantities & named)
    theirs = quantity_positions(sentence, named - quantities)
    if not mine or not theirs or len(find_amounts(sentence)) < 2:
        return found  # one figure: another quantity beside it is a side clause ("trade, driven by exports, …")

    def of_mine(a: Amount) -> bool:
        before = [p for p in mine + theirs if p < a.start]
        return (max(before) if before else min(p for p in mine + theirs if p >= a.start)) in mine

    return [a for a in found if of_mine(a)]


def _measured_amounts(sentence: str, measure: str | None, quantities: frozenset[str] = frozenset(),
                      counted: str | None = None, counts: frozenset[str] = frozenset()) -> list:
    """The figures of ``sentence`` that can answer a question about ``measure``: a sum for "how much
    does it cost", a number of things for "how many" (no percentage, no sum); any figure otherwise
    (a rate of change is preferred, not required: "by how much did trade grow" may be a sum). When the
    question says what the figure is of (``quantities``: investment, trade…), a sentence that names
    others and not it gives no answer: a trade figure does not answer "how much was invested" (a sentence
    that names none may speak of it by a pronoun: "It grew by 5%")."""
    named = quantities_named(sentence) if quantities else set()
    if named and not quantities & named:
        return []

    if quantities and not named and _counts_others(sentence, counts):
        # a sentence that counts other people or things and names no asked quantity gives their figures:
        # "over 8,500 tourists, 40% more than in 2022" is no trade figure ("a project worth $7 million" may be)
        return []
    if counts and not counted and measure != "money":
        # (a sum is asked of what it names, not counted: "the cost of the port project" counts no projects)
        # "how many students": a figure the students follow ("48 Mongolian students"), not the "100 thousand
        # ethnic Kazakhs" of a sentence that mentions students elsewhere
        at = quantity_positions(sentence, counts, "counted")
        if not at:
            return []
        if measure == "percent":
            return [a for a in find_amounts(sentence) if a.is_change]
        # a number counts the first counted noun after it: "300 teachers to train students" counts teachers
        others = [q for q in quantity_positions(sentence, counts_named(sentence) - counts, "counted") if q not in at]
        return [a for a in find_amounts(sentence) + find_counted_words(sentence) if not a.is_money and not a.is_change
                and any(0 <= p - a.end <= _COUNT_NOUN_AFTER and not any(a.end <= q < p for q in others) for p in at)]
    if counted:
        # "how many memorandums": a number of them ("Three memorandums were signed"), not of the students
        # who attended a lecture; the thing follows its number within a word or two, in any language
        things = [m for m in knowledge.entities_in(sentence) if m.id == counted]
        return [a for a in find_amounts(sentence) + find_counted_words(sentence)
                if not a.is_money and not a.is_change and any(0 <= m.start - a.end <= _COUNTED_AFTER for m in things)]
    amounts = find_amounts(sentence)
    if measure == "count" and not amounts:
        # "two regular flights a week" holds no digit; only a "how many" question takes a number word
        # ("the two capitals" is no trade figure)
        amounts = find_counted_words(sentence)
    if measure == "money":
        return [a for a in amounts if a.is_money]
    if measure == "count":
        return [a for a in amounts if not a.is_money and not a.is_change]
    if quantities:
        # trade, investment, exports and imports are sums, rates or measured goods: "over 60 companies" in a
        # sentence of trade is no trade figure, "800 tonnes of grain" is an export's
        return [a for a in amounts if a.is_money or a.is_change or a.scale or _has_unit(sentence, a)]
    return amounts


@lru_cache(maxsize=1)
def _units() -> re.Pattern:
    forms = [f for lang in load("measures.json")["units"].values() if isinstance(lang, list) for f in lang]
    # a whole word unless written as a stem: Kazakh "бас" (head of cattle) is no start of "басқа" (other)
    patterns = [re.escape(f[:-1]) if f.endswith("-") else re.escape(f) + r"(?!\w)"
                for f in sorted(forms, key=len, reverse=True)]
    return re.compile(r"\s*(?:" + "|".join(patterns) + r")", re.I)


def _has_unit(sentence: str, amount: Amount) -> bool:
    """Whether a unit of measure follows the figure ("800 tonnes", "800 тонн"; ``measures.json``'s units)."""
    return bool(_units().match(sentence, amount.end))


_COUNTED_AFTER = 16  # characters between a number and the thing it counts ("three new memorandums")
# the same for the people and things measures.json counts, which more often take an adjective or two
# ("120,000 Kazakh tourists", "500-ден астам қазақстандық студент")
_COUNT_NOUN_AFTER = 24
_YEAR_DISTANCE = 60  # characters between a figure and the year (or part of a year) it is of


def _figure_year(sentence: str, amount: Amount) -> DateMention | None:
    """The year, or part of a year, that ``sentence`` gives its figure ("$375.2 million in 2024", "в первом
    полугодии 2024 года … 1 млрд"): a date of year precision within :data:`_YEAR_DISTANCE` characters of it.
    None when the sentence names more than one year ("up from $300.1 million in 2023", "2020-2024"), when the
    figure follows "the previous year's", or when the year is a start, a deadline or a base ("since 1992",
    "by 2030", "compared to 2023": ``periods.json``'s ``not_the_year_of``); a full date is an event's."""
    dates = find_dates(sentence)
    years = [d for d in dates if d.month is None and d.day is None]
    # a dateline's full date ("Lima, 5 May 2031 –") is the report's, not a second year of figures
    written = set(YEAR_RE.findall(sentence)) - {str(d.year) for d in dates if d.month is not None}
    if len({d.year for d in years}) != 1 or written != {str(years[0].year)}:
        return None
    previous = PREVIOUS_YEAR_RE.search(sentence)
    if previous and previous.start() < amount.start:
        return None

    def distance(d: DateMention) -> int:
        return min(abs(d.start - amount.end), abs(amount.start - d.end))

    before, after = not_the_year_of()
    years = [d for d in years if distance(d) <= _YEAR_DISTANCE
             and not before.search(sentence[:d.start]) and not after.match(sentence, d.end)]
    return min(years, key=distance, default=None)


_LEVEL_DISTANCE = 60  # characters between a rate of change and the sum it is of, in one statement


def _level_reached(sentence: str, change: Amount, amounts: list[Amount]) -> Amount | None:
    """The sum a rate of change brought a figure to ("grew elevenfold, reaching $303.6 million",
    "amounted to $7.8 million in 2024, up 86.5%", "from $8.8 million to $12.4 million"): a sum within a few
    words that the sentence introduces as the level reached (``measures.json`` levels), with no other figure
    and no "while"/"а" between; never the base it is measured against ("on the $4.2 million recorded a year
    earlier", "the previous year's $95.2 million"). None when the sentence does not say."""
    before, after, contrast, start = _level_words()

    def base(a: Amount) -> bool:
        return bool(PREVIOUS_YEAR_RE.search(sentence[max(0, a.start - 25):a.start])
                    or PREVIOUS_YEAR_RE.search(sentence[a.end:a.end + 35]))

    def between(a: Amount) -> str:
        return sentence[change.end:a.start] if a.start >= change.end else sentence[a.end:change.start]

    def level(a: Amount) -> bool:
        lo, hi = sorted((a.start, change.start))
        return (0 <= len(between(a)) <= _LEVEL_DISTANCE and not contrast.search(between(a))
                and not any(lo < o.start < hi and not start.search(sentence[:o.start])
                            for o in amounts if o is not a and o is not change)
                and bool(before.search(sentence[:a.start]) or after.match(sentence, a.end)))

    sums = [a for a in amounts if (a.is_money or a.scale) and not a.is_change and not base(a) and level(a)]
    return min(sums, key=lambda a: len(between(a))) if sums else None


@lru_cache(maxsize=1)
def _directions() -> tuple[re.Pattern, re.Pattern]:
    """(the words that a figure went up, those that it went down): ``numbers.json``'s ``level_change``."""
    data = load("numbers.json")["level_change"]
    return tuple(re.compile(rf"(?<![^\W\d_])(?:{alternation(data[key])})", re.I) for key in ("up", "down"))


_CHANGE_AFTER = 30  # characters after a rate of change that may still say which way it went ("35% more")


def _change_of(sentence: str, level: Amount) -> tuple[Amount, str, DateMention | None, bool] | None:
    """The rate by which the figure ``level`` changed, as the sentence goes on to say ("57 million dollars,
    which is 35% more than in 2022", "над 8 500 туристи…, което е с 40% повече в сравнение с 2022 г."):
    (the rate, "+" or "−", the year it is measured against or None, whether that base is "the previous
    year"). The rate is a percentage after the figure within :data:`_LEVEL_DISTANCE` characters of one
    statement (no other figure, no "while", no ";" between) whose words say which way it went; None when
    they say neither or both (a share, "40% of them", is no change)."""
    up, down = _directions()
    _, _, contrast, _ = _level_words()
    amounts = find_amounts(sentence)
    for c in amounts:
        if not c.percent or c.start < level.end:
            continue
        gap = sentence[level.end:c.start]
        if (len(gap) > _LEVEL_DISTANCE or ";" in gap or contrast.search(gap)
                or any(level.end <= o.start < c.start for o in amounts if o is not level)):
            return None
        told = sentence[level.end:c.end + _CHANGE_AFTER]
        ups, downs = bool(up.search(told)), bool(down.search(told))
        if ups == downs:
            return None
        # the year it is measured against: a base or a start ("than in 2022", "since 2022", "2022 жылмен
        # салыстырғанда"), never a deadline ("by 2030")
        before, after = year_role_words("base", "start")
        bases = [d for d in find_dates(told) if d.month is None
                 and (before.search(told[:d.start]) or after.match(told, d.end))]
        base = dataclasses.replace(bases[0], start=bases[0].start + level.end, end=bases[0].end + level.end) \
            if bases else None
        return c, "+" if ups else "−", base, base is None and bool(PREVIOUS_YEAR_RE.search(told))
    return None


def _with_change(slot: Slot, sentence: str, language: str) -> Slot:
    """``slot`` with the rate by which its figure changed, where the sentence says so (:func:`_change_of`):
    "57 млн АҚШ доллары (2022 жылмен салыстырғанда +35 %)". A figure stated without "35% more than in 2022"
    drops half of what the source says; a slot that already states a rate (the change asked for, with the
    level it reached) is left as it is."""
    if len([v for v in slot.values if v[0] == "amount"]) != 1:
        return slot
    _, _, start, end = next(v for v in slot.values if v[0] == "amount")
    level = next((a for a in find_amounts(sentence) + find_counted_words(sentence)
                  if (a.start, a.end) == (start, end)), None)
    if level is None or level.is_change:
        return slot
    found = _change_of(sentence, level)
    if found is None:
        return slot
    change, sign, base, previous = found
    rate = f"{sign}{format_amount(dataclasses.replace(change, qualifier=None), language)}"
    values = [("amount", rate, change.start, change.end)]
    if base is not None:
        year = message("change_base_year", language, year=base.year)
        values.append(("date", year, base.start, base.end))
    else:
        year = message("change_base_previous", language) if previous else None
    text = (message("amount_change", language, amount=slot.text, change=rate, base=year) if year
            else message("amount_change_alone", language, amount=slot.text, change=rate))
    return Slot(text, slot.values + tuple(values))


@lru_cache(maxsize=1)
def _level_words() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """(the words right before a level reached, those right after it, the contrast words, the words right
    before a starting sum): measures.json."""
    data = load("measures.json")["levels"]
    return (re.compile(rf"(?<![^\W\d_])(?:{alternation(data['before_sum'])})\s*$", re.I),
            re.compile(rf"[^\W\d_]*\s*(?:{alternation(data['after_sum'])})(?![^\W\d_])", re.I),
            re.compile(rf"(?<![^\W\d_])(?:{alternation(data['contrast'])})(?![^\W\d_])", re.I),
            re.compile(rf"(?<![^\W\d_])(?:{alternation(data['from_sum'])})\s*$", re.I))


def _new_persons(sentence: str, constraints: Constraints, names: NameTable | None) -> list[tuple[int, int, str]]:
    asked = [n.surface for n in constraints.named if n.kind == "name"]
    return [p for p in corpus_persons(sentence, names) if not any(knowledge.same_name(p[2], a) for a in asked)]


def _holders(sentence: str, constraints: Constraints, names: NameTable | None) -> list[tuple[int, int, str]]:
    """The persons a sentence offers for a who-question; for "who is the <post>?", only those the sentence
    gives that post (the president it names is no answer to "who is the ambassador")."""
    persons = _new_persons(sentence, constraints, names)
    if constraints.described:
        # "Who received the Kazakh vice minister?": the Kazakh vice minister the sentence names is not who
        # received him
        persons = [p for p in persons if not _is_described(sentence, p, constraints.described)
                   and not any(knowledge.same_name(p[2], n) for n in constraints.described_names)]
    if constraints.post is None:
        return persons
    title, country = constraints.post
    held = []
    for p in persons:
        m = _post_mention(sentence, p[0], p[1])
        if m is not None and m.id == title:
            # "Bulgaria's Ambassador" is no answer to "who is Kazakhstan's ambassador"
            theirs = post_country(sentence, m, (p[0], p[1]))
            if country is None or theirs is None or theirs == country:
                held.append(p)
    return held


def _is_described(sentence: str, person: tuple[int, int, str], described: tuple[tuple[str, str], ...]) -> bool:
    """Whether the sentence gives ``person`` one of the (title, country) posts of ``described``."""
    title = _post_mention(sentence, person[0], person[1])
    return title is not None and any(title.id == t and _side(sentence, person[0], person[1]) == c
                                     for t, c in described)


def restates_only(sentence: str, constraints: Constraints) -> bool:
    """Whether a sentence says nothing the question does not: no figure, no date, and no known thing or
    name beyond those the question names (the dateline sentence that repeats the question's names)."""
    if find_amounts(sentence):
        return False
    asked = {(n.kind, n.id) for n in constraints.named}
    for m in evidence_of(sentence).mentions:
        if m.kind in ("area", "document", "organisation", "title") or (m.kind, m.id) not in asked:
            if not (m.kind == "country" and m.id == "KZ"):
                return False
    asked_names = [n.surface for n in constraints.named if n.kind == "name"]
    words = [w for w in evidence_of(sentence).words if not knowledge.month_number(w)]
    return all(any(knowledge.same_name(w, a) for a in asked_names) for w in words) and len(sentence.split()) < 40


def _typed(pool: list[Candidate], kind: str, constraints: Constraints, names: NameTable | None,
           bonus: float) -> list[Candidate]:
    """``pool`` re-ranked by whether each sentence answers the asked type (``bonus`` up or down)."""
    if bonus <= 0:
        return pool
    rescored = []
    for c in pool:
        if kind == OPEN:
            delta = -bonus if restates_only(c.text, constraints) else 0.0
        else:
            delta = bonus if offered(kind, c.text, constraints, names) else -bonus
        rescored.append(dataclasses.replace(c, score=c.score + delta))
    return sorted(rescored, key=lambda c: -c.score)


# The generic encounter: "a meeting" may be a visit's talks or a commission's session ("the 10th meeting
# of the Intergovernmental Commission"), so it is never another event than the one asked about.
_ANY_EVENT = "meeting"


def _asks_only_of(question: str, constraints: Constraints) -> bool:
    """Whether every content word of ``question`` is in a person it names ("Who is Roman Vassilenko?",
    "Кой е Роман Василенко?"): a who-question that names nothing else asks who that person is."""
    # the words of the names as the question writes them: "Roman" of "Roman Vassilenko" is a word the corpus
    # also writes in lower case, so the name constraint keeps only "Vassilenko"
    written = {w.lower() for _, _, run in knowledge.capitalised_runs(question, min_words=1) for w in run.split()}
    words = content_words(question)
    return any(n.kind == "name" for n in constraints.named) and bool(words) and all(w in written for w in words)


def _names_a_person(sentence: str, constraints: Constraints) -> bool:
    """Whether ``sentence`` names a person the question names: "Tokayev arrived in New York for the UN
    session" is his visit's sentence, whatever event it names."""
    evidence = evidence_of(sentence)
    return any(n.kind == "name" and is_mentioned(n, evidence) for n in constraints.named)


def _only_other_events(sentence: str, event: str) -> bool:
    """Whether ``sentence`` names events and every one is of another kind than ``event`` (a session's
    date is not a visit's); a meeting is of every kind."""
    families = {f for _, f in events_named(sentence)}
    return bool(families) and event != _ANY_EVENT and event not in families and _ANY_EVENT not in families


def _first(chosen: list[Candidate], pool: list[Candidate]) -> list[Candidate]:
    """``pool`` with ``chosen`` (some of its candidates, in their order) moved to its front."""
    return chosen + [c for c in pool if c not in chosen]


def _after_lead(pool: list[Candidate], penalty: float) -> list[Candidate]:
    """``pool`` with ``penalty`` taken from each article's first sentence when another sentence of that
    article is in the pool: the dateline lead says who met whom, where and when; an open question asks what
    was said or done, which the lead seldom holds."""
    if penalty <= 0:
        return pool
    docs = [c.doc for c in pool]
    rescored = [dataclasses.replace(c, score=c.score - penalty)
                if c.passage.article_sentences and c.text.strip() == c.passage.article_sentences[0].strip()
                and docs.count(c.doc) > 1 else c for c in pool]
    return sorted(rescored, key=lambda c: -c.score)


# Words are compared by their first letters: Russian, Bulgarian and Kazakh inflect by their endings, so
# "жоспарын" and "жоспары", "обсудили" and "обсуждение" share their start (truncation stemming: Snowball
# has no Kazakh or Bulgarian stemmer, and one cut serves all four languages alike). A shorter word is a
# stem of its own: "план" matches "плана", "plan" matches "plans".
FOCUS_PREFIX = 5


def _stem(word: str) -> str:
    return word[:FOCUS_PREFIX]


def _holds_stem(stem: str, stems: frozenset[str]) -> bool:
    return stem in stems if len(stem) >= FOCUS_PREFIX else any(s.startswith(stem) for s in stems)


def focus_stems(question: str, names: NameTable | None = None) -> frozenset[str]:
    """What an open question asks about beyond whom and where: the stems of its content words outside
    the countries, places, titles and persons it names ("which plan of Italy did Tokayev support" → plan, support).
    The grounding checks already hold the evidence to the names; these words say which of its sentences
    answers."""
    spans = [(m.start, m.end) for m in knowledge.entities_in(question) if m.kind in ("country", "city", "title")]
    spans += [(start, end) for start, end, _ in person_names(question, names)]
    rest = "".join(" " if any(a <= i < b for a, b in spans) else ch for i, ch in enumerate(question))
    return frozenset(_stem(w) for w in content_words(rest))


def _focus_ranked(pool: list[Candidate], stems: frozenset[str], bonus: float) -> list[Candidate]:
    """``pool`` with ``bonus`` × the share of the question's focus stems that each sentence holds: of the
    sentences of the right article, the one that uses the question's own words for what is asked ("plan",
    "exhibition", "in common") is the one that answers it, not the one that only shares its names."""
    if not stems or bonus <= 0:
        return pool
    rescored = []
    for c in pool:
        own = frozenset(_stem(w) for w in content_words(c.text))  # its stopwords share no focus ("между")
        rescored.append(dataclasses.replace(c, score=c.score + bonus * sum(_holds_stem(s, own) for s in stems)
                                            / len(stems)))
    return sorted(rescored, key=lambda c: -c.score)


# --- stating the value -------------------------------------------------------------------------------


def _anchor_positions(question: str, sentence: str, constraints: Constraints) -> list[int]:
    """Where the sentence mentions what the question names: a year it asks about (or "the previous year"
    when that is how the sentence names it), the word that names the next event when the question asks of the
    next one, else its names and places (matched across scripts)."""
    asked_years = set(YEAR_RE.findall(question))
    if asked_years:
        named = [m.start() for m in YEAR_RE.finditer(sentence) if m.group(0) in asked_years]
        if named:
            return named
        if asked_years & (years_mentioned(sentence) - set(YEAR_RE.findall(sentence))):
            return [m.start() for m in PREVIOUS_YEAR_RE.finditer(sentence)]
    if constraints.next_event:
        # "when is the next forum": the value beside "the next … Forum", not that of this year's other event
        nexts = [m.start for m in knowledge.find_terms(sentence, "upcoming")]
        if nexts:
            return nexts
    evidence = evidence_of(sentence)
    asked = {(n.kind, n.id) for n in constraints.named}
    asked_countries = {n.id for n in constraints.named if n.kind == "country"}
    anchors = [m.start for m in evidence.mentions if (m.kind, m.id) in asked or (m.country and m.country in asked_countries)]
    persons = [n.surface for n in constraints.named if n.kind == "name"]
    for m in re.finditer(r"[^\W\d_][\w'’-]*", sentence):
        if m.group(0)[0].isupper() and any(knowledge.same_name(m.group(0), p) for p in persons):
            anchors.append(m.start())
    return sorted(anchors)


def _clause(sentence: str, pos: int) -> int:
    """The clause of ``sentence`` that ``pos`` is in: the commas, semicolons and dashes before it (a dash
    between spaces: "Kazakhstan–Finland" is one word)."""
    return len(re.findall(r"[,;]|\s[–—]|[–—]\s", sentence[:pos]))


def _closest(items: list, anchors: list[int], start_of, sentence: str = "") -> object:
    """The item nearest to an anchor, preferring one in the same clause ("…, while the Albanian side
    was headed by X" names the Albanian's head after the comma)."""
    if not anchors or len(items) == 1:
        return items[0]

    def distance(item: object) -> float:
        pos = start_of(item)
        return min(abs(pos - a) + (0 if _clause(sentence, pos) == _clause(sentence, a) else 1000) for a in anchors)

    return min(items, key=distance)


def person_in_language(surface: str, language: str, names: NameTable | None) -> str:
    """A person's name as ``language`` writes it: a form the corpus uses in that language, else a
    transliteration (Latin ↔ the Cyrillic of ru/bg/kk)."""
    known = names.lookup(surface) if names is not None else None
    if known is not None:
        shown = known.display(language)
        if shown:
            return shown
    latin = all(ord(ch) < 0x250 for ch in surface if ch.isalpha())
    if language == "en":
        return surface if latin else knowledge.transliterate(surface, "en")
    return knowledge.transliterate(surface, language) if latin else surface


def _kazakh_title(surface: str) -> bool:
    """Whether a title is written in Kazakh: a Kazakh letter, or the possessive ending a Kazakh title takes
    before its holder's name ("Президенті", "министрі", "Елшісі"; Russian and Bulgarian titles end otherwise)."""
    return has_kazakh_letters(surface) or surface[-1:].lower() in ("і", "ы")


@lru_cache(maxsize=1)
def _uncounted_words() -> frozenset[str]:
    return all_stopwords() | state_form_words()


def _gap_words(gap: str, offset: int, mentions: Sequence[Mention]) -> int:
    """The words of ``gap`` (at ``offset`` of its sentence), a country, city or organisation it names
    counting as one, stopwords and the words of a state's formal name as none: "Вице-министр торговли и
    интеграции Республики Казахстан Айдар Абилдаев" has three words between the title and the name, "Deputy
    Minister of Trade and Integration of the Republic of Kazakhstan Aidar Serikov" as many."""
    words = len([w for w in gap.split() if w.lower() not in _uncounted_words()])
    for m in mentions:
        if m.kind in ("country", "city", "organisation") and offset <= m.start and m.end <= offset + len(gap):
            words -= max(0, len(gap[m.start - offset:m.end - offset].split()) - 1)
    return words


def _post_mention(sentence: str, start: int, end: int) -> Mention | None:
    """The title a sentence gives the person at ``start:end``: the one next to the name, in the same clause."""
    best = None
    mentions = evidence_of(sentence).mentions
    for m in mentions:
        if m.kind != "title":
            continue
        gap = sentence[m.end:start] if m.end <= start else sentence[end:m.start]
        lo = m.end if m.end <= start else end
        # a title is the person's when at most a few words stand between ("Посол Казахстана Тимур Уразаев",
        # "Bulgaria's Ambassador to Kazakhstan Boyan Hadjiev"), not a clause ("Президент Албании, в свою
        # очередь, выразил признательность Токаеву"); one after the name is set off from it ("Vladimir
        # Yovichich, Director of…"), else it is the next person's ("Tokayev received Russian Foreign Minister…")
        # Before the name, the words between belong to the title only when no comma ends it ("EU Special
        # Representative for Human Rights Eamon Gilmore, Vassilenko…") and, in English, whose complements are
        # capitalised, no other word than a stopword stands there ("The Russian minister thanked Tokayev").
        after = m.start >= end
        if not after and gap.strip() and _kazakh_title(m.surface):
            # Kazakh titles are head-final: what they are of comes before them ("Италия Президенті"), so a
            # name follows its title at once; words between mean another clause ("Италия Президенті осы
            # қолдау үшін Қасым-Жомарт Тоқаевқа ризашылығын жеткізді": the President of Italy thanked Tokayev)
            continue
        if (len(gap) <= 60 and _gap_words(gap, lo, mentions) <= (6 if COMPLEMENT.match(gap) else 4)
                and not (after and not re.match(r"\s*[,(–—-]", gap))
                and not (not after and ("," in gap or english_verb_between(gap)))
                and not re.search(r"[;.]", gap) and not joins_another(gap)):
            distance = abs(m.end - start) if m.end <= start else abs(m.start - end)
            if best is None or distance < best[0]:
                best = (distance, m)
    return None if best is None else best[1]


def _side(sentence: str, start: int, end: int) -> str | None:
    """The country the person at ``start:end`` stands for: their post's (:func:`post_country`), else the
    side their clause names that no other title claims ("Roman Vassilenko led the Kazakh delegation, while
    the Albanian side was headed by…"; not a country they only speak of: "praised Kazakh reforms")."""
    title = _post_mention(sentence, start, end)
    country = post_country(sentence, title, (start, end)) if title is not None else None
    if country:
        return country
    mentions = evidence_of(sentence).mentions
    claimed = {post_country(sentence, t) for t in mentions if t.kind == "title" and t != title}

    own = _clause(sentence, start)
    free = [m for m in mentions if m.kind == "country" and m.id not in claimed and _clause(sentence, m.start) == own
            and not (start <= m.start < end) and names_a_side(sentence, m)]
    return min(free, key=lambda m: abs(m.start - start)).id if free else None


def _holder_of(sentence: str, title: Mention, names: NameTable | None) -> tuple[int, int] | None:
    """The span of the person whose title ``title`` is (:func:`_post_mention`), or None."""
    return next(((start, end) for start, end, _ in corpus_persons(sentence, names)
                 if _post_mention(sentence, start, end) == title), None)


def _post_of(sentence: str, start: int, end: int, language: str, names: NameTable | None = None) -> str | None:
    """The post a sentence gives the person at ``start:end``, in ``language``, with the country it is of."""
    title = _post_mention(sentence, start, end)
    if title is None:
        return None
    return _post_text(sentence, title, (start, end), language, names)


def _post_text(sentence: str, title: Mention, person: tuple[int, int] | None, language: str,
               names: NameTable | None = None) -> str:
    """A title stated in ``language`` with what the sentence says it is of, each by its name in that
    language: the body ("President (European Council)") and the country, when the sentence names them right
    beside the title ("Bulgarian Ambassador", "посланика на България", "State Secretary of the Ministry of
    Foreign Affairs of the Slovak Republic")."""
    post = knowledge.term_name("title", title.id, language)
    body = post_body(sentence, title, person)
    country = post_country(sentence, title, person)
    complement = _complement(sentence, title, person, body, country, language, names)
    if complement:
        post = f"{post} {complement}"
    of = ([knowledge.term_name("organisation", body.id, language)] if body is not None else []) + (
        [knowledge.country_name(country, language)] if country else [])
    return f"{post} ({', '.join(of)})" if of else post


# Where a title's own complement ends: before the body's or the place's preposition ("… of Russia and
# Eurasia at the Serbian Ministry", "… за Русия в МВнР", "Ambassador … to Kazakhstan").
_COMPLEMENT_END = re.compile(r"\s(?:at|in|to|with|from|в|във|към|при|с|със|от)\s|[,;:()«»“”\"–—]|\s-\s|\.(?:\s|$)")
_COMPLEMENT_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _complement(sentence: str, title: Mention, person: tuple[int, int] | None, body: Mention | None,
                country: str | None, language: str, names: NameTable | None = None) -> str:
    """What a title is of, in the sentence's own words, when the sentence is in ``language`` and the
    lexicon's title does not say it: "Director of the Department" + "of Russia and Eurasia", "Special
    Representative" + "for Human Rights". It ends before the body, the post's country, any person's name
    and a preposition of place; words left dangling there ("of the", "of the Republic") go too. Nothing
    when it is only the post's body or country, which are stated anyway ("Minister of Foreign Affairs of
    the Republic of Peru" is "Minister of Foreign Affairs (Peru)"), or when the sentence is in another
    language (no word is translated that the lexicons do not hold)."""
    opening = COMPLEMENT.match(sentence, title.end)
    if opening is None:
        return ""
    stops = [len(sentence)]
    end_match = _COMPLEMENT_END.search(sentence, opening.end())
    stops += [end_match.start()] if end_match else []
    stops += [body.start] if body is not None and body.start >= title.end else []
    stops += [person[0]] if person is not None and person[0] >= opening.end() else []
    stops += [s for s, _, _ in person_names(sentence, names) if s >= opening.end()]
    stops += [m.start for m in evidence_of(sentence).mentions
              if m.kind == "country" and m.id == country and m.start >= opening.end()]
    end = min(stops)
    words = list(_COMPLEMENT_WORD.finditer(sentence, title.end, end))
    dangling = _uncounted_words()
    while words and words[-1].group(0).lower() in dangling:  # "… of the", "… of the Republic of"
        words.pop()
    if len(words) < 2:
        return ""
    text = sentence[title.end:words[-1].end()].strip()
    if len(text) > 60 or english_verb_between(text) or detect_language(sentence).code != language:
        return ""
    mentions = [m for m in evidence_of(sentence).mentions
                if (m.kind == "country" and m.id == country) or (body is not None and (m.kind, m.id) == (body.kind, body.id))]
    own = [w for w in words if w.group(0).lower() not in dangling
           and not any(m.start <= w.start() < m.end for m in mentions)]
    return text if own else ""


@dataclass(frozen=True)
class Slot:
    """The short answer: its text in the question's language and the values it restates, with spans."""

    text: str
    values: tuple[tuple[str, str, int, int], ...]  # (type, stated value, start, end in the sentence)


def short_answer(kind: str, question: str, sentence: str, language: str, constraints: Constraints | None = None,
                 names: NameTable | None = None, date: str | None = None) -> Slot | None:
    """The value the question asks for, read from ``sentence`` and stated in ``language`` (``date``: the
    article's, whose year completes a day and month written without one)."""
    constraints = constraints or question_constraints(question, language, names)
    anchors = _anchor_positions(question, sentence, constraints)
    if kind == "when":
        dates = find_dates_in_year(sentence, int(date[:4]) if date else None)
        if not dates:
            return None
        # the date nearest to what the question names; among equals the most precise
        ranked = sorted(dates, key=lambda d: -d.precision)
        d = _closest(ranked, anchors, lambda d: d.start, sentence)
        text = format_date_mention(d, language)
        return Slot(text, (("date", text, d.start, d.end),))
    if kind == "amount":
        amounts = measured_amounts(sentence, constraints.measure, constraints.quantities, constraints.counted,
                                   constraints.counts)
        if not amounts:
            return None
        if constraints.measure == "percent" and any(a.is_change for a in amounts):
            pool = [a for a in amounts if a.is_change]
        else:
            pool = [a for a in amounts if a.is_money or a.scale] or [a for a in amounts if not a.is_change] or amounts
        # the asked year, where the sentence names it, pins the figure best ("the previous year's $95.2
        # million" for 2023); else what the figure is of: "exports grew elevenfold, …, and imports rose 5.5%"
        # answers an export question with the first
        if not constraints.years & years_mentioned(sentence):
            anchors = quantity_positions(sentence, constraints.quantities) or anchors
        a = _closest(pool, anchors, lambda a: a.start, sentence)
        text = format_amount(a, language)
        values = [("amount", text, a.start, a.end)]
        level = _level_reached(sentence, a, amounts) if a.is_change else None
        if level is not None:
            # "up 86.5% to $7.8 million": the change and the level it reached, as the source gives both
            reached = format_amount(level, language)
            values.append(("amount", reached, level.start, level.end))
            text = message("amount_reached", language, change=text, level=reached)
        year = None if constraints.years else _figure_year(sentence, a)
        if year is not None:
            # "$375.2 million in 2024": a trade figure without its year is not the whole fact
            when = format_date_mention(year, language)
            when = when[:1].lower() + when[1:]
            values.append(("date", when, year.start, year.end))
            text = message("amount_in", language, amount=text, when=when)
        return Slot(text, tuple(values))
    if kind == "who":
        persons = _holders(sentence, constraints, names)
        if not persons:
            return None
        if constraints.side:
            # "who led the Kazakh delegation": of the two heads the sentence names, the Kazakh one
            persons = [p for p in persons if _side(sentence, p[0], p[1]) == constraints.side] or persons
        if constraints.described:
            # "who received the Kazakh vice minister": his host, not the Kazakh ambassador beside him
            persons = [p for p in persons if _side(sentence, p[0], p[1]) not in constraints.described_sides] or persons
        start, end, surface = _closest(persons, anchors, lambda n: n[0], sentence)
        name = person_in_language(surface, language, names)
        values = [("person", name, start, end)]
        post = _post_of(sentence, start, end, language, names)
        if post:
            values.append(("post", post, start, end))
            name = f"{name}, {post}"
        return Slot(name, tuple(values))
    if kind in SLOT_KINDS:
        found = offered(kind, sentence, constraints, names)
        if not found:
            return None
        if kind == "post":
            # "Who is Alibek Sarsenov?": the title he holds, not the nearest one (that of the person he met)
            held = [m for m in found if (h := _holder_of(sentence, m, names)) and any(h[0] <= a < h[1] for a in anchors)]
            found = held or found
        if kind == "areas" or asks_many(question, kind):
            # "какие порты": every such value of the sentence, each once, in its order
            seen: dict[str, object] = {}
            for m in sorted(found, key=lambda m: m.start):
                seen.setdefault(m.id, m)
            chosen = list(seen.values())[:DIGEST_MAX]
        else:
            chosen = [_closest(found, anchors, lambda m: m.start, sentence)]
        named = [(m, _post_text(sentence, m, _holder_of(sentence, m, names), language, names) if kind == "post"
                  # a venue no data knows is named as the source writes it (Latin script: see named_venues)
                  else venue_display(m, language) if m.kind == "venue" else knowledge.term_name(m.kind, m.id, language))
                 for m in chosen]
        spans = [(name, m.start, m.end) for m, name in named]
        if kind == "document":
            spans = [_with_period(v, sentence, language, [m.start for m in found]) for v in spans]
        names_listed = ", ".join(name for name, _, _ in spans)
        text = _labelled(kind, len(spans), language, names_listed[:1].upper() + names_listed[1:])
        return Slot(text, tuple((kind, name, start, end) for name, start, end in spans))
    return None


# --- refusal ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gaps:
    """What the question names that a candidate's evidence does not mention."""

    named: tuple[str, ...] = ()  # years, numbers, places, persons, organisations (labels in the answer language)
    visits: tuple[str, ...] = ()  # countries the question asks about a visit to, placed nowhere in the passage
    # the cities the article places its event in, when the question places it in another (venue_gaps)
    venues: tuple[str, ...] = ()
    unplaced: tuple[str, ...] = ()  # the cities the question places its event in, placed nowhere in the article
    acts: tuple[str, ...] = ()  # what the question asks was done (entry into force…), reported nowhere near
    apart: bool = False  # every one of ``named`` is in the article, but never in one event

    def __bool__(self) -> bool:
        return bool(self.named or self.visits or self.venues or self.unplaced or self.acts)


def _passage_gaps(constraints: Constraints, passage: Passage, language: str, window: int,
                  lead: int = LEAD_SENTENCES, names: NameTable | None = None, clause_check: bool = False,
                  venue_check: bool = False, placed_check: bool = False, trip_check: bool = False,
                  visited_check: bool = False) -> Gaps:
    """What the question names must all be in one event of the passage's article
    (:func:`missing_in_event`). A visit abroad that the question asks about must be placed there by
    the passage. With ``venue_check``, an article that places its event in another city than the
    question does, and nothing in the question's, does not answer; with ``placed_check`` too, one that
    places nothing in the question's city (:func:`venue_gaps`)."""
    chunk = passage.hit.chunk
    text = _passage_text(passage)
    missing = missing_in_event(constraints, chunk.title, passage.article_sentences, text, window, lead, names,
                               clause_check, trip_check)
    venues, unplaced = (venue_gaps(constraints.venues, chunk.title, passage.article_sentences, lead, placed_check,
                                   constraints.sent_to, visited_check)
                        if venue_check else (set(), set()))
    article = evidence_of(" ".join((chunk.title,) + passage.article_sentences))
    apart = (len(missing) >= 2 and all(is_mentioned(n, article) for n in missing)
             and any(is_mentioned(n, evidence_of(text)) for n in missing))  # (a passage about them, not another)
    return Gaps(tuple(n.label(language) for n in missing),
                tuple(missing_destinations(constraints.destinations, text, chunk.language)), tuple(sorted(venues)),
                tuple(sorted(unplaced)), apart=apart)


def _sentence_time(c: Candidate) -> set[str]:
    """The years a candidate sentence tells of: those it names; naming none, those of the sentence before it
    ("… trade of $375.2 million in 2024. Exports grew elevenfold …") and its article's date; nothing (any
    year) in an undated article."""
    if YEAR_RE.search(c.text):
        return years_mentioned(c.text)
    sentences = c.passage.article_sentences
    before = sentences[sentences.index(c.text) - 1] if c.text in sentences[1:] else ""
    return years_mentioned(c.text, c.passage.hit.chunk.date) | years_mentioned(before)


def _gaps(constraints: Constraints, kind: str, c: Candidate, passage: Gaps, language: str = "",
          names: NameTable | None = None, clause_check: bool = False, act_check: bool = False) -> Gaps:
    """What the question names that this candidate's evidence does not mention.

    Numbers may stand anywhere in the article; a year must be the sentence's own: "trade in 2021" is not
    answered by a sentence about trade in 2023 in an article that mentions 2021 elsewhere (for a figure,
    whatever the question; for anything else, when the sentence names no year of its own). A sentence naming
    no year tells of the year of the sentence before it and of its article's date (an undated article's, of
    any year it mentions); a year it names only relatively, "the previous year's", counts for it alone.
    """
    sentence_years = years_mentioned(c.text)
    implied = sentence_years - set(YEAR_RE.findall(c.text))
    missing = [m for m in missing_facts(constraints, c.passage.article_text, c.passage.hit.chunk.date)
               if m not in implied]
    if constraints.years and not missing and (kind == "amount" or not YEAR_RE.search(c.text)):
        # the sentence's time is the years it names, or, naming none, _sentence_time's ("the signing" of
        # a 2024 report is no answer to "what was signed in 2022", though the report mentions 2022's trade).
        # Only a figure is held to the years its sentence names: another question's year may be that of the
        # event the sentence looks ahead from ("planned for 2024", said at a meeting in October 2023)
        own = _sentence_time(c)
        if own and not constraints.years & own:
            missing = sorted(constraints.years)  # the sentence tells of another year
    named = passage.named
    if clause_check:  # the sentence's clauses tell one event, or one that is not the asked one
        named += tuple(label for label in (n.label(language) for n in split_across_clauses(constraints, c.text, names))
                       if label not in named)
    return Gaps(tuple(missing) + named, passage.visits, passage.venues, passage.unplaced,
                _missing_acts(constraints, c, language) if act_check else (),
                passage.apart and not missing and named == passage.named)


def _missing_acts(constraints: Constraints, c: Candidate, language: str) -> tuple[str, ...]:
    """The acts the question asks about (a treaty's entry into force, a visit's postponement), when the
    candidate sentence and its neighbours report none of them: the sentence of a treaty's signing does not
    say when it enters into force, nor why it was terminated."""
    if not constraints.acts:
        return ()
    sentences = c.passage.article_sentences
    at = sentences.index(c.text) if c.text in sentences else None
    near = " ".join(sentences[max(0, at - 1):at + 2]) if at is not None else c.text
    if constraints.acts & acts_named(near):
        return ()
    return tuple(knowledge.term_name("act", act, language) for act in sorted(constraints.acts))


def _gaps_reason(language: str, gaps: Gaps, others: list[Gaps] = (), asked_venues: frozenset[str] = frozenset()) -> str:
    """Why the closest evidence does not answer, in ``language``: what it lacks, or, when other evidence
    has what it lacks but lacks what it has, that the two are never named in one event (Radev and
    Begaj)."""
    for other in others:
        has = [n for n in gaps.named if n not in other.named]  # in the other evidence, not in this one
        lacks = [n for n in other.named if n not in gaps.named]
        if has and lacks:
            return message("refusal_reason_not_together", language, first=lacks[0], second=has[0])
    apart = list(dict.fromkeys(gaps.named))
    if gaps.apart and len(apart) >= 2:  # "Setiadi and Surabaya": both in the article, in two of its meetings
        return message("refusal_reason_not_together", language, first=apart[0], second=apart[1])
    if gaps.named:
        return message("refusal_reason_missing", language, what=", ".join(dict.fromkeys(gaps.named)))
    if gaps.acts:
        return message("refusal_reason_no_act", language, act=", ".join(gaps.acts))
    if gaps.venues:
        there = ", ".join(knowledge.city_name(c, language) for c in gaps.venues)
        asked = ", ".join(knowledge.city_name(c, language) for c in sorted(asked_venues))
        return message("refusal_reason_other_venue", language, there=there, asked=asked)
    if gaps.unplaced:
        return message("refusal_reason_not_placed", language,
                       place=", ".join(knowledge.city_name(c, language) for c in gaps.unplaced))
    return message("refusal_reason_no_visit", language, place=knowledge.country_name(gaps.visits[0], language))


def _refusal(question: str, language: str, passages: list[Passage], reason: str,
             confidence: float | None) -> Answer:
    text = f"{message('refusal', language)} {reason}".strip()
    return Answer(question, language, text, "extractive", True, [], passages, confidence=confidence)


# --- twins and second quotes ---------------------------------------------------------------------------


def _same_statement(a: Candidate, b: Candidate, similarity: float) -> bool:
    """Whether two sentences say the same thing (a quote of both would repeat itself)."""
    if a.vector is None or b.vector is None:
        return a.text == b.text
    return float(a.vector @ b.vector) >= similarity


def _twin(evidence: Candidate, pool: list[Candidate], language: str, similarity: float = 0.80,
          slack: float = 0.03) -> Candidate | None:
    """A sentence in ``language`` among ``pool`` that states what ``evidence`` states.

    Similar is not enough: the lead sentences of two reports of one meeting look alike ("signed a joint
    statement" / "held talks"), so a twin must also answer the question about as well as the evidence.
    """
    same_language = [c for c in pool if c.language == language and c.row != evidence.row
                     and c.score >= evidence.score - slack and c.vector is not None]
    if not same_language or evidence.vector is None:
        return None
    sims = np.stack([c.vector for c in same_language]) @ evidence.vector
    best = int(np.argmax(sims))
    return same_language[best] if sims[best] >= similarity else None


# --- the answerer ----------------------------------------------------------------------------------------


def answer_extractive(settings: Settings, question: str, language: str, passages: list[Passage],
                      context: Context | None = None) -> Answer:
    """Answer from the passages' evidence sentences, or refuse when they do not answer."""
    context = context or Context()
    constraints = question_constraints(question, language, context.names, context.common)
    # "and when is the next one?": the next event of a series has its own year and city, not the conversation's
    upcoming = settings.next_event_first and constraints.next_event
    if context.carried:
        have = {(n.kind, n.id) for n in constraints.named}
        constraints = dataclasses.replace(constraints, named=constraints.named + tuple(
            n for n in context.carried if (n.kind, n.id) not in have and not (upcoming and n.kind == "city")))
    if context.years and not constraints.years and not upcoming:
        constraints = dataclasses.replace(constraints, years=context.years)
    if context.venues and not constraints.venues and not upcoming:
        constraints = dataclasses.replace(constraints, venues=context.venues)
    if not settings.described_other:
        constraints = dataclasses.replace(constraints, described=())
    kind = question_kind(question)
    if kind == "who" and constraints.post is None and _asks_only_of(question, constraints):
        # "Кто такой Роман Василенко?" asks what he is, not who else is in his sentence
        kind = "post"
    also = asked_types(question)[1:]  # "where and when": a second value, from the same article
    pool = candidates(passages[:settings.answer_passages], settings.sentence_weight)
    pool = _prefer_named(pool, constraints, settings.name_bonus)
    if not pool:
        return _refusal(question, language, passages, message("refusal_reason_weak", language), None)
    if kind == "who" and context.subject and not constraints.described and not constraints.post:
        # "А с кем он там встретился?": "он" is the earlier turn's subject, so he is no answer
        constraints = dataclasses.replace(constraints, described=context.subject)
    if constraints.described:
        # the person a sentence gives the described post ("Вице-министр … Казахстан Айдар Абилдаев", the
        # dateline) is the one described wherever else the passages name him ("… где его принял вице-губернатор")
        found = {p[2] for c in pool for p in corpus_persons(c.text, context.names)
                 if _is_described(c.text, p, constraints.described)}
        constraints = dataclasses.replace(constraints, described_names=tuple(sorted(found)))

    passage_gaps = {p.n: _passage_gaps(constraints, p, language, settings.event_window, settings.lead_sentences,
                                       context.names, settings.clause_event_check, settings.venue_check,
                                       settings.venue_placed_check, settings.trip_city_check,
                                       settings.venue_visited)
                    for p in {c.passage for c in pool}}
    missing = {c.row: _gaps(constraints, kind, c, passage_gaps[c.passage.n], language, context.names,
                            settings.clause_event_check, settings.act_check) for c in pool}
    grounded = [c for c in pool if not missing[c.row]]
    # sentences of an article whose event is in another city: their dates and places are that event's
    placed_elsewhere = [c for c in pool if missing[c.row] and (missing[c.row].venues or missing[c.row].unplaced)
                        and not (missing[c.row].named or missing[c.row].visits)]
    if not grounded:
        return _refusal(question, language, passages, _gaps_reason(language, missing[pool[0].row],
                                                                   [missing[c.row] for c in pool[1:]],
                                                                   constraints.venues), None)

    if kind == "amount":
        # "how much" is answered only by a sentence that gives a figure of what is asked (a sum for a cost)
        grounded = [c for c in grounded if measured_amounts(c.text, constraints.measure, constraints.quantities,
                                                     constraints.counted, constraints.counts)]
        if per := rates_named(question):
            # "how many students a year": a figure per year, from a sentence that says so, not a stock
            grounded = [c for c in grounded if per & rates_named(c.text)]
        if constraints.quantities:
            # a sentence that names what the figure is of beats one that may only refer to it
            naming = [c for c in grounded if constraints.quantities & quantities_named(c.text)]
            grounded = naming or grounded
        if not grounded:
            return _refusal(question, language, passages, message("refusal_reason_no_figure", language), None)
        if constraints.years:
            # a figure in a sentence that names the asked year beats one whose year is only the article's
            near = [c for c in grounded if c.score >= grounded[0].score - settings.fact_slack]
            explicit = [c for c in near if constraints.years & years_mentioned(c.text)]
            if explicit:
                grounded = explicit + [c for c in grounded if c not in explicit]

    if kind == "who" and constraints.post:
        # "who is the ambassador" is answered only by a sentence that gives somebody that post
        grounded = [c for c in grounded if _holders(c.text, constraints, context.names)]
        if not grounded:
            return _refusal(question, language, passages, message("refusal_reason_no_holder", language), None)

    best = grounded[0]
    if best.score < settings.refusal_min_score:
        return _refusal(question, language, passages, message("refusal_reason_weak", language), best.score)
    grounded = _typed(grounded, kind, constraints, context.names, settings.answer_type_bonus)
    if kind == OPEN:
        grounded = _focus_ranked(grounded, focus_stems(question, context.names), settings.focus_bonus)
        grounded = _after_lead(grounded, settings.lead_sentence_penalty)
    elif kind in ("when", "where"):
        grounded = _after_lead(grounded, settings.lead_fact_penalty)
    if settings.act_check and constraints.acts:
        # the sentence that reports the asked act ("was postponed to September") is the evidence, before the
        # neighbours that only stand near it (their window passed _missing_acts)
        near = [c for c in grounded if c.score >= grounded[0].score - settings.fact_slack]
        grounded = _first([c for c in near if constraints.acts & acts_named(c.text)], grounded)

    evidence, slot, elsewhere = grounded[0], None, set()
    if kind == OPEN and asks_what_was_discussed(question):
        # "what did they discuss": the topics are the asked-for fact, so the sentence that states them is
        # quoted within the same slack as a date or a figure, not the dateline that names who met (it
        # repeats the question's names, so it scores higher); in the top article, as far down as its values
        top = grounded[0]
        evidence = next((c for c in grounded if states_topics(c.text) and (
            c.score >= top.score - settings.fact_slack
            or (c.doc == top.doc and c.score >= top.score - settings.discussed_article_slack))), evidence)
    if kind in ("when", "where") and (event := asked_event(question, kind)):
        # A date answers "when" about the event it is the date of: "when did Landsbergis visit Astana" is
        # answered by the sentence of his visit, not by the dateline of the meeting the article reports.
        # The dateline's date is no evidence of another event's, so a sentence of the same article that
        # names the event and gives a date comes first even when it scores lower than the slack allows.
        # A place answers "where" in the same way (the dateline's city is the report's, not the session's).
        near = [c for c in grounded if c.score >= grounded[0].score - settings.fact_slack or c.doc == grounded[0].doc]
        naming = [c for c in near if event in {f for _, f in events_named(c.text)}
                  and short_answer(kind, question, c.text, language, constraints, context.names,
                                   c.passage.hit.chunk.date)]
        grounded = _first(naming, grounded)
        # a sentence that names only events of another kind gives their date or place, not this one's
        # ("the session due to be held in Sofia in May" does not date a visit to Sofia)
        elsewhere = {c.row for c in grounded if c not in naming and _only_other_events(c.text, event)
                     and not _names_a_person(c.text, constraints)}
    if upcoming and kind != OPEN:
        # "when is the next session": the sentence that names the next one ("the next round … in the first
        # half of 2026") answers, not the report of the one just held, whose lead repeats the question's names
        # (within the slack a sentence of the top article has for the asked value)
        top = grounded[0]
        near = [c for c in grounded if c.score >= top.score - settings.fact_slack
                or (c.doc == top.doc and c.score >= top.score - settings.article_fact_slack)]
        # (and that gives a value of the asked kind: "the upcoming reform" dates nothing)
        grounded = _first([c for c in near if names_next(c.text)
                           and short_answer(kind, question, c.text, language, constraints, context.names,
                                            c.passage.hit.chunk.date)], grounded)
    if kind in ("when", "where"):
        # a date or place of another event than the one the question's names are in
        elsewhere |= {c.row for c in grounded if away_from_fact(constraints, c.passage.hit.chunk.title,
                                                                c.passage.article_sentences, c.text,
                                                                settings.fact_window, settings.lead_fact_window,
                                                                settings.lead_sentences)}
    if kind == "when" and settings.dateline_place_check:
        # the dateline's date is of the event at the dateline's city, not of one in the city asked about
        elsewhere |= {c.row for c in grounded if dated_elsewhere(constraints, c.text, c.passage.hit.chunk.title)}
    if kind == "where" and settings.dateline_place_check:
        # the dateline's city is where the report was written when the title places the event elsewhere
        elsewhere |= {c.row for c in grounded if venue_elsewhere(c.passage.hit.chunk.title, c.text)}
    if kind != OPEN and constraints.venues:
        # a sentence that tells an event in another city than the asked one gives that event's value ("At the
        # end of the Tokyo meeting … signed a memorandum" is no document of the meeting in Osaka)
        elsewhere |= {c.row for c in grounded if (cities := event_cities(c.text)) and not cities & constraints.venues
                      and not placed_cities(c.text) & constraints.venues}
    if kind == "who" and constraints.described:
        # "Who received the Kazakh vice minister?": the host is of another side than the guest described, so
        # a sentence that offers somebody not of the described side comes before one naming only his own
        # ("The Kazakh ambassador also attended"), within the slack the loop below searches
        top = grounded[0]
        grounded = _first([c for c in grounded if c.score >= top.score - max(settings.fact_slack,
                                                                              settings.article_fact_slack)
                           and any(_side(c.text, p[0], p[1]) not in constraints.described_sides
                                   for p in _holders(c.text, constraints, context.names))
                           # (and names no other city than the one asked: "в Джакарте … встретился" is no
                           # host in Surabaya)
                           and not (constraints.venues and (cities := {m.id for m in evidence_of(c.text).mentions
                                                                       if m.kind == "city"})
                                    and not cities & constraints.venues)], grounded)
    if kind != OPEN:
        top = grounded[0]
        for c in grounded:
            if c.score < top.score - max(settings.fact_slack, settings.article_fact_slack):
                break
            # the top article's own sentences are searched further down: its lead repeats the question's
            # names and so outscores the sentence of that article which holds the asked value
            if c.row in elsewhere or (c.score < top.score - settings.fact_slack and c.doc != top.doc):
                continue
            found_slot = short_answer(kind, question, c.text, language, constraints, context.names,
                                      c.passage.hit.chunk.date)
            if not found_slot:
                continue
            if slot is None:
                slot, evidence = found_slot, c
                if kind != "areas":
                    break
            elif c.doc == evidence.doc and (len(found_slot.values) > len(slot.values) or (
                    len(found_slot.values) == len(slot.values) and tells_discussion(c.text)
                    and not tells_discussion(evidence.text))):
                # "which areas": the sentence of the same article that lists more of them is the list asked
                # for ("the sides discussed e-government, cybersecurity, …"), not one that names one area;
                # as many, the one that says they were discussed, not a trade figure's "trade"
                slot, evidence = found_slot, c
        skipped = [c for c in [c for c in grounded if c.row in elsewhere] + placed_elsewhere
                   if c.score >= grounded[0].score - settings.fact_slack]
        if slot is None and any(short_answer(kind, question, c.text, language, constraints, context.names,
                                             c.passage.hit.chunk.date) for c in skipped):
            # the only dates (places) near enough are another event's: stating one would answer wrongly
            return _refusal(question, language, passages, message(f"refusal_reason_other_event_{kind}" if kind in ("when", "where")
                                                          else "refusal_reason_other_event", language),
                            best.score)

    if slot is None and kind in listed(settings.value_required_kinds):
        # a closed question whose evidence holds no value of its kind is not answered with what the
        # closest sentence says instead ("what did they sign" by the sentence that the visit began)
        return _refusal(question, language, passages, message(f"refusal_reason_no_value_{kind}", language),
                        best.score)

    if evidence.language != language:
        twin = _twin(evidence, grounded, language, settings.twin_similarity, settings.twin_score_slack)
        if twin is not None:
            twin_slot = (short_answer(kind, question, twin.text, language, constraints, context.names,
                                      twin.passage.hit.chunk.date) if slot else None)
            if not slot or (twin_slot and twin_slot.text == slot.text):
                evidence, slot = twin, twin_slot

    if slot is not None and kind == "amount" and settings.amount_change:
        slot = _with_change(slot, evidence.text, language)

    extra: list[tuple[Slot, Candidate]] = []
    if slot:
        near = [evidence] + [c for c in grounded if c.doc == evidence.doc and c.row != evidence.row
                             and c.row not in elsewhere and c.score >= grounded[0].score - settings.fact_slack]
        for other in also:
            found = next(((s, c) for c in near if (s := short_answer(other, question, c.text, language, constraints,
                                                                     context.names, c.passage.hit.chunk.date))), None)
            if found is not None:
                extra.append(found)

    quotes = [evidence] + list(dict.fromkeys(c for _, c in extra if c is not evidence))
    if kind == OPEN:
        # a second sentence of the same article when it scores as well: more of the answer, same source
        for c in grounded:
            if c.score < evidence.score - settings.second_quote_slack:
                break
            if c.doc == evidence.doc and c.row != evidence.row and not _same_statement(evidence, c,
                                                                                       settings.twin_similarity):
                quotes.append(c)
                break
        quotes.sort(key=lambda c: (c.passage.n, c.start))

    citations = [Citation(c.passage.n, c.passage.hit, c.text, c.start, c.end) for c in quotes]
    lines = [f"{quoted(c.text, c.language)} [{c.passage.n}]" for c in quotes]
    values: list[StatedValue] = []
    if slot:
        values = [StatedValue(t, v, c.passage.n, c.start + s, c.start + e)
                  for found, c in [(slot, evidence)] + extra for t, v, s, e in found.values]
        short = slot.text
        if kind != "when" or not re.search(r"[^\W\d_]{3,}", short):
            # a label and a name ("Место: Акорда") is too short to read as the question's language
            short = message("short_answer", language, answer=short)
        stated = " ".join([f"{short} [{evidence.passage.n}]."] + [
            f"{found.text[:1].upper()}{found.text[1:]} [{c.passage.n}]." for found, c in extra])
        if settings.context_digest:
            also, also_values = _context_digest(kind, evidence, values, language, constraints, context.names)
            if also:
                stated, values = f"{stated} {also}", values + also_values
        text = f"{stated}\n\n{message('quote_intro', language)} {' '.join(lines)}"
    else:
        lead, values = _open_lead(quotes, language, constraints, context.names)
        if lead is None:
            lead = message("lead" if all(c.language == language for c in quotes) else "lead_translated", language)
        text = lead + "\n\n" + "\n\n".join(lines)
    return Answer(question, language, text, "extractive", False, citations, passages, confidence=best.score,
                  values=values)


# What an open answer states before its quotes, in this order: who, when, where, which countries and
# bodies, the areas, the documents, the figures, the anniversaries (issue "own words": the slot values the evidence holds).
DIGEST = ("persons", "when", "where", "country", "organisation", "areas", "document", "figures", "anniversary")
DIGEST_MAX = 6  # values per kind: a list longer than this is the quote's job
DIGEST_TYPES = {"when": "date", "figures": "amount"}  # the value types a slot answer uses for the same things
_YEAR_RANGE = re.compile(r"\s*[-–—]\s*")


def digest_values(kind: str, sentence: str, language: str, constraints: Constraints, names: NameTable | None,
                  date: str | None = None) -> list[tuple[str, int, int]]:
    """The values of one :data:`DIGEST` kind that ``sentence`` holds, each stated in ``language``, with its
    span in the sentence: (text, start, end), in the sentence's order, each value once."""
    out: list[tuple[str, int, int]] = []
    if kind == "persons":
        # a capitalised run the corpus never uses as a name ("State Institute") is no person
        for start, end, surface in corpus_persons(sentence, names):
            name = person_in_language(surface, language, names)
            post = _post_of(sentence, start, end, language, names)
            out.append((f"{name}, {post}" if post else name, start, end))
    elif kind == "when":
        dates = find_dates_in_year(sentence, int(date[:4]) if date else None)
        i = 0
        while i < len(dates):
            d = dates[i]
            nxt = dates[i + 1] if i + 1 < len(dates) else None
            if (nxt is not None and not (d.month or d.day or nxt.month or nxt.day)
                    and _YEAR_RANGE.fullmatch(sentence[d.end:nxt.start])):
                # "2025–2027", "2024-2025 гг.": one period, not two years
                out.append((f"{d.year}–{nxt.year}", d.start, nxt.end))
                i += 2
                continue
            text = format_date_mention(d, language)
            # "В октябре 2024 года" opens with a preposition, lower-cased inside a list ("May 3" is a name)
            if not knowledge.month_number(text.split()[0]):
                text = text[:1].lower() + text[1:]
            out.append((text, d.start, d.end))
            i += 1
    elif kind == "figures":
        # the years of an anniversary are stated as one ("Мерейтой: 33 жылдық"), not also as a figure
        marked = [(a.start, a.end) for a in find_anniversaries(sentence)]
        out = [(format_amount(a, language), a.start, a.end) for a in find_amounts(sentence)
               if not any(s <= a.start < e for s, e in marked)]
    elif kind == "anniversary":
        out = [(format_ordinal(a.years, language), a.start, a.end) for a in find_anniversaries(sentence)]
    else:
        kinds = SLOT_KINDS[kind]
        # a union of states (the EU) is a side like a country but is stated as an organisation
        mentions = (offered(kind, sentence, constraints, names) if kind in ("areas", "document")
                    else [m for m in evidence_of(sentence).mentions
                          if (m.kind in kinds and not (m.kind == "country" and knowledge.is_union(m.id)))
                          or (kind == "organisation" and m.kind == "country" and knowledge.is_union(m.id))])
        out = [(knowledge.term_name(m.kind, m.id, language), m.start, m.end) for m in mentions
               if not (m.kind == "country" and (m.id == "KZ"  # every article is about Kazakhstan
                                                or _currency_country(sentence, m)))]
        if kind == "document":
            out = [_with_period(v, sentence, language, [m.start for m in mentions]) for v in out]
    kept: list[tuple[str, int, int]] = []
    for value in sorted(out, key=lambda v: v[1]):
        _merge(kept, value, kind, lambda v: v[0])
    return kept


# A currency named by its country ("долларов США", "АҚШ доллары", "US dollars"): no country of the event.
_CURRENCY_BEFORE = re.compile(r"(?:доллар|долар|dollar|иен|йен|yen)\w*\s*$", re.I)
_CURRENCY_AFTER = re.compile(r"^\s*(?:\$|доллар|долар|dollar|иен|йен|yen)", re.I)


def _currency_country(sentence: str, m: Mention) -> bool:
    """Whether the country mention ``m`` only names a currency ("долларов США", "US$", "Japanese yen")."""
    return bool(_CURRENCY_BEFORE.search(sentence[max(0, m.start - 12):m.start])
                or _CURRENCY_AFTER.match(sentence[m.end:m.end + 12]))


# A document's period: "the Program of Cooperation … for 2025-2027", "2025–2027 жылдарға арналған бағдарлама"
# (Kazakh names it before the document): the years within a clause of the document's mention.
_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-–—]\s*((?:19|20)\d{2})(?!\d)")
PERIOD_REACH = 90  # characters between a document's mention and its period, with no , ; . between


def _with_period(value: tuple[str, int, int], sentence: str, language: str,
                 others: Sequence[int] = ()) -> tuple[str, int, int]:
    """A document value with the period the sentence gives it, stated in ``language``; its span then
    covers the years too (the restated value stays traceable). A period with another document's mention
    (``others``: where they start) between is that one's."""
    name, start, end = value
    after = _PERIOD.search(sentence, end, min(len(sentence), end + PERIOD_REACH))
    before = next((m for m in _PERIOD.finditer(sentence, max(0, start - 40), start)), None)
    for found, lo, hi in ((after, end, after.start() if after else 0), (before, before.end() if before else 0, start)):
        if found is not None and not re.search(r"[,;.]", sentence[lo:hi]) and not any(lo <= o < hi for o in others):
            period = f"{found.group(1)}–{found.group(2)}"
            if language == "kk" and name[1:2].islower():  # Kazakh puts the period first: the name goes on
                name = name[:1].lower() + name[1:]        # in lower case ("…арналған ынтымақтастық…")
            return (message("document_period", language, document=name, period=period),
                    min(start, found.start()), max(end, found.end()))
    return value


def _merge(kept: list, value: tuple, kind: str, text_of: Callable[[tuple], str]) -> None:
    """Add ``value`` to ``kept`` unless it states a value already there; of two mentions of one person,
    keep the one that gives the post (the longer text)."""
    text = text_of(value)
    same = next((i for i, v in enumerate(kept) if _same_value(kind, text, text_of(v))), None)
    if same is None:
        kept.append(value)
    elif len(text) > len(text_of(kept[same])):
        kept[same] = value


def _labelled(kind: str, count: int, language: str, listed: str) -> str:
    """``listed`` behind its label in ``language``: "Место: Акорда", "Места: Бургас, Варна", "Лица: …"; a
    slot's own label for one place, country or body, and for areas and documents (already plural)."""
    if kind in ("areas", "document") or (count == 1 and kind in SLOT_KINDS):
        return message(f"slot_{kind}", language, value=listed)
    return message(f"digest_{kind}" + ("_many" if count > 1 else ""), language, value=listed)


def _same_value(kind: str, a: str, b: str) -> bool:
    """Whether two stated values are one: the same text, or for persons the same name ("Tokayev" and
    "Tokayev, President")."""
    if kind == "persons":
        return knowledge.same_name(a.split(",")[0], b.split(",")[0])
    return a.lower() == b.lower()


def _open_lead(quotes: list[Candidate], language: str, constraints: Constraints,
               names: NameTable | None) -> tuple[str | None, list[StatedValue]]:
    """For an open question (or a typed one no sentence answers with its value), what the quoted evidence
    holds of :data:`DIGEST` (who, when, where, countries, bodies, areas, documents, figures), stated in the
    question's language before the quotes, each value with its span; (None, []) when it holds none."""
    parts, values = _digest(quotes, language, constraints, names, DIGEST)
    if not parts:
        return None, []
    # "The source names: …": what the quotes mention, not a claim that the event took place there (a press
    # service "in Astana" is named too); it also makes a label and a name long enough to read as the
    # question's language. The quotes then come after "In the source:", or with a note on their language
    stated = message("digest_intro", language, values=" ".join(parts))
    intro = message("quote_intro" if all(c.language == language for c in quotes) else "lead_translated", language)
    return stated + "\n\n" + intro, values


# What a closed answer adds after its value, from the same sentence: who, where, which countries and bodies
# (the context a press officer quotes the value with: "Ербол Садыков, посол [1]. В источнике также названы:
# Страна: Япония [1]."). Dates, figures, areas and documents are a closed question's own business.
CONTEXT_DIGEST = ("persons", "where", "country", "organisation")
_SLOT_DIGEST = {"who": "persons", "post": "persons", "where": "where", "country": "country",
                "organisation": "organisation"}  # the digest kind a slot kind already states


def _context_digest(kind: str, evidence: Candidate, stated: list[StatedValue], language: str,
                    constraints: Constraints, names: NameTable | None) -> tuple[str, list[StatedValue]]:
    """What a closed answer's sentence names beside its value (:data:`CONTEXT_DIGEST`, the kind the value
    is of left out), as "The source also names: …" in ``language`` with each value's span; ("", []) when
    it names nothing else."""
    kinds = tuple(k for k in CONTEXT_DIGEST if k != _SLOT_DIGEST.get(kind))
    said = {v.value.lower() for v in stated}
    parts, values = _digest([evidence], language, constraints, names, kinds, skip=said)
    if not parts:
        return "", []
    return message("digest_also", language, values=" ".join(parts)), values


def _digest(quotes: list[Candidate], language: str, constraints: Constraints, names: NameTable | None,
            kinds: tuple[str, ...], skip: set[str] = frozenset()) -> tuple[list[str], list[StatedValue]]:
    """The labelled lists of :func:`digest_values` of ``kinds`` over ``quotes`` ("Страны: Испания [1]."), each
    value with its span; values whose text (lower case) is in ``skip`` are left out (already stated)."""
    parts: list[str] = []
    values: list[StatedValue] = []
    for kind in kinds:
        named: list[tuple[Candidate, str, int, int]] = []
        for c in quotes:
            # the dateline's city is only where the report was written when the title places the event
            # elsewhere ("Астана, 30 июня –" under "… в Чолпон-Ате обсудили"): not stated as the place
            written_at = (len(dateline_place(c.text) or "") + len(c.text) - len(c.text.lstrip())
                          if kind == "where" and venue_elsewhere(c.passage.hit.chunk.title, c.text) else 0)
            for text, start, end in digest_values(kind, c.text, language, constraints, names,
                                                  c.passage.hit.chunk.date):
                if start >= written_at and text.lower() not in skip and text.partition(", ")[0].lower() not in skip:
                    _merge(named, (c, text, start, end), kind, lambda v: v[1])
        if not named:
            continue
        named = named[:DIGEST_MAX]
        listed = ("; " if kind == "persons" else ", ").join(text for _, text, _, _ in named)
        listed = listed[:1].upper() + listed[1:]
        label = _labelled(kind, len(named), language, listed)
        markers = "".join(f" [{n}]" for n in dict.fromkeys(c.passage.n for c, _, _, _ in named))
        parts.append(label + markers + ".")
        for c, text, s, e in named:
            if kind == "persons":  # "Name, post (Country)": the same two values a who-answer states
                name, _, post = text.partition(", ")
                values.append(StatedValue("person", name, c.passage.n, c.start + s, c.start + e))
                if post:
                    values.append(StatedValue("post", post, c.passage.n, c.start + s, c.start + e))
            else:
                values.append(StatedValue(DIGEST_TYPES.get(kind, kind), text, c.passage.n, c.start + s, c.start + e))
    return parts, values
