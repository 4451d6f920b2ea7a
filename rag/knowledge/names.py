"""Persons and other proper names: transliteration between Latin and the Cyrillic of Russian,
Bulgarian and Kazakh, matching a name across scripts and case endings, and the table of names a
corpus mentions.

Transliteration tables are written here: ``cyrtranslit`` has no Kazakh, its Russian is GOST 7.79
("SHHerba", "CZvetan"), not the press's "Shcherba", "Tsvetan", and its Latin → Cyrillic reads letter by
letter ("Begaj" → bg "Бегаь"); ``iuliia`` is Russian only and one way. The press conventions are
short tables per language. ``anyascii`` (already a dependency) reduces any other script or
diacritic for the phonetic key that :func:`same_name` compares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from anyascii import anyascii

from rag.knowledge.matcher import WORD_RE, Mention, is_cyrillic, starts_sentence

# --- Cyrillic → Latin ---------------------------------------------------------------------------

_RU_LATIN = dict(zip("абвгдзийклмнопрстуфыэ", "abvgdziyklmnoprstufye")) | {
    "е": "e", "ё": "yo", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ь": "",
    "ю": "yu", "я": "ya"}
_BG_LATIN = _RU_LATIN | {"х": "h", "щ": "sht", "ъ": "a", "ь": "y", "ы": "y", "э": "e"}
# Kazakh as the English-language press writes it (Тоқаев → Tokayev, Нұртілеу → Nurtleu)
_KK_LATIN = _RU_LATIN | {"ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i"}
_LATIN = {"ru": _RU_LATIN, "bg": _BG_LATIN, "kk": _KK_LATIN}
_CYR_VOWELS = set("аеёиоуыэюяәөұүі")


def guess_cyrillic_language(word: str) -> str:
    """"kk" for a word with Kazakh letters, "bg" for one with a Bulgarian ъ inside, else "ru"."""
    w = word.lower()
    if re.search("[әғқңөұүһі]", w):
        return "kk"
    if re.search("ъ.|щ", w) and not re.search("[ыэё]", w):
        return "bg" if "ъ" in w[:-1] else "ru"
    return "ru"


def _to_latin(word: str, language: str) -> str:
    table = _LATIN.get(language, _RU_LATIN)
    out = []
    lower = word.lower()
    for i, ch in enumerate(lower):
        prev = lower[i - 1] if i else ""
        if ch == "е" and language != "bg" and (not prev or prev in _CYR_VOWELS or prev in "ъь"):
            piece = "ye"  # Ермек → Yermek, Токаев → Tokayev
        elif ch == "я" and language == "bg" and i == len(lower) - 1 and prev == "и":
            piece = "a"  # България → Bulgaria
        else:
            piece = table.get(ch, ch)
        out.append(piece.capitalize() if word[i].isupper() and piece else piece)
    return "".join(out)


# --- Latin → Cyrillic ---------------------------------------------------------------------------

_DIACRITICS = {"č": "ч", "ć": "ч", "š": "ш", "ś": "ш", "ž": "ж", "ź": "ж", "đ": "дж", "ç": "ч", "ğ": "г",
               "ı": "ы", "ł": "л", "ñ": "нь", "ė": "е", "ę": "е", "ą": "а", "ū": "у", "ų": "у", "ü": "ю",
               "ö": "ё", "ä": "э", "é": "е", "è": "е", "ë": "е", "á": "а", "í": "и", "ó": "о", "ú": "у",
               "ý": "и", "ô": "о", "â": "а", "î": "и", "ș": "ш", "ş": "ш", "ț": "ц", "ţ": "ц", "ă": "э"}
# longest first
_LATIN_CYR = [("shch", "щ"), ("sch", "ш"), ("dzh", "дж"), ("sh", "ш"), ("ch", "ч"), ("cz", "ч"), ("dj", "дж"), ("zh", "ж"), ("kh", "х"),
              ("ts", "ц"), ("tz", "ц"), ("ph", "ф"), ("th", "т"), ("ck", "к"), ("qu", "кв"), ("ya", "я"),
              ("yu", "ю"), ("yo", "ё"), ("ye", "е"), ("ja", "я"), ("ju", "ю"), ("jo", "йо"), ("je", "е"),
              ("x", "кс"), ("w", "в"), ("q", "к"), ("a", "а"), ("b", "б"), ("d", "д"), ("e", "е"), ("f", "ф"),
              ("g", "г"), ("h", "х"), ("i", "и"), ("j", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
              ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"), ("y", "и"),
              ("z", "з")]
_LAT_VOWELS = set("aeiouyáéíóúėęąūųüöäëâîôă")


def _to_cyrillic(word: str, language: str) -> str:
    lower = word.lower()
    out: list[str] = []
    i = 0
    while i < len(lower):
        rest = lower[i:]
        prev = lower[i - 1] if i else ""
        nxt = lower[i + 1] if i + 1 < len(lower) else ""
        after = lower[i + 2] if i + 2 < len(lower) else ""
        if rest[0] in _DIACRITICS:
            piece, size = _DIACRITICS[rest[0]], 1
        elif rest.startswith("qu") and after and after in "eiéí" and lower[i + 3:i + 4] not in _LAT_VOWELS:
            # Romance "qu" before e/i, as in the name keys: "Enrique" is "Энрике", "Quintana" "Кинтана"; a
            # vowel after it is English ("Queens" keeps its "кв")
            piece, size = "к", 2
        elif rest.startswith("iu") and prev and prev not in _LAT_VOWELS and after and after not in _LAT_VOWELS:
            piece, size = "ю", 2  # Lithuanian "-lius", "Neliupšienė": a soft consonant before u
        elif rest.startswith("ia") and prev and prev not in _LAT_VOWELS and after and after not in _LAT_VOWELS:
            piece, size = "я", 2
        elif rest[0] in "iy" and prev in _LAT_VOWELS and prev and (not nxt or nxt not in _LAT_VOWELS) \
                and lower[max(0, i - 2):i] != "qu":  # the u of "qu" is a consonant ("к" or "в")
            piece, size = "й", 1  # "Begaj", "Mykolaitis": a vowel then i/j/y before a consonant
        elif rest[0] == "c" and nxt not in ("h", "k", "z"):
            piece, size = ("ц" if nxt and nxt in "eiy" else "к"), 1
        elif rest[0] == "e" and language != "bg" and (not prev or prev in "aou") and not (
                lower[max(0, i - 2):i] == "qu" and lower[i + 1:i + 2] not in _LAT_VOWELS):  # "Enrique": the "к" rule above
            piece, size = "э", 1  # ru and kk write "Эрмал", "Габриэлюс"; Bulgarian has no э
        else:
            piece, size = next(((c, len(lat)) for lat, c in _LATIN_CYR if rest.startswith(lat)), (rest[0], 1))
            if piece == rest[0] and not rest[0].isalpha():
                size = 1
            elif piece == rest[0]:
                piece = anyascii(rest[0]).lower()
                piece = next((c for lat, c in _LATIN_CYR if lat == piece), piece)
        if piece == "й" and rest[0] == "j" and prev and prev not in _LAT_VOWELS:
            piece = "ь" if language != "bg" else "й"
        out.append(piece)
        i += size
    text = "".join(out)
    if language == "bg":
        text = text.replace("ы", "и").replace("э", "е")
    return text[:1].upper() + text[1:] if word[:1].isupper() else text


def transliterate(name: str, to_language: str, from_language: str | None = None) -> str:
    """``name`` in the script of ``to_language``: Latin for "en", Cyrillic for "ru", "bg", "kk"
    ("Ramona Strugariu" → "Рамона Стругариу"; "Тоқаев" → "Tokayev"; "Габриэлюс" → bg "Габриелюс").
    ``from_language`` says which Cyrillic a Cyrillic name is written in (guessed when None)."""
    if to_language not in ("en", "ru", "bg", "kk"):
        raise ValueError(f"unknown language {to_language!r}: use en, ru, bg or kk")

    def word(m: re.Match) -> str:
        w = m.group(0)
        if is_cyrillic(w):
            source = from_language or guess_cyrillic_language(w)
            if to_language == "en":
                return _to_latin(w, source)
            if to_language == "bg" and source != "bg":
                return w.replace("э", "е").replace("Э", "Е").replace("ы", "и").replace("ё", "йо")
            if to_language != "bg" and source == "bg":
                return w  # a Bulgarian spelling reads the same in Russian and Kazakh
            return w
        if to_language == "en":
            return w
        return _to_cyrillic(w, to_language)

    return WORD_RE.sub(word, name)


# --- matching names -----------------------------------------------------------------------------

# Endings a name takes in Russian, Bulgarian and Kazakh text: "Токаева", "Тоқаевпен", "Бегаймен",
# "Radev's" (the 's is a word of its own). Not the Kazakh dative "на/не": it follows only a possessive
# ("Президентіне"), never a person's name, and as an ending it made "Румена" the name "Рама".
_NAME_ENDINGS = sorted(set(
    "а у ом ым ой е ы и ем ей ою ею ого ому ую ым ых ыми ами ам ах "
    "пен мен бен ға ге қа ке да де та те дан ден тан тен нан нен ның нің дың дің тың тің ны ні ды ді ты ті "
    "ға ның мен ды ті ке".split()), key=len, reverse=True)


@lru_cache(maxsize=8192)
def _key(word: str, vowels: bool = False) -> str:
    """A phonetic key of one word, the same in every script: vowels as one class (unless ``vowels``),
    doubled letters once ("Tokayev", "Токаев", "Тоқаев" → "takav")."""
    w = _to_latin(word, guess_cyrillic_language(word)) if is_cyrillic(word) else word
    w = anyascii(w).lower()
    # Romance "qu" before e or i is k ("Enrique", "Quintero": Энрике, Кинтеро); before another vowel it
    # stays "ku", as Vietnamese "Quang" is "Куанг" (English "Quint", "Квинт", is not caught so)
    w = re.sub(r"qu(?=[ei])", "k", w)
    w = re.sub(r"nh$", "n", w)  # Vietnamese final "nh" is Russian "н"/"нь": "Minh" is "Мин", "Thanh" "Тхань"
    # f and v are one (German "von" is "фон"); "C" is ч ("ch"), kept apart from a Latin "c" until that is read as k or c; ц ("ts") is a Latin "c"
    # and is read as that is ("Chovanec", "Хованец")
    for a, b in (("dzh", "j"), ("dz", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"), ("tch", "C"), ("ch", "C"),
                 ("sh", "s"), ("ts", "c"), ("tz", "c"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("w", "v"),
                 ("x", "ks"), ("q", "k"), ("y", "i"), ("j", "i"), ("f", "v")):
        w = w.replace(a, b)
    w = re.sub(r"[^a-zC]", "", w)
    # Latin c before a back vowel or a consonant is k ("Marco", "Caspian"); "Charles" keeps its ч ("Carlos")
    w = re.sub(r"c(?![ei])", "k", w).replace("C", "c")
    if not vowels:
        w = re.sub(r"[aeiou]+", "a", w)
    return re.sub(r"(.)\1+", r"\1", w)


_LATIN_CH = ("sh", "kh", "k")
_SHORT_KEY = 4  # a vowel-class key this long or shorter is matched with its vowels (see word_keys)
_ROMANISED_SURNAME = re.compile(r"(?:[oe]va?|[iy]na?|[oe]vich|[oe]vna|enko|uly|kyzy|bek|ski|ska|sky)$", re.I)


@lru_cache(maxsize=8192)
def word_keys(word: str) -> frozenset[str]:
    """Keys of a name word and of its stems without a case ending.

    Two kinds: a key with its vowels as one class ("radav"), and, marked "=", a key that keeps its vowels
    ("=radev"), matched only by an equal "=" key. A vowel-class key of four letters or fewer says too
    little to tell names apart ("Park" and "Pirc" are both "park", "Mario" and "Mira" "mara"), so a short
    word is keyed with its vowels only."""
    bases = [word]
    if is_cyrillic(word):
        lower = word.lower()
        bases += [word[:-len(e)] for e in _NAME_ENDINGS if lower.endswith(e) and len(lower) - len(e) >= 3]
    elif re.search(r"[aeiouy]$", word, re.I) and len(_key(word)) <= _SHORT_KEY:
        # a short Latin name ending in a vowel has Cyrillic case forms without it: "Rama", "Рамы" ("Рам")
        bases.append(word[:-1])
    variants = []
    if not is_cyrillic(word) and len(word) >= 5 and re.search("ch", word, re.I) and not _ROMANISED_SURNAME.search(word):
        # Latin "ch" is said as in the name's own language: French "Michel" is Russian "Мишель", German
        # "Fuchs" "Фукс"/"Фухс", Italian "Chiara" "Кьяра"; English and Spanish "ch" is the key's own "c".
        # A name romanised from Russian, Bulgarian or Kazakh writes ш "sh": its "ch" is ч ("Gechev" is
        # "Гечев", not "Гешев"), so those surnames' endings keep the one key; a short word ("Chan") keeps it
        # too, its variants' keys being too short to tell names apart ("Хан", "Шан").
        # A variant is a guess at the sound, so it is matched with its vowels only, marked "~" (as a
        # vowel-class key "Shirac" would be "Серик", "sarak"); see same_word.
        variants = [re.sub("ch", sound, word, flags=re.I) for sound in _LATIN_CH]
    if is_cyrillic(word):
        # an ending replaces a soft letter: "Бегаем" is "Бегай", "Мишелем" "Мишель"
        bases += [b + "й" for b in bases[1:] if b[-1:].lower() in "аеиоуыэюяё"]
        bases += [b + "ь" for b in bases[1:] if b[-1:].isalpha() and b[-1:].lower() not in "аеиоуыэюяёйь"]
    keys: set[str] = set()
    for b in bases:
        full = _key(b, vowels=True)
        keys.add("=" + full)
        if len(b) > 3 and len(k := _key(b)) > _SHORT_KEY:
            keys.add(k)
            # consonants alone, for a long enough name: Kazakh "Нұртілеу" is written "Nurtleu"
            if len(c := k.replace("a", "")) >= 4:
                keys.add(c)
        elif len(b) > 3:
            keys.add("≈" + k)  # a weak key: see same_name
    keys |= {"~" + _key(v, vowels=True) for v in variants}
    return frozenset(k for k in keys if k.strip("=~"))


def _words(name: str) -> list[str]:
    return [w for w in WORD_RE.findall(name) if len(w) > 1 or w.isupper()]


@lru_cache(maxsize=65536)
def _weakly_same(a: str, b: str) -> bool:
    """Whether two short name words share a vowel-class key though not their vowels ("Leyen", "Ляйен";
    but "Park", "Pirc" too): a match only beside a word that matches for sure (see :func:`same_name`)."""
    return bool({k for k in word_keys(a) if k[0] == "≈"} & word_keys(b))


@lru_cache(maxsize=65536)
def same_word(a: str, b: str) -> bool:
    """Whether two name words are one name, across scripts and case endings.

    Keys equal; or, for consonant skeletons of five or more letters, one edit apart (transliterations
    disagree on one sound: "Koshcherbayev" is "Кошербаев"; on four, "Merkel" would be "Marques"); or
    full keys of six or more letters with two neighbours swapped (sources misspell: "Neliupšienė",
    "Нелюшпиене"); or
    one a prefix of the other from five letters on (a name and the adjective made of it:
    "Trans-Caspian", "Транскаспийския")."""
    ka, kb = word_keys(a), word_keys(b)
    if {k for k in ka & kb if k[0] != "≈"} or _variant_of(ka, kb) or _variant_of(kb, ka):
        return True
    sa = [k for k in ka if "a" not in k and k[0] not in "=~≈"]
    sb = [k for k in kb if "a" not in k and k[0] not in "=~≈"]
    full = [(x, y) for x in ka for y in kb
            if "a" in x and "a" in y and x[0] not in "=~≈" and y[0] not in "=~≈" and len(x) >= 6]
    return any(_near(x, y) for x in sa for y in sb) or any(_swapped(x, y) for x, y in full)


def _variant_of(ka: frozenset[str], kb: frozenset[str]) -> bool:
    """Whether a sound variant of a Latin word ("~" keys: "Charles" said "Sharles") is the other word's
    spelling with its vowels, or that spelling's stem of four or more letters short of at most two of the
    variant's letters: French final letters are silent and a case ending replaces them ("Шарлем", stem
    "Шарл", is "Charles")."""
    variants = [k[1:] for k in ka if k[0] == "~"]
    spelled = [k[1:] for k in kb if k[0] == "="]
    return any(v == s or (len(s) >= 4 and v.startswith(s) and len(v) - len(s) <= 2)
               for v in variants for s in spelled)


def _near(x: str, y: str) -> bool:
    short, long_ = sorted((x, y), key=len)
    if len(short) < 5:
        return False
    if len(short) >= 5 and long_.startswith(short[:max(5, len(short) - 1)]):
        return True
    if len(long_) - len(short) > 1:
        return False
    # one substitution, insertion or deletion
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i + (len(short) == len(long_)):] == long_[i + 1:]


def _swapped(x: str, y: str) -> bool:
    """Whether two keys differ by two neighbouring letters swapped (a misspelling in the source: Lithuanian
    "Neliupšienė" is written "Нелюшпиене"). Full keys only, with their vowel class: on consonants alone a
    swap joins different people ("Kalimov", "Kamilov")."""
    if len(x) != len(y) or x == y:
        return False
    i = next(k for k in range(len(x)) if x[k] != y[k])
    return i + 1 < len(x) and x[i] == y[i + 1] and x[i + 1] == y[i] and x[i + 2:] == y[i + 2:]


def same_name(a: str, b: str) -> bool:
    """Whether two names name the same person or thing, across scripts and case endings
    ("Тоқаевпен", "Токаева", "Tokayev"; "Kassym-Jomart Tokayev" and "Токаев"): every word of the
    shorter name is a word of the longer, in order. A short word whose vowels differ ("Ляйен", "Leyen")
    counts only beside a word that matches for sure ("Урсулой … Ляйен", "Ursula … Leyen")."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return False
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    j, sure = 0, False
    for w in short:
        while j < len(long_) and not (same_word(w, long_[j]) or _weakly_same(w, long_[j])):
            j += 1
        if j == len(long_):
            return False
        sure = sure or same_word(w, long_[j])
        j += 1
    return sure


# --- the names of a corpus ----------------------------------------------------------------------

@dataclass(frozen=True)
class Name:
    """A person or other name the corpus mentions, with the forms it was written in."""

    forms: tuple[tuple[str, str], ...]  # (language, surface), most frequent first

    @property
    def canonical(self) -> str:
        """The most frequent Latin form, else the most frequent form."""
        latin = [s for lang, s in self.forms if not is_cyrillic(s)]
        return latin[0] if latin else self.forms[0][1]

    def display(self, language: str) -> str:
        """The name as the corpus writes it in ``language`` (a form seen in that language's text, in
        its script), else transliterated."""
        cyrillic = language != "en"
        # the shortest form: case endings lengthen a name ("Бегаймен", "Сергеем Лавровым")
        own = [s for lang, s in self.forms if lang == language and is_cyrillic(s) == cyrillic]
        if own:
            best = min(own, key=len)
            # a name the language's texts write only with a case ending ("Румен Радевке"): the form of
            # another language that it extends by an ending is the name itself ("Румен Радев")
            stems = [s for _, s in self.forms if is_cyrillic(s) == cyrillic and _extends(best, s, language)]
            if cyrillic and not stems:  # "Сергеем Лавровым" extends "Sergey Lavrov" transliterated
                stems = [t for _, s in self.forms if not is_cyrillic(s)
                         # a transliteration's vowels are a guess ("Мариа"): only "й"/"ь" may take an ending
                         if _extends(best, t := transliterate(s, language), language, soft="йь")]
            if not stems and language == "ru":
                return _without_russian_ending(best)  # written only declined: "Бахытжаном Ермековым"
            return min(stems, key=len) if stems else best
        if not cyrillic:
            surface = min((s for _, s in self.forms), key=len)
            if self.only_kazakh:
                surface = _without_kazakh_ending(surface)
            elif all(lang == "ru" for lang, _ in self.forms):
                surface = _without_russian_ending(surface)
            return transliterate(surface, "en")
        latin = [s for _, s in self.forms if not is_cyrillic(s)]
        if latin:
            return transliterate(min(latin, key=len), language)
        lang, surface = min(self.forms, key=lambda f: len(f[1]))
        if language != "kk" and self.only_kazakh:
            surface = _without_kazakh_ending(surface)
        return transliterate(surface, language, lang)

    @property
    def only_kazakh(self) -> bool:
        return all(lang == "kk" for lang, _ in self.forms)


# The Kazakh genitive endings: a name the corpus writes only in Kazakh and only declined ("Марко Полоның
# есімі") is shown in another language without one. Other endings end names too ("Байден", "Кармен", "-а").
_KAZAKH_LONG_ENDINGS = ("ның", "нің", "дың", "дің", "тың", "тің")


# Russian endings no nominative of a name ends in ("Бахытжаном Ермековым" is "Бахытжан Ермеков"): a name
# the corpus writes only so is shown in English without them. Not "ем", "ой", "а": "Рустем", "Толстой", "Анна".
_RUSSIAN_OBLIQUE = ("ыми", "ого", "ому", "ым", "ом")


def _without_russian_ending(name: str) -> str:
    def bare(word: str) -> str:
        for ending in _RUSSIAN_OBLIQUE:
            if word.endswith(ending) and len(word) - len(ending) >= 4:
                return word[:-len(ending)]
        return word

    return " ".join(bare(w) for w in name.split(" "))


def _without_kazakh_ending(name: str) -> str:
    head, _, last = name.rpartition(" ")
    for ending in _KAZAKH_LONG_ENDINGS:
        if last.endswith(ending) and len(last) - len(ending) >= 3:
            return f"{head} {last[:-len(ending)]}".strip()
    return name


@lru_cache(maxsize=1)
def _case_endings() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """The case endings names take, by language (``case_endings.json``: Russian and Kazakh), and the letters
    an ending may replace."""
    from rag.knowledge.places import load

    data = load("case_endings.json")
    return {lang: frozenset(forms) for lang, forms in data["endings"].items()}, frozenset(data["soft"])


def _extends(longer: str, shorter: str, language: str, soft: str | None = None) -> bool:
    """Whether ``longer`` is ``shorter`` with ``language``'s case endings on its words ("Сергеем Лавровым"
    of "Сергей Лавров"); an ending may replace a soft last letter (``soft``, default ``case_endings.json``'s)."""
    by_language, soft_letters = _case_endings()
    endings = by_language.get(language, frozenset())
    soft_letters = frozenset(soft) if soft is not None else soft_letters
    a, b = longer.split(), shorter.split()

    def inflects(x: str, y: str) -> bool:
        if x == y:
            return True
        if x.startswith(y) and x[len(y):] in endings:
            return True
        return y[-1:].lower() in soft_letters and x.startswith(y[:-1]) and x[len(y) - 1:] in endings

    return bool(endings) and len(a) == len(b) and longer != shorter and all(inflects(x, y) for x, y in zip(a, b))


def _lookup_keys(word: str) -> set[str]:
    """The keys under which a table holds the names ``word`` may be: its own, and for a sound variant the
    spellings :func:`_variant_of` accepts."""
    keys = set(word_keys(word))
    for k in word_keys(word):
        if k[0] == "~":
            keys |= {"=" + k[1:len(k) - cut] for cut in range(3) if len(k) - 1 - cut >= 4 or cut == 0}
    return keys


@dataclass(frozen=True)
class NameTable:
    """The names a corpus mentions (see :func:`collect_names`)."""

    names: tuple[Name, ...] = ()
    _by_key: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        for i, name in enumerate(self.names):
            for _, surface in name.forms:
                for w in _words(surface):
                    for k in word_keys(w):
                        self._by_key.setdefault(k, set()).add(i)

    def lookup(self, name: str) -> Name | None:
        """The known name that ``name`` names (any script, any case ending), else None."""
        candidates = set.intersection(*[set().union(*(self._by_key.get(k, set()) for k in _lookup_keys(w)))
                                        for w in _words(name)]) if _words(name) else set()
        for i in sorted(candidates):
            if any(same_name(name, s) for _, s in self.names[i].forms):
                return self.names[i]
        return None

    def find(self, text: str) -> list[Mention]:
        """Mentions of known names in ``text``: runs of capitalised words one of whose words is a
        known name's (kind "name", id its canonical form)."""
        out = []
        for start, end, surface in capitalised_runs(text, min_words=1):
            name = self.lookup(surface) or next(
                (n for w in _words(surface) if (n := self.lookup(w)) is not None), None)
            if name is not None:
                out.append(Mention("name", name.canonical, start, end, surface))
        return out

    def to_json(self) -> list[list[list[str]]]:
        """A JSON-ready form (store it beside an index)."""
        return [[list(f) for f in n.forms] for n in self.names]

    @classmethod
    def from_json(cls, data: list) -> "NameTable":
        """The table :meth:`to_json` wrote."""
        return cls(tuple(Name(tuple((lang, s) for lang, s in forms)) for forms in data))


_CAPITAL_WORD = re.compile(r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІÀ-ÝŠŽČĆĐŁŚŹŻ][^\W\d_]*(?:[’'-][^\W\d_]+)*")


def capitalised_runs(text: str, min_words: int = 2) -> list[tuple[int, int, str]]:
    """Runs of capitalised words separated by single spaces (start, end, surface), at least
    ``min_words`` long."""
    out = []
    run: list[re.Match] = []

    def flush() -> None:
        if len(run) >= min_words:
            out.append((run[0].start(), run[-1].end(), text[run[0].start():run[-1].end()]))

    for m in _CAPITAL_WORD.finditer(text):
        if run and text[run[-1].end():m.start()] not in (" ", "\u00a0"):
            flush()
            run = []
        run.append(m)
    if run:
        flush()
    return out


def collect_names(texts: Iterable[tuple[str, str]]) -> NameTable:
    """The capitalised multi-word names of a corpus (``(text, language)`` pairs) that are no known
    place, organisation, title or other term, grouped across scripts and case endings into one
    :class:`Name` per person ("Ramona Strugariu" with "Рамона Стругариу").

    A capitalised word the corpus also writes in lower case is a common word, not a name (headlines
    capitalise "Hold First Round"; "Според Румен Радев" starts with "според"): such words are cut
    from a run's ends and split it inside."""
    from collections import Counter

    from rag.knowledge import entities_in, name_head_end, names_a_thing, place_words
    from rag.knowledge.lexicon import all_stopwords, stops_a_name

    texts = list(texts)
    lower_words = {w for text, _ in texts for w in WORD_RE.findall(text) if w[0].islower()}

    def common_word(part: str, initial: bool) -> bool:
        w = part.lower()
        if is_cyrillic(w):
            # a Cyrillic text capitalises a stopword inside a sentence only in a name ("Си Цзиньпин", "Ли Цян",
            # "Ана Брнабич"), unless stops_a_name says otherwise; any other word the corpus writes in lower
            # case is a common one ("Дня Победы"). English headlines capitalise every word ("Hold First Round")
            return w in lower_words and (w not in all_stopwords() or stops_a_name(part, initial))
        # headline verbs and nouns: "Signs" beside "signed", "Holds" beside "hold"
        stems = {w, w[:-1] if w.endswith("s") else w, w[:-2] if w.endswith("es") else w}
        return any(s in lower_words or s + "s" in lower_words or s + "ed" in lower_words or s + "d" in lower_words
                   or s + "ing" in lower_words for s in stems)

    counts: Counter[tuple[str, str]] = Counter()
    for text, language in texts:
        # the word a place noun names ("Вальпараисо қаласында") is part of a place's name, not a person's
        known = [(m.start, m.end) for m in entities_in(text, language)] + place_words(text)
        for start, end, surface in capitalised_runs(text):
            piece: list[re.Match] = []
            for w in list(_CAPITAL_WORD.finditer(surface)) + [None]:
                usable = w is not None and not (
                    any(s <= start + w.start() < e for s, e in known)
                    or all(common_word(part, starts_sentence(text, start + w.start()))
                           for part in re.split(r"[-’']", w.group(0)) if part))
                if usable:
                    piece.append(w)
                    continue
                head = (name_head_end(text, start + piece[0].start(), start + piece[-1].end())
                        if len(piece) >= 2 else None)
                if head is not None:
                    # a body's or a region's name, then a person's: "Osaka Prefecture Keiko Morimoto"
                    piece = [p for p in piece if start + p.start() >= head]
                if len(piece) >= 2:
                    name = re.sub(r"['’]s$", "", surface[piece[0].start():piece[-1].end()])
                    # with the word after it: "Pacific Islands" is part of the name "Pacific Islands Forum"
                    after = start + (w.end() if w is not None else piece[-1].end())
                    if len(_words(name)) >= 2 and not names_a_thing(text, start + piece[0].start(), after):
                        counts[(language, name)] += 1
                piece = []
    groups: list[list[tuple[tuple[str, str], int]]] = []
    for (language, surface), n in counts.most_common():
        for group in groups:
            if any(_same_full_name(surface, s) for (_, s), _ in group):
                group.append(((language, surface), n))
                break
        else:
            groups.append([((language, surface), n)])
    return NameTable(tuple(Name(tuple(form for form, _ in group)) for group in groups))


def _contiguous(words: list, kept: list) -> bool:
    i = words.index(kept[0])
    return words[i:i + len(kept)] == kept


def _same_full_name(a: str, b: str) -> bool:
    """Two full names are one when they have as many words and each matches."""
    wa, wb = _words(a), _words(b)
    return len(wa) == len(wb) and all(same_word(x, y) for x, y in zip(wa, wb))
