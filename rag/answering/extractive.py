"""The grounded extractive answerer: quote the sentences that answer, state the short answer in
the question's language, or say that the press releases do not answer.

No fact is written that a cited sentence does not contain: the short answer (a date, an amount,
a name) is read out of the quoted sentence and only re-formatted for the question's language.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import numpy as np

from rag.answering import Answer, Citation, Passage
from rag.answering.facts import find_amounts, find_dates, format_amount, format_date_mention
from rag.answering.grounding import (GAZETTEER, PREVIOUS_YEAR_RE, YEAR_RE, Constraints, missing_constraints,
                                     missing_destinations, name_words, names_mentioned, person_names, place_name,
                                     places_in, question_constraints, skeleton, years_mentioned)
from rag.answering.prompts import message, quoted
from rag.settings import Settings
from rag.types import Chunk

KINDS = {
    "when": re.compile(r"\b(when|what date|which date|what year|which year|когда|в каком году|какого числа|"
                       r"в какой день|кога|на коя дата|коя дата|в коя година|през коя година|қашан|қай жылы|"
                       r"қай күні|қай айда|нешінші)\b", re.I),
    "amount": re.compile(r"(\bhow much\b|\bhow many\b|\bby how\b|what percentage|what (?:was|is|were) the "
                         r"(?:volume|value|amount|size|level|number|trade|turnover)|\bhow (?:large|big)\b|\bсколько\b|"
                         r"\bка(?:ков|ким|кой)\w*\s+(?:был\w*\s+)?(?:объ[её]м|товарооборот|сумма|размер|число)|"
                         r"\bкакой\s+(?:был\s+)?(?:объ[её]м|товарооборот)|\bна сколько\b|\bколко\b|\bс колко\b|"
                         r"\bкакъв\s+(?:е|беше)?\s*(?:бил\s+)?(?:обемът|стокообменът|размерът|оборотът)|"
                         r"\bқанша\b|\bнеше\b|\bқандай көлем)", re.I),
    "who": re.compile(r"\b(who|whom|whose|кто|кем(?!\s+(?:является|являются|считает|стал|видит))|кого|кому|с кем|кой|с кого|кім|кімге|кіммен|кімді|кімнің)\b",
                      re.I),
}
PERCENT_HINT = re.compile(r"%|процент|percent|\bна сколько\b|by how much|\bс колко\b|пайыз|grow|rise|increase|"
                          r"вырос|рост|увелич|ръст|нарасн|өсті|өсім", re.I)

# Added to a sentence's score when its passage names every person the question names (a share of it
# for some). A soft form of the name check, which only requires full names: "Тоқаев пен Бегай қандай
# мәселелерді талқылады?" was answered from a Bulgarian report that scored 0.01 higher. No gold
# figure moves with it (0, 0.03 and 0.06 give the same); 0.06 fixed both Begaj questions tried.
NAME_BONUS = 0.06
# How much lower than the best sentence a sentence that carries the asked-for fact may score.
FACT_SLACK = 0.08
# A second quote is added to an open answer only when it scores this close to the first.
SECOND_QUOTE_SLACK = 0.04
# Sentences this similar (cosine of their embeddings) state the same thing: twins in two languages.
TWIN_SIMILARITY = 0.80
# ... and a twin scores at most this much below the sentence it stands in for.
TWIN_SCORE_SLACK = 0.03
# Weight of the sentence's own similarity against its passage's. Sentences are embedded alone, so
# the passage (embedded with its title) carries the context: "They work in defence…" answers "which
# sectors do the companies in Radev's delegation work in" only beside "Radev's delegation". Chosen on
# the gold set's odd half, checked on the even half: evidence_hit 0.88 → 0.93 and 0.91 → 0.93.
SENTENCE_WEIGHT = 0.5


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


def question_kind(question: str) -> str:
    """"when", "amount", "who" or "open"."""
    for kind, pattern in KINDS.items():
        if pattern.search(question):
            return kind
    return "open"


def candidates(passages: list[Passage]) -> list[Candidate]:
    """Every sentence of the passages' evidence, best first, each sentence once."""
    seen: dict[tuple[str, int, int], Candidate] = {}
    for passage in passages:
        chunk = passage.hit.chunk
        for scored in passage.sentences:
            s = scored.sentence
            key = (s.doc, s.start, s.end)
            if key in seen:
                continue
            score = SENTENCE_WEIGHT * scored.similarity + (1 - SENTENCE_WEIGHT) * passage.hit.score
            seen[key] = Candidate(passage, key, s.start - chunk.start, s.end - chunk.start, score, scored.vector)
    return sorted(seen.values(), key=lambda c: -c.score)


def _prefer_named(pool: list[Candidate], question: str) -> list[Candidate]:
    """``pool`` re-ranked with NAME_BONUS for passages that name the question's persons."""
    names = name_words(question)
    if not names:
        return pool
    share = {p.n: names_mentioned(names, f"{p.hit.chunk.title}\n{p.hit.chunk.text}") for p in {c.passage for c in pool}}
    rescored = [dataclasses.replace(c, score=c.score + NAME_BONUS * share[c.passage.n]) for c in pool]
    return sorted(rescored, key=lambda c: -c.score)




def _anchor_positions(question: str, sentence: str) -> list[int]:
    """Where the sentence mentions what the question names: a year it asks about (or "the previous year"
    when that is how the sentence names it), else its names and places (matched across scripts)."""
    asked_years = set(YEAR_RE.findall(question))
    if asked_years:
        named = [m.start() for m in YEAR_RE.finditer(sentence) if m.group(0) in asked_years]
        if named:
            return named
        if asked_years & (years_mentioned(sentence) - set(YEAR_RE.findall(sentence))):
            return [m.start() for m in PREVIOUS_YEAR_RE.finditer(sentence)]
    keys = {k for k in (skeleton(w) for w in re.findall(r"\w{4,}", question)) if len(k) >= 3}
    places = places_in(question)
    return [m.start() for m in re.finditer(r"\w{4,}", sentence)
            if skeleton(m.group(0)) in keys or places_in(m.group(0)) & places]


def _closest(items: list, anchors: list[int], start_of, sentence: str = "") -> object:
    """The item nearest to an anchor, preferring one in the same clause ("…, while the Albanian side
    was headed by X" names the Albanian's head after the comma)."""
    if not anchors or len(items) == 1:
        return items[0]

    def clause(pos: int) -> int:
        return len(re.findall(r"[,;–—]", sentence[:pos]))

    def distance(item: object) -> float:
        pos = start_of(item)
        return min(abs(pos - a) + (0 if clause(pos) == clause(a) else 1000) for a in anchors)

    return min(items, key=distance)


def short_answer(kind: str, question: str, sentence: str, language: str) -> str | None:
    """The date, amount or name the question asks for, read from ``sentence`` and put in ``language``."""
    anchors = _anchor_positions(question, sentence)
    if kind == "when":
        dates = find_dates(sentence)
        if not dates:
            return None
        # the date nearest to what the question names; among equals the most precise
        ranked = sorted(dates, key=lambda d: -d.precision)
        return format_date_mention(_closest(ranked, anchors, lambda d: d.start, sentence), language)
    if kind == "amount":
        amounts = find_amounts(sentence)
        if not amounts:
            return None
        if PERCENT_HINT.search(question) and any(a.percent for a in amounts):
            pool = [a for a in amounts if a.percent]
        else:
            pool = [a for a in amounts if a.is_money or a.scale] or [a for a in amounts if not a.percent] or amounts
        return format_amount(_closest(pool, anchors, lambda a: a.start, sentence), language)
    if kind == "who":
        asked = {skeleton(w) for w in re.findall(r"\w{3,}", question)}
        names = [n for n in person_names(sentence)
                 if not any(skeleton(part) in asked for part in n[2].split())]
        if not names:
            return None
        return _closest(names, anchors, lambda n: n[0], sentence)[2]
    return None


@dataclass(frozen=True)
class Gaps:
    """What the question names that a candidate's evidence does not mention."""

    named: tuple[str, ...] = ()  # years, numbers, places, persons
    visits: tuple[str, ...] = ()  # countries the question asks about a visit to, placed nowhere in the passage

    def __bool__(self) -> bool:
        return bool(self.named or self.visits)


def _passage_gaps(constraints: Constraints, chunk: Chunk) -> Gaps:
    """Places and persons must be mentioned in the passage itself (with its title): an article that
    names Sofia once does not make every passage of it about Sofia. A visit abroad that the question
    asks about must be placed there by the passage."""
    entities = dataclasses.replace(constraints, years=frozenset(), numbers=frozenset())
    passage = f"{chunk.title}\n{chunk.text}"
    return Gaps(tuple(missing_constraints(entities, passage)),
                tuple(missing_destinations(constraints.destinations, passage, chunk.language)))


def _gaps(constraints: Constraints, kind: str, c: Candidate, article: str, passage: Gaps) -> Gaps:
    """What the question names that this candidate's evidence does not mention.

    Years and numbers may stand anywhere in the article (or be its date), except that a "how much"
    question's figure must not be for another year: "trade in 2021" is not answered by a sentence about
    trade in 2023 in an article that mentions 2021 elsewhere (a sentence naming no year is judged by its
    article; a year it names only relatively, "the previous year's", counts for it alone). ``passage``
    holds what :func:`_passage_gaps` found for the candidate's passage.
    """
    facts = dataclasses.replace(constraints, places=frozenset(), names=frozenset())
    # "the previous year's $95.2 million" names 2023 in this sentence only, not in its whole article
    sentence_years = years_mentioned(c.text)
    implied = sentence_years - set(YEAR_RE.findall(c.text))
    missing = [m for m in missing_constraints(facts, article, c.passage.hit.chunk.date) if m not in implied]
    if kind == "amount" and constraints.years and not missing:
        if sentence_years and not constraints.years & sentence_years:
            missing = sorted(constraints.years)  # the figure is for another year
    return Gaps(tuple(missing) + passage.named, passage.visits)


def _question_word(question: str, place: str, language: str) -> str:
    """How to name ``place`` in a message: its name in ``language`` if it is a country, else the
    question's own word for it."""
    named = place_name(place, language)
    if named != place or language == "en":
        return named
    stems = GAZETTEER.get(place, ())
    for word in re.findall(r"[\w-]+", question):
        if any(word.lower().startswith(s) for s in stems):
            return word
    return place


def _gaps_reason(question: str, language: str, gaps: Gaps) -> str:
    """Why the closest evidence does not answer, in ``language``."""
    if gaps.named:
        what = ", ".join(_question_word(question, m, language) for m in gaps.named)
        return message("refusal_reason_missing", language, what=what)
    return message("refusal_reason_no_visit", language, place=place_name(gaps.visits[0], language))


def _refusal(question: str, language: str, passages: list[Passage], reason: str,
             confidence: float | None) -> Answer:
    text = f"{message('refusal', language)} {reason}".strip()
    return Answer(question, language, text, "extractive", True, [], passages, confidence=confidence)


def _same_statement(a: Candidate, b: Candidate) -> bool:
    """Whether two sentences say the same thing (a quote of both would repeat itself)."""
    if a.vector is None or b.vector is None:
        return a.text == b.text
    return float(a.vector @ b.vector) >= TWIN_SIMILARITY


def _twin(evidence: Candidate, pool: list[Candidate], language: str) -> Candidate | None:
    """A sentence in ``language`` among ``pool`` that states what ``evidence`` states.

    Similar is not enough: the lead sentences of two reports of one meeting look alike ("signed a joint
    statement" / "held talks"), so a twin must also answer the question about as well as the evidence.
    """
    same_language = [c for c in pool if c.language == language and c.row != evidence.row
                     and c.score >= evidence.score - TWIN_SCORE_SLACK and c.vector is not None]
    if not same_language or evidence.vector is None:
        return None
    sims = np.stack([c.vector for c in same_language]) @ evidence.vector
    best = int(np.argmax(sims))
    return same_language[best] if sims[best] >= TWIN_SIMILARITY else None


def answer_extractive(settings: Settings, question: str, language: str, passages: list[Passage]) -> Answer:
    """Answer from the passages' evidence sentences, or refuse when they do not answer."""
    pool = _prefer_named(candidates(passages[:settings.answer_passages]), question)
    if not pool:
        return _refusal(question, language, passages, message("refusal_reason_weak", language), None)

    constraints: Constraints = question_constraints(question, language)
    kind = question_kind(question)
    articles = {c.doc: c.passage.article_text for c in pool}
    passages_gaps = {p.hit.chunk.chunk_id: _passage_gaps(constraints, p.hit.chunk) for p in {c.passage for c in pool}}
    missing = {c.row: _gaps(constraints, kind, c, articles[c.doc], passages_gaps[c.passage.hit.chunk.chunk_id])
               for c in pool}
    grounded = [c for c in pool if not missing[c.row]]
    if not grounded:
        return _refusal(question, language, passages, _gaps_reason(question, language, missing[pool[0].row]), None)

    if kind == "amount":
        # "how much" is answered only by a sentence that gives a figure
        grounded = [c for c in grounded if find_amounts(c.text)]
        if not grounded:
            return _refusal(question, language, passages, message("refusal_reason_no_figure", language), None)
        if constraints.years:
            # a figure in a sentence that names the asked year beats one whose year is only the article's
            near = [c for c in grounded if c.score >= grounded[0].score - FACT_SLACK]
            explicit = [c for c in near if constraints.years & years_mentioned(c.text)]
            if explicit:
                grounded = explicit + [c for c in grounded if c not in explicit]

    best = grounded[0]
    if best.score < settings.refusal_min_score:
        return _refusal(question, language, passages, message("refusal_reason_weak", language), best.score)

    evidence, short = best, None
    if kind != "open":
        for c in grounded:
            if c.score < best.score - FACT_SLACK:
                break
            short = short_answer(kind, question, c.text, language)
            if short:
                evidence = c
                break

    if evidence.language != language:
        twin = _twin(evidence, grounded, language)
        if twin is not None:
            twin_short = short_answer(kind, question, twin.text, language) if short else None
            if not short or twin_short == short:
                evidence = twin

    quotes = [evidence]
    if kind == "open":
        # a second sentence of the same article when it scores as well: more of the answer, same source
        for c in grounded:
            if c.score < evidence.score - SECOND_QUOTE_SLACK:
                break
            if c.doc == evidence.doc and c.row != evidence.row and not _same_statement(evidence, c):
                quotes.append(c)
                break
        quotes.sort(key=lambda c: (c.passage.n, c.start))

    citations = [Citation(c.passage.n, c.passage.hit, c.text, c.start, c.end) for c in quotes]
    lines = [f"{quoted(c.text, c.language)} [{c.passage.n}]" for c in quotes]
    if short:
        if kind == "who" or not re.search(r"[^\W\d_]{3,}", short):
            short = message("short_answer", language, answer=short)
        text = f"{short} [{evidence.passage.n}].\n\n{message('quote_intro', language)} {lines[0]}"
    else:
        lead = "lead" if all(c.language == language for c in quotes) else "lead_translated"
        text = message(lead, language) + "\n\n" + "\n\n".join(lines)
    return Answer(question, language, text, "extractive", False, citations, passages, confidence=best.score)
