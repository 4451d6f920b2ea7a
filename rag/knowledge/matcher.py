"""The matching engine every kind of knowledge shares: words, their inflections, and a fast index.

A name or term is a sequence of word patterns. A pattern is a lower-case stem and the endings a
word may add to it: Russian, Bulgarian and Kazakh inflect names ("Бразилию", "в Аржентина",
"Бразилияның", "Египетке") and derive adjectives from them ("бразильский", "жапондық"). Listing
endings rather than cutting words with a stemmer keeps false positives down: "инд" + "устрия" is
not India because "устрия" is no ending, while "индийский" is one (no installable stemmer covers
Bulgarian and Kazakh; Snowball has neither).

Matching walks the text's words once; at each word it looks up the word's prefixes (longest first)
in a dict of stems, then checks the ending and any further words of a multi-word entry. That is a
few dict look-ups per word: a 300-word passage takes well under a millisecond (bench/bench_knowledge.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# Words are runs of letters: "Kazakhstan-Brazil", "казахско-египетский" and "АҚШ-тың" are two words
# each, "d’Ivoire" is "d" and "ivoire" (names are split the same way, so they still match).
WORD_RE = re.compile(r"[^\W\d_]+")
CYRILLIC_RE = re.compile(r"[а-яёәғқңөұүһі]", re.I)
VOWELS = set("aeiouyаеёиоуыэюяәөұүі")

# --- endings ------------------------------------------------------------------------------------

_RU_NOUN = "а я у ю е и ы о ой ей ою ею ом ем ам ям ах ях ами ями ию ии ией ье ья ью ьи ьей ьем".split()
# adjectives and demonyms: -ский/-ской…, also after ь/й/и/ан ("бразильский", "кенийский", "мексиканский")
_RU_ADJ_CORE = "ский ская ское ские ского ской скому ском ским ских скую скими ско".split()
_RU_ADJ = [p + a for p in ("", "ь", "й", "и", "ий", "ан", "ян", "ен", "ин") for a in _RU_ADJ_CORE]
_RU_DEMONYM = [p + d for p in ("", "и", "ь", "ан", "ян") for d in
               "ец ца цу цем це цы цев цам цами цах ка ки ке ку кой цами".split()]
# adjectives' own endings, after a stem without them: "Саудовск|ой", "Европейск|им", "государственн|ого"
_RU_ADJ_INFLECTION = "ый ий ой ая яя ое ее ые ие ого его ому ему ым им ом ем ую юю ых их ыми ими ей".split()
# Bulgarian definite and plural forms: "посолство|то", "европейск|ите", "министър|ът", "Египет|", "Бразилия|та"
_BG_INFLECTION = "ът ят та то те а ия ият ията ии ите ата ото ове овете еве евете".split()
_BG = _BG_INFLECTION + ("ски ска ско ските ския ският ската ското ец ци ка ки ката ките "
                        "ийски ийска ийско ийските ийския ийският ьски ьска").split()
_KK_CASE = ("ға ге қа ке а е на не ны ні ды ді ты ті н да де та те нда нде дан ден тан тен нан нен "
            "ның нің дың дің тың тің мен пен бен дағы дегі тағы тегі ндағы ндегі дай дей тай тей "
            "ға дейін ге дейін").split()
_KK_POSS = ["", "сы", "сі", "ы", "і"]
_KK_PLURAL = ["", "лар", "лер", "дар", "дер", "тар", "тер"]
_KK_DERIV = ["", "лық", "лік", "дық", "дік", "тық", "тік", "лы", "лі", "дікі", "дағы", "дегі", "тағы", "тегі"]
_KK_INFLECTION = {pl + po + c for pl in _KK_PLURAL for po in _KK_POSS for c in [""] + _KK_CASE} - {""}
# after a derivational ending, a case or a plural with one ("жапондықтар", "жапондықтардың")
_KK_AFTER_DERIV = {pl + c for pl in _KK_PLURAL for c in [""] + _KK_CASE} | {"ы", "і", "сы", "сі"}
_KK = _KK_INFLECTION | {d + e for d in _KK_DERIV for e in _KK_AFTER_DERIV} - {""}
# After "-лық": "-тың", "-қа" and their kin: "жапондықтың", "жапондыққа".
_KK |= {d + c for d in ("лық", "лік", "дық", "дік", "тық", "тік") for c in
        "тың тің қа ке та те тан тен ты ті пен тар тер тары тері".split()}

CYRILLIC_ENDINGS = frozenset(_RU_NOUN + _RU_ADJ_INFLECTION + _RU_ADJ + _RU_DEMONYM + _BG) | frozenset(_KK)
# A common term only inflects: "елші" (ambassador) + "лік" is another word (embassy).
CYRILLIC_TERM_ENDINGS = frozenset(_RU_NOUN + _RU_ADJ_INFLECTION + _BG_INFLECTION) | frozenset(_KK_INFLECTION)
PLURAL_ENDINGS = frozenset("ов ев ам ям ах ях ами ями".split())
SHORT_CASE_ENDINGS = frozenset("ы и е у ю ой ей ою ею ии ию ией".split())
ADJECTIVE_INFLECTION = frozenset(_RU_ADJ_INFLECTION + "и а о е ия ият ата ото ите".split())
# Endings that make an adjective or demonym, which is written in lower case ("бразильский",
# "жапондық", "иранский"): a stem that needs a capital as a name does not need one with these.
ADJECTIVE_ENDINGS = frozenset(e for e in CYRILLIC_ENDINGS if "ск" in e or e.startswith(
    ("лық", "лік", "дық", "дік", "тық", "тік", "лы", "лі")) or e in ("ец", "цы", "цев"))
LATIN_ENDINGS = frozenset("s n an ans ian ians ese i is ish e ns es".split())
# After a stem cut from a name ("Argentin-a", "Mexic-o"): "Mexican", not "Franc-is" or "Georg-e".
LATIN_DERIVED_ENDINGS = frozenset("an ans ian ians ese".split())
# Endings of common nouns (titles, documents…): plural and case, no derivation.
_EN_NOUN = "s es ed ing al".split()
LATIN_TERM_ENDINGS = frozenset(_EN_NOUN) | LATIN_ENDINGS
NO_ENDINGS: frozenset[str] = frozenset()
MAX_ENDING = max(len(e) for e in CYRILLIC_ENDINGS | LATIN_ENDINGS)
MAX_LATIN_ENDING = max(len(e) for e in LATIN_TERM_ENDINGS)


def is_cyrillic(word: str) -> bool:
    """Whether ``word`` is written in Cyrillic."""
    return bool(CYRILLIC_RE.search(word))


# --- patterns -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pattern:
    """One word of an entry: a lower-case stem and the endings allowed after it."""

    stem: str
    endings: frozenset[str]
    bare: bool = True  # the stem alone is a word of the entry
    capital: bool = False  # the word must be written with a capital letter
    not_initial: bool = False  # … and not only because it starts a sentence
    exact_case: str | None = None  # an acronym, matched as written ("США", "UK")


def name_patterns(word: str, *, capital: bool, not_initial: bool = False, derive: bool = True,
                  compound_tail: bool = False) -> list[Pattern]:
    """Patterns for one word of a proper name: the word itself with any ending, and (``derive``) the
    stems its inflections and derivations are built on, each with the endings it takes: "Бразилия" →
    "бразили|и", "бразил|ьский"; "Саудовская" → "саудовск|ой"; "Эмираты" → "эмират|ов".

    A name of three letters or fewer, or one Russian does not decline ("Того", "Мали", "Токио"), is
    not cut: "Того" → "тог" + "да" would read "Тогда"; except the last part of a hyphenated name
    (``compound_tail``), which declines for the whole: "Чолпон-Ата" → "в Чолпон-Ате"."""
    w = word.lower()
    cyr = is_cyrillic(w)
    endings = CYRILLIC_ENDINGS if cyr else LATIN_ENDINGS
    out = [Pattern(w, endings, True, capital, not_initial)]
    if derive and cyr and len(w) >= 6 and w[-2:] in ("ий", "ый", "ой", "ая", "ое", "ие", "ые", "яя"):
        # an adjective of a name: "Саудовская" → "Саудовской", "Европейский" → "Европейским"
        out.append(Pattern(w[:-2], ADJECTIVE_INFLECTION, False, capital, not_initial))
    if derive and cyr and len(w) == 4 and w[-1] in "аяйь":
        # a short name declines too ("Азия" → "Азии", "Куба" → "Кубе"), but only with a capital and
        # a case ending of its own (not "Мали" → "Малой", which Russian does not decline)
        out.append(Pattern(w[:-1], SHORT_CASE_ENDINGS, False, True, not_initial))
    if derive and cyr and compound_tail and len(w) == 3 and w[-1] in "ая":
        out.append(Pattern(w[:-1], SHORT_CASE_ENDINGS, False, True, not_initial))
    if derive and cyr and len(w) >= 6 and w[-1] in "ыи":
        # a plural name: "Эмираты" → "Эмиратов", "Нидерланды" → "Нидерландах"
        out.append(Pattern(w[:-1], PLURAL_ENDINGS, False, capital, not_initial))
    if derive and len(w) >= 5:
        # a Cyrillic stem under 5 letters needs a capital ("Инди" + "е"), except before an adjective
        # ending. Russian and Bulgarian decline a foreign name by its -а/-я/-й/-ь ("Москв|ы", "Кита|е"); one in
        # -о/-е/-и/-у stays as it is ("Совето" is no "Совет|а", "Токио" takes only Kazakh endings)
        if (w[-1] in "аяйь") if cyr else (w[-1] in VOWELS):
            out.append(Pattern(w[:-1], endings if cyr else LATIN_DERIVED_ENDINGS, False,
                               capital or (cyr and len(w) - 1 < 5), not_initial))
        # without "-ия"/"-ia", only adjectives and demonyms follow: "бразил|ьский", "япон|дық", "Bulgar|ian"
        # (not "Georg|e", "груз|ы")
        if len(w) >= 6 and w[-2:] in ("ия", "ія", "ея", "ья", "ia", "ja"):
            out.append(Pattern(w[:-2], ADJECTIVE_ENDINGS if cyr else LATIN_DERIVED_ENDINGS, False,
                               capital or (cyr and len(w) - 2 < 5), not_initial))
    return out


def term_patterns(word: str) -> list[Pattern]:
    """Patterns for one word of a common term ("министр", "иностранных", "visit"): the word and each
    stem it reads as (the word without an inflectional ending), followed by any inflectional ending.
    Words of three letters or fewer match only as written."""
    w = word.lower()
    endings = CYRILLIC_TERM_ENDINGS if is_cyrillic(w) else LATIN_TERM_ENDINGS
    if len(w) <= 3:
        return [Pattern(w, NO_ENDINGS, True)]
    if w[-1] in "ьй" and len(w) >= 5:
        # "руководитель" → "руководителем", "рабочий" → "рабочего"
        return [Pattern(w, endings, True), Pattern(w[:-1], endings, False),
                *([Pattern(w[:-2], endings, False)] if w[-2] in "иы" else [])]
    # every reading of the word as stem + ending ("карт|а", not "кар|та"; "дорожн|ая"), the stem
    # keeping 4 letters (3 before a one-letter ending: "виз|а"); and the whole word, which takes
    # endings too: Bulgarian articles ("посолство|то"), Kazakh cases ("сапар|мен")
    out = [Pattern(w, endings, True)]
    for cut in range(1, min(MAX_ENDING, len(w) - 3) + 1):
        if w[-cut:] in endings and (len(w) - cut >= 4 or cut == 1):
            out.append(Pattern(w[:-cut], endings, True))
    return out


def exact_patterns(word: str) -> list[Pattern]:
    """A word matched only as written, in any case (question words, prepositions)."""
    return [Pattern(word.lower(), NO_ENDINGS, True)]


def acronym_pattern(word: str) -> list[Pattern]:
    """An acronym, matched as written ("США", "ОАЭ", "UN"); Kazakh endings come after a hyphen
    ("АҚШ-тың") and are a word of their own."""
    return [Pattern(word.lower(), NO_ENDINGS, True, exact_case=word)]


# --- the index ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """A matchable form of something known: its key and one pattern-set per word."""

    key: tuple[str, str]  # (kind, id)
    words: tuple[tuple[Pattern, ...], ...]
    priority: int = 0  # higher wins when two entries match the same words (a country over a city)


@dataclass(frozen=True)
class Hit:
    """A match: the entry, its word span and its character span."""

    entry: Entry
    first: int
    last: int  # index of the last word, inclusive
    start: int
    end: int


@dataclass
class Index:
    """Entries by the stem of their first word: for each stem, the one-word entries and the
    multi-word ones by the first letters of their second word's stems (so that a frequent first word,
    "в" or "San", costs one look-up). ``lengths`` gives, for the first three letters of a stem, the
    shortest and longest stem that begins with them: a word is looked up at those lengths only."""

    table: dict[str, tuple[list, dict[str, list]]] = field(default_factory=dict)
    lengths: dict[str, tuple[int, int]] = field(default_factory=dict)
    short: set[str] = field(default_factory=set)  # stems of one or two letters

    def _slot(self, stem: str) -> tuple[list, dict[str, list]]:
        slot = self.table.get(stem)
        if slot is None:
            slot = self.table[stem] = ([], {})
            if len(stem) < 3:
                self.short.add(stem)
            else:
                lo, hi = self.lengths.get(stem[:3], (99, 0))
                self.lengths[stem[:3]] = (min(lo, len(stem)), max(hi, len(stem)))
        return slot

    def add(self, entry: Entry) -> None:
        for pattern in entry.words[0]:
            singles, multi = self._slot(pattern.stem)
            if len(entry.words) == 1:
                singles.append((pattern, entry))
            else:
                for key in {p.stem[:2] for p in entry.words[1]}:
                    multi.setdefault(key, []).append((pattern, entry))

    def extend(self, entries) -> "Index":
        for e in entries:
            self.add(e)
        return self

    def merge(self, other: "Index", priority: int | None = None) -> None:
        """Add every entry of ``other`` (with ``priority`` instead of their own, when given)."""
        def re_prioritised(entry: Entry) -> Entry:
            return entry if priority is None or entry.priority == priority else Entry(entry.key, entry.words, priority)

        for stem, (singles, multi) in other.table.items():
            mine_singles, mine_multi = self._slot(stem)
            mine_singles.extend((p, re_prioritised(e)) for p, e in singles)
            for key, pairs in multi.items():
                mine_multi.setdefault(key, []).extend((p, re_prioritised(e)) for p, e in pairs)


def starts_sentence(text: str, start: int) -> bool:
    """Whether the word at ``text[start]`` starts a sentence (or the text, a line, a quote after one)."""
    j = start - 1
    while j >= 0 and text[j] in " \t\u00a0«\"'“„(—–-":
        j -= 1
    return j < 0 or text[j] in ".!?\n:;"


@dataclass(frozen=True)
class Words:
    """A text cut into words once, shared by every index that reads it."""

    text: str
    spans: tuple[tuple[int, int], ...]
    raw: tuple[str, ...]
    lower: tuple[str, ...]

    def initial(self, i: int) -> bool:
        """Whether word ``i`` starts a sentence (or the text, a line, a quote after one)."""
        return starts_sentence(self.text, self.spans[i][0])

    def joined(self, i: int) -> bool:
        """Whether word ``i`` follows word ``i - 1`` with only spaces, a hyphen or a dash between
        ("Буэнос-Айрес", "Central Asia – EU", "Bosnia & Herzegovina"; "St. Kitts" after a short word)."""
        gap = self.text[self.spans[i - 1][1]:self.spans[i][0]]
        if len(gap) > 3:
            return False
        rest = gap.strip(" -–—\u00a0")
        return rest in ("", "&", "+", "’", "'") or (rest == "." and len(self.raw[i - 1]) <= 3)


def words_of(text: str) -> Words:
    """``text`` cut into words."""
    spans, raw = [], []
    for m in WORD_RE.finditer(text):
        spans.append(m.span())
        raw.append(m.group())
    return Words(text, tuple(spans), tuple(raw), tuple(w.lower() for w in raw))


def _fits(p: Pattern, words: Words, i: int, ending: str) -> bool:
    if p.exact_case is not None:
        return words.raw[i] == p.exact_case
    if ending:
        if ending not in p.endings:
            return False
    elif not p.bare:
        return False
    if p.capital:
        if not words.raw[i][0].isupper() and ending not in ADJECTIVE_ENDINGS:
            return False
        if p.not_initial and words.initial(i):
            return False
    return True


def _word_fits(options: tuple[Pattern, ...], words: Words, i: int) -> bool:
    w = words.lower[i]
    for p in options:
        if w.startswith(p.stem) and _fits(p, words, i, w[len(p.stem):]):
            return True
    return False


def _bilateral(words: Words, i: int) -> bool:
    """Whether words ``i`` and ``i + 1`` are a lower-case bilateral adjective ("казахстанско-польской",
    "казахстанско-чешка")."""
    if i + 1 >= len(words.raw):
        return False
    a, b = words.raw[i], words.raw[i + 1]
    return (a.islower() and b.islower() and a.endswith("о") and len(a) >= 5 and is_cyrillic(a)
            and words.text[words.spans[i][1]:words.spans[i + 1][0]] == "-")


def find(index: Index, words: Words) -> list[Hit]:
    """Matches of ``index`` in ``words``, leftmost first, longest (then highest priority) at each position;
    they do not overlap, except the words of a bilateral adjective inside a name (:func:`_bilateral`)."""
    hits: list[Hit] = []
    lower = words.lower
    n = len(lower)
    table, lengths, short = index.table, index.lengths, index.short
    i = 0
    while i < n:
        w = lower[i]
        size_w = len(w)
        reach = MAX_LATIN_ENDING if w.isascii() else MAX_ENDING
        ks: list[int] = []
        span = lengths.get(w[:3]) if size_w >= 3 else None
        if span is not None:
            ks = list(range(min(size_w, span[1]), max(span[0], size_w - reach) - 1, -1))
        if w[:2] in short and size_w - 2 <= reach:
            ks.append(2)
        if w[:1] in short and size_w - 1 <= reach:
            ks.append(1)
        best: tuple[int, int, int, Entry, int] | None = None  # (words, priority, stem length, entry, skipped)
        nxt = lower[i + 1] if i + 1 < n else None
        # a bilateral adjective inside a name: "Межправительственной казахстанско-польской комиссии",
        # "Деловой казахстанско-чешский совет" (Russian and Bulgarian put it after the first word)
        skip = 2 if _bilateral(words, i + 1) else 0
        far = lower[i + 3] if skip and i + 3 < n else None
        for k in ks:
            slot = table.get(w[:k])
            if slot is None:
                continue
            ending = w[k:]
            singles, multi = slot
            for pattern, entry in singles:
                if _fits(pattern, words, i, ending):
                    rank = (1, entry.priority, k)
                    if best is None or rank > best[:3]:
                        best = (1, entry.priority, k, entry, 0)
            if nxt is None or not multi:
                continue
            for gap, second in ((0, nxt), (skip, far)):
                if second is None or (gap and best is not None and best[0] > 1):
                    continue
                candidates = multi.get(second[:1], [])
                if len(second) > 1:
                    candidates = candidates + multi.get(second[:2], [])
                for pattern, entry in candidates:
                    size = len(entry.words)
                    if best is not None and (size, entry.priority, k) <= best[:3]:
                        continue
                    if (i + size + gap <= n and _fits(pattern, words, i, ending)
                            and (not gap or is_cyrillic(pattern.stem))
                            and all((words.joined(i + j + gap) or (j == 1 and gap)) and _word_fits(
                                entry.words[j], words, i + j + gap) for j in range(1, size))):
                        best = (size, entry.priority, k, entry, gap)
        if best is None:
            i += 1
            continue
        size, entry = best[0], best[3]
        last = i + size - 1 + best[4]
        hits.append(Hit(entry, i, last, words.spans[i][0], words.spans[last][1]))
        # the countries of a bilateral adjective inside a name are still named ("казахстанско-польской")
        i = i + 1 if best[4] else last + 1
    return hits


def tokens(name: str) -> list[str]:
    """The words of a name, as the matcher cuts them."""
    return WORD_RE.findall(name)


@dataclass(frozen=True)
class Mention:
    """Something known, found in a text: its kind ("country", "city", "title"…), its id (an ISO code
    for a country, a GeoNames id for a city, a lexicon id otherwise), its character span and the text
    there. ``country`` is the ISO code of the country a city or building is in."""

    kind: str
    id: str
    start: int
    end: int
    surface: str
    country: str | None = None




# --- from data forms to entries -----------------------------------------------------------------

# A form with digits or signs ("C5+1") is matched as written, by a regular expression.
LITERAL_RE = re.compile(r"\d|[^\w\s\-–—'’&.]")


def is_acronym(word: str) -> bool:
    """An acronym ("США", "UN", "МВнР", "BiH"): two or more capitals in a short word."""
    return 2 <= len(word) <= 6 and sum(c.isupper() for c in word) >= 2


def entry_for_form(key: tuple[str, str], form: str, *, proper: bool, always_capital: bool = False,
                   not_initial: frozenset[str] = frozenset(), priority: int = 0, exact: bool = False) -> Entry | None:
    """The entry that matches ``form`` (a name when ``proper``, else a common term) in any of its
    inflections; ``form`` ending in "-" is a stem that only takes endings ("египт-", "итальянск-"),
    one ending in "=" is matched only as written.
    None for a form to be matched as a literal (see :data:`LITERAL_RE`)."""
    if form.endswith("="):  # a form matched only as written: "посла=" (not "посл" + "е", "после")
        form, exact = form[:-1], True
    words = tokens(form)
    if not words or LITERAL_RE.search(form):
        return None
    if form.endswith("-") and len(words) == 1:
        stem = words[0].lower()
        endings = CYRILLIC_ENDINGS if is_cyrillic(stem) else LATIN_ENDINGS
        if not proper:
            return Entry(key, ((Pattern(stem, CYRILLIC_TERM_ENDINGS if is_cyrillic(stem) else LATIN_TERM_ENDINGS,
                                        False),),), priority)
        capital = always_capital or not is_cyrillic(stem) or len(stem) < 5
        return Entry(key, ((Pattern(stem, endings, False, capital),),), priority)
    options: list[tuple[Pattern, ...]] = []
    for position, w in enumerate(words):
        if exact:
            options.append(tuple(exact_patterns(w)))
        elif is_acronym(w):
            options.append(tuple(acronym_pattern(w)))
        elif proper and len(words) > 1 and w[0].islower() and len(w) <= 3:
            options.append(tuple(exact_patterns(w)))  # "of", "the", "и", "на", "d’"
        elif proper:
            capital = w[0].isupper() and (always_capital or not is_cyrillic(w) or len(w) < 5 or w in not_initial)
            options.append(tuple(name_patterns(w, capital=capital, not_initial=w in not_initial,
                                               compound_tail=position > 0 and f"-{w}" in form)))
        else:
            options.append(tuple(term_patterns(w)))
    return Entry(key, tuple(options), priority)


def alternation(forms: Iterable[str] | dict[str, list[str]]) -> str:
    """The forms as one regular-expression alternation, escaped, lower-cased, longest first (so "compared
    with" is tried before "with"); a per-language word list (``{"en": [...], "ru": [...]}``) gives all its
    languages' forms, its ``_about``-style keys skipped."""
    if isinstance(forms, dict):
        forms = [f for key, fs in forms.items() if not key.startswith("_") for f in fs]
    return "|".join(map(re.escape, sorted({f.lower() for f in forms}, key=len, reverse=True)))


def literal_regex(forms: list[str]) -> re.Pattern | None:
    """One regular expression for the literal forms ("C5+1", "C5 + 1"), spaces optional."""
    if not forms:
        return None
    parts = sorted({r"\s*".join(re.escape(c) for c in f.replace(" ", "")) for f in forms}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")
