"""Follow-up questions: one mechanism for the app's chat, `rag ask --previous Q` and the gold ``history``.

A question leans on the conversation when it starts with a conjunction ("And what did they discuss?",
"А когда?"), uses a pronoun for someone named before ("Что они подписали?", "Олар не туралы келісті?"),
or names nobody and nothing at all (its subject is missing). Such a follow-up, whatever its length, is
completed with what the earlier turns pinned down: their entities must hold in the evidence too, and the
retrieved query is the follow-up with the question it continues. A question naming its own people,
countries or organisations without leaning on anything stands alone and is not polluted by history;
when it leans *and* names something ("And with Bulgaria?"), its own names replace the earlier ones of
the same kind.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

from rag import knowledge
from rag.answering.facts import names_relative_year
from rag.answering.grounding import Named, posts_named, question_constraints
from rag.answering.questions import content_words
from rag.knowledge import NameTable

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, frozenset[str]]:
    data = json.loads(resources.files("rag.knowledge").joinpath("data/followups.json").read_text(encoding="utf-8"))
    return {kind: frozenset(w for forms in by_language.values() for w in forms)
            for kind, by_language in data["entries"].items()}


@dataclass(frozen=True)
class Turn:
    """A question as retrieved and checked: the query embedded, the entities carried from earlier turns."""

    question: str
    query: str
    carried: tuple[Named, ...] = ()
    follow_up: bool = False
    entities: tuple[Named, ...] = ()  # every entity this turn is about (its own and the carried ones)
    # the years this turn is about: its own, else (a follow-up) the earlier turns' ("what did he sign?" after
    # "Who did Tokayev receive in June 2024?" is about 2024, not another year's visit)
    years: frozenset[str] = frozenset()
    # the cities this turn places its event in: its own, else (a follow-up) the earlier turns' ("what was
    # signed at that meeting?" after "whom did he meet in Osaka?" is about the meeting in Osaka)
    venues: frozenset[str] = frozenset()
    # the post of the person a follow-up's "he" or "she" stands for: the earlier turn's subject ("А с кем он
    # там встретился?" after "Где посол Казахстана встречался с ирландским министром?": the Kazakh ambassador)
    subject: tuple[tuple[str, str], ...] = ()


def leans_on_context(question: str) -> bool:
    """Whether the wording leans on an earlier turn: a leading conjunction or an anaphoric pronoun."""
    words = [w.lower() for w in _WORD.findall(question)]
    if not words:
        return False
    lexicon = _lexicon()
    text = " " + " ".join(words) + " "
    if any(text.startswith(f" {c} ") for c in lexicon["conjunction"]):
        return True
    return any(f" {p} " in text for p in lexicon["pronoun"])


def resolve(question: str, history: Sequence[str], language: str, names: NameTable | None = None,
            common: frozenset[str] = frozenset()) -> Turn:
    """The turn ``question`` makes after ``history`` (earlier questions, oldest first)."""
    previous: Turn | None = None
    for earlier in history:
        if earlier and earlier.strip():
            previous = _turn(earlier.strip(), previous, language, names, common)
    return _turn(question, previous, language, names, common)


def _turn(question: str, previous: Turn | None, language: str, names: NameTable | None,
          common: frozenset[str]) -> Turn:
    constraints = question_constraints(question, language, names, common)
    own, years = constraints.named, constraints.years
    subject = [n for n in own if _kind_group(n) != "home"]  # "в Астане" alone does not say who or with whom
    places = constraints.venues
    if previous is None or not previous.entities or (subject and not leans_on_context(question)):
        return Turn(question, question, (), False, own, years, places)
    if not own and not leans_on_context(question) and len(_WORD.findall(question)) > 12:
        return Turn(question, question, (), False, own, years, places)  # a long question with no names stands alone
    own_kinds = {_kind_group(n) for n in own} - {"home"}
    # an elliptical follow-up that names only a city of Kazakhstan ("And in Astana?" after "… in Budapest?")
    # asks the earlier question of that city instead: it replaces the earlier cities and buildings, not the
    # partner country. A follow-up that says more keeps them ("the exhibition at a school in Astana" is still
    # Slovenia's; "what did he do in Almaty" after "the Mayor of Budapest" is still the mayor's)
    venue = _only_places(question, own) and any(_kind_group(n) == "home" and n.kind in ("city", "building")
                                                 for n in own)

    # the venue it replaces: the earlier city of Kazakhstan if there is one ("the delegation from Tashkent …
    # in Astana" → "And in Almaty?" keeps Tashkent), else the earlier city abroad
    cities = [n for n in previous.entities if n.kind in ("city", "building")]
    venues = [n for n in cities if _kind_group(n) == "home"] or cities

    def replaced_by_own(n: Named) -> bool:
        return _kind_group(n) in own_kinds or (venue and n in venues)

    carried = tuple(n for n in previous.entities if not replaced_by_own(n))
    replaced = [n for n in previous.entities if replaced_by_own(n)]
    context = previous.query if not previous.follow_up else _base(previous)
    for n in replaced:
        context = context.replace(n.surface, " ")
    query = f"{' '.join(context.split())} {question}"
    # "А в прошлом году?" is about another year than the conversation's
    carried_years = previous.years if not names_relative_year(question) else frozenset()
    # a follow-up that names a city of its own ("And in Astana?") is there; one that names none is where the
    # conversation was, unless it replaced those cities
    carried_venues = frozenset(v for v in previous.venues if v not in {n.id for n in replaced})
    return Turn(question, query, carried, True, own + carried, years or carried_years, places or carried_venues,
                _subject(question, previous))


def _subject(question: str, previous: Turn) -> tuple[tuple[str, str], ...]:
    """The post a follow-up's singular personal pronoun stands for: the earlier turn's subject, the first
    post it names (or the one its own pronoun stood for); nothing when the follow-up names a post itself."""
    words = {w.lower() for w in _WORD.findall(question)}
    pronouns = words & _lexicon()["person"]
    if not pronouns or posts_named(question) or not set(map(str.lower, content_words(question))) - pronouns:
        return ()  # (and "Кто он?", "Who is she?" ask who that person is)
    return posts_named(previous.question)[:1] or previous.subject


def _only_places(question: str, own: Sequence[Named]) -> bool:
    """Whether ``question`` is no more than the places it names ("And in Astana?", "А в Астане?", "Ал
    Астанада ше?"): no question word, no content word outside them."""
    places = " ".join(n.surface.lower() for n in own if n.kind in ("country", "city", "building"))
    return bool(places) and not knowledge.find_terms(question, "question") and all(
        w in places.split() for w in content_words(question))


def _base(turn: Turn) -> str:
    """The part of a follow-up's query that came from earlier turns (its own question stripped)."""
    return turn.query[: -len(turn.question)].strip() if turn.query.endswith(turn.question) else turn.query


def _kind_group(n: Named) -> str:
    """Kinds that replace each other in a follow-up: a new foreign country replaces a country or its
    cities. Kazakhstan's own places ("в Астане") are the backdrop of every report: they replace only the
    earlier cities and buildings of an elliptical follow-up (above), and a question that names only them may
    still lean on the earlier turn."""
    if n.kind in ("country", "city", "building"):
        return "home" if n.country == "KZ" else "place"
    return n.kind
