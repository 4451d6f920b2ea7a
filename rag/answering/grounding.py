"""What a question pins down, and whether a piece of evidence mentions it.

A similarity threshold alone cannot tell "trade with Bulgaria in 2021" from "trade with
Bulgaria in 2023": both score alike. So the answerer checks that every year and number the
question names appears in the evidence's article, and every place, country or person it names is
mentioned there, matching names across scripts and languages:

* countries and cities through a small multilingual gazetteer of name stems (the names differ
  between languages: "Черна гора", "Montenegro", "Черногория"), written here because no
  installable library maps such names across these four languages;
* other proper names (persons) through a consonant skeleton of their transliteration
  (``anyascii``): "Токаева", "Тоқаев" and "Tokayev" all reduce to "tkv".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

from rag.answering.facts import _month_number, numbers_in

# Stems (lower case, matched at a word start) of places in en, ru, bg, kk.
GAZETTEER: dict[str, tuple[str, ...]] = {
    "Albania": ("albani", "албан"), "Bulgaria": ("bulgari", "болгар", "българ"),
    "Hungary": ("hungar", "венгр", "венгер", "унгар", "мажар"), "Italy": ("ital", "итал"),
    "Lithuania": ("lithuani", "литв", "литов"), "Latvia": ("latvi", "латви", "латвий", "латвийск"),
    "Estonia": ("estoni", "эстони", "естони"), "North Macedonia": ("macedon", "македон"),
    "Russia": ("russia", "росси", "русск", "руск", "ресей"), "Serbia": ("serbi", "серби", "сербск", "сръбск"),
    "Slovakia": ("slovak", "словак", "словаш"), "Slovenia": ("sloven", "словен"),
    "Montenegro": ("montenegr", "черногор", "черна гора", "черногори", "черна гор"),
    "Croatia": ("croati", "хорват", "хърват"), "Greece": ("greece", "greek", "греци", "гърци", "грек"),
    "Romania": ("romani", "румын", "румъни", "румън"), "Germany": ("german", "герман", "немец", "немецк"),
    "France": ("franc", "french", "франц", "франция"), "Poland": ("poland", "polish", "польш", "полш", "польск"),
    "Czechia": ("czech", "чех", "чеш"), "Austria": ("austri", "австри"), "Turkey": ("turkey", "türki", "турци",
                                                                                      "турск", "түркия"),
    "China": ("china", "chinese", "кита", "китай", "қытай"), "United States": ("usa", "united states", "сша",
                                                                             "америк", "америка", "ақш"),
    "Japan": ("japan", "япон"), "Ukraine": ("ukrain", "украин", "украйн"), "Belarus": ("belarus", "беларус",
                                                                                    "белорус"),
    "Uzbekistan": ("uzbek", "узбек", "өзбек"), "Kyrgyzstan": ("kyrgyz", "киргиз", "кыргыз", "қырғыз"),
    "Tajikistan": ("tajik", "таджик", "тәжік"), "Turkmenistan": ("turkmen", "туркмен", "түрікмен"),
    "Azerbaijan": ("azerbaij", "азербайдж", "әзірбайжан"), "Georgia": ("georgia", "грузи", "грузин"),
    "Armenia": ("armeni", "армени", "армян"), "Moldova": ("moldov", "молдов", "молдав"),
    "Spain": ("spain", "spanish", "испан"), "Portugal": ("portug", "португал"), "Belgium": ("belgi", "бельги",
                                                                                            "белги"),
    "Netherlands": ("netherland", "dutch", "нидерланд", "холанд", "голланд"), "Cyprus": ("cypr", "кипр"),
    "Finland": ("finland", "finnish", "финлянд", "финланд", "финск"), "Sweden": ("swed", "швеци", "швед"),
    "Norway": ("norw", "норвег"), "Denmark": ("denmark", "danish", "дания", "дании", "данию", "датск"),
    "Switzerland": ("switzerland", "swiss", "швейцар"), "Iran": ("iran", "иран"), "India": ("india", "индия", "индии", "индию", "индийск", "үндістан"),
    "Korea": ("korea", "корея", "корее", "корей", "кореи", "корею"), "Mongolia": ("mongol", "монгол", "моңғол"),
    "United Kingdom": ("britain", "british", "united kingdom", "британ", "великобритан", "ұлыбритан"),
    "European Union": ("european union", " eu ", " eu'", " eu-", "(eu)", " ес ", " ео ", "евросъюз", "евросоюз", "европейский союз", "европейския съюз", "еуроодақ",
                       "еуропалық одақ"),
    "Tirana": ("tiran", "тиран"), "Sofia": ("sofia", "софи"), "Budapest": ("budapest", "будапешт"),
    "Rome": ("rome", "рим ", "рима", "риме", "римом", "римге", "римде"), "Vilnius": ("vilni", "вильн", "вилн"), "Riga": ("riga", "рига", "риге"),
    "Skopje": ("skopje", "скопи", "скопј"), "Belgrade": ("belgrad", "белград"),
    "Bratislava": ("bratislav", "братислав"), "Ljubljana": ("ljubljan", "любляна", "любляне", "люблян"),
    "Moscow": ("moscow", "москв"), "Brussels": ("brussel", "брюссел", "брюксел"), "Burgas": ("burgas", "бургас"),
    "Varna": ("varna", "варн"), "Podgorica": ("podgoric", "подгориц"), "Zagreb": ("zagreb", "загреб"),
    "Bucharest": ("buchar", "бухарест", "букурещ"), "Athens": ("athens", "афин", "атина"),
    "Berlin": ("berlin", "берлин"), "Paris": ("paris", "париж"), "Warsaw": ("warsaw", "варшав"),
    "Prague": ("prague", "прага", "праге", "прагу", "прагой"), "Vienna": ("vienna", "виена", "вене", "вену", "веной"), "Ankara": ("ankara", "анкар"),
    "Beijing": ("beijing", "пекин", "бейжің"), "Tokyo": ("tokyo", "токио"), "Tashkent": ("tashkent", "ташкент"),
    "Bishkek": ("bishkek", "бишкек"), "Baku": ("baku", "баку"), "Tbilisi": ("tbilisi", "тбилиси"),
    "Geneva": ("geneva", "женев"), "New York": ("new york", "нью-йорк", "ню йорк", "нью-йорк"),
    "Almaty": ("almaty", "алмат"), "Astana": ("astana", "астан"), "Akorda": ("akord", "акорд", "ақорд"),
    "Europe": ("europ", "европ", "еуроп"), "Central Asia": ("central asia", "центральн", "централна азия",
                                                           "орталық азия"),
    "Asia": ("asia", "азия", "азии", "азию", "азиат", "азиядағы", "азияд"), "Balkans": ("balkan", "балкан"), "Caspian": ("caspian", "каспи", "каспий"), "Cholpon-Ata": ("cholpon", "чолпон"),
    # Diplomatic missions are places too: "when did the embassy in Sofia open" is not answered by a
    # passage about Sofia that names no embassy.
    "embassy": ("embass", "посольств", "посолств", "елшілі"),
    "consulate": ("consulate", "consular", "консульств", "консулств", "консулск", "консулд"),
}
# Always true of this corpus, so never a constraint.
IGNORED_PLACES = {"Kazakhstan"}
# Cities and regions of the gazetteer by country: a visit to Rome is a visit to Italy.
COUNTRY_OF: dict[str, str] = {
    "Tirana": "Albania", "Sofia": "Bulgaria", "Burgas": "Bulgaria", "Varna": "Bulgaria", "Budapest": "Hungary",
    "Rome": "Italy", "Vilnius": "Lithuania", "Riga": "Latvia", "Skopje": "North Macedonia", "Belgrade": "Serbia",
    "Bratislava": "Slovakia", "Ljubljana": "Slovenia", "Moscow": "Russia", "Podgorica": "Montenegro",
    "Zagreb": "Croatia", "Bucharest": "Romania", "Athens": "Greece", "Berlin": "Germany", "Paris": "France",
    "Warsaw": "Poland", "Prague": "Czechia", "Vienna": "Austria", "Ankara": "Turkey", "Beijing": "China",
    "Tokyo": "Japan", "Tashkent": "Uzbekistan", "Bishkek": "Kyrgyzstan", "Cholpon-Ata": "Kyrgyzstan",
    "Baku": "Azerbaijan", "Tbilisi": "Georgia", "Almaty": "Kazakhstan", "Astana": "Kazakhstan",
    "Akorda": "Kazakhstan",
}
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
_KK_TO_OR_IN = re.compile(r"(?:ға|ге|қа|ке|на|не|да|де|та|те)$")
_KZ_STEMS = ("kazakh", "казах", "қазақ")

# Capitalised words that are not names of what a question pins down.
NOT_NAMES = {
    "when", "what", "who", "whom", "which", "where", "why", "how", "did", "does", "do", "is", "are", "was", "were",
    "the", "a", "an", "in", "on", "at", "and", "of", "to", "with", "for", "by", "has", "have", "will", "can",
    "president", "prime", "minister", "deputy", "foreign", "affairs", "ministry", "head", "state", "government",
    "senate", "parliament", "embassy", "ambassador", "republic", "council", "commission", "forum", "joint",
    "statement", "mfa", "un", "osce", "oic", "eu", "nato", "mr", "mrs", "ms",
    "когда", "что", "кто", "кого", "кем", "кому", "какой", "какие", "какая", "каким", "сколько", "где", "как",
    "почему", "зачем", "в", "на", "с", "и", "о", "об", "по", "при", "для", "мид", "оон", "обсе",
    "кога", "какво", "кой", "коя", "кое", "кои", "колко", "къде", "как", "защо", "с", "за", "от", "през",
    "қашан", "не", "кім", "кімге", "кіммен", "қандай", "қанша", "қайда", "неше", "нешінші", "қалай", "неге", "мен",
    "оон", "ұұ", "сім",
}
NAME_RE = re.compile(r"\b[A-ZА-ЯЁӘҒҚҢӨҰҮҺІÀ-Ý][\w'’-]+", re.UNICODE)
YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b")
# "the previous year's $95.2 million", "годом ранее", "былтыр": a year named only relative to another one.
PREVIOUS_YEAR_RE = re.compile(
    r"previous year|preceding year|year earlier|year before|last year|"
    r"предыдущ\w* год|прошл\w* год|годом ранее|год назад|"
    r"предходн\w* година|предишн\w* година|минал\w* година|година по-рано|"
    r"былтыр|өткен жыл|алдыңғы жыл|бір жыл бұрын", re.I)


@dataclass(frozen=True)
class Constraints:
    """What the question pins down."""

    years: frozenset[str]
    numbers: frozenset[str]
    places: frozenset[str]  # gazetteer keys
    names: frozenset[str]  # other capitalised words, as written
    destinations: frozenset[str] = frozenset()  # countries the question asks about a visit to

    def describe(self) -> list[str]:
        return sorted(self.years) + sorted(self.numbers) + sorted(self.places) + sorted(self.names)


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’-]+", text.lower())


@lru_cache(maxsize=1)
def _territory_codes() -> dict[str, str]:
    from babel import Locale

    return {name: code for code, name in Locale("en").territories.items()}


def place_name(place: str, language: str) -> str:
    """A gazetteer country's name in ``language`` (Babel's CLDR names), else its English key."""
    from babel import Locale

    code = _territory_codes().get(place)
    return Locale(language).territories.get(code, place) if code else place


def places_in(text: str) -> set[str]:
    """Gazetteer places mentioned in ``text`` (any language)."""
    lowered = " " + re.sub(r"\s+", " ", text.lower()) + " "
    words = _words(text)
    words += [part for w in words if "-" in w for part in w.split("-")[1:]]  # "Kazakhstan-Bulgaria", "казахско-албанского"
    found = set()
    for place, stems in GAZETTEER.items():
        for stem in stems:
            if (" " in stem and stem in lowered) or any(w.startswith(stem) for w in words):
                found.add(place)
                break
    return found


def _places_of_word(word: str) -> set[str]:
    w = word.lower()
    # a stem with a trailing space ("рим ") is a whole word, so that "римск…" is not Rome
    return {place for place, stems in GAZETTEER.items() for stem in stems if " " not in stem.strip()
            and (w == stem.strip() if stem.endswith(" ") else w.startswith(stem))}


def destinations_in(text: str, language: str) -> set[str]:
    """Countries ``text`` places something in or sends someone to ("visit to Rome" → Italy)."""
    words = _words(text)
    found = set()
    for i, word in enumerate(words):
        places = _places_of_word(word)
        if not places:
            continue
        before = words[i - 1] if i > 0 else ""
        if any(w.startswith(_POSTING_STEMS) for w in words[max(0, i - 4):i]):
            continue
        # "visit to X", "в Болгарию", "visited X", "посетил Черногорию", "Словенияға"
        if before in _TO_OR_IN or _VISIT_VERB_RE.fullmatch(before) or (language == "kk" and _KK_TO_OR_IN.search(word)):
            found |= {COUNTRY_OF.get(p, p) for p in places}
    return found


def visit_destinations(question: str, language: str) -> frozenset[str]:
    """The foreign countries a question asks about a visit to (empty when it asks about no visit)."""
    if not VISIT_RE.search(question):
        return frozenset()
    return frozenset(destinations_in(question, language) - IGNORED_PLACES)


def missing_destinations(destinations: frozenset[str], text: str, language: str) -> list[str]:
    """The asked-about destinations that ``text`` places nothing in (a city of them counts)."""
    if not destinations:
        return []
    return sorted(destinations - destinations_in(text, language))


def _is_place_word(word: str) -> bool:
    w = word.lower()
    return w.startswith(_KZ_STEMS) or any(w.startswith(s) for stems in GAZETTEER.values() for s in stems
                                          if " " not in s)


@lru_cache(maxsize=4096)
def skeleton(word: str) -> str:
    """A script-independent key for a name: consonants of its transliteration ("Тоқаева" → "tkv")."""
    w = anyascii(word).lower()
    for a, b in (("zh", "j"), ("kh", "h"), ("ts", "c"), ("ch", "c"), ("sh", "s"), ("q", "k"), ("x", "ks"),
                 ("w", "v"), ("ph", "f")):
        w = w.replace(a, b)
    w = re.sub(r"[^a-z]", "", w)
    w = re.sub(r"[aeiouyjh]", "", w)
    return re.sub(r"(.)\1+", r"\1", w)


def question_constraints(question: str, language: str = "") -> Constraints:
    """Years, numbers, places, names and visit destinations that the question names."""
    years = frozenset(YEAR_RE.findall(question))
    numbers = frozenset(n for n in numbers_in(YEAR_RE.sub(" ", question)))
    places = frozenset(places_in(question) - IGNORED_PLACES)
    names = frozenset(" ".join(run) for run in _name_runs(question, skip_first=True))
    return Constraints(years, numbers, places, names, visit_destinations(question, language))


def _is_name_word(word: str) -> bool:
    return (len(word) >= 2 and word.lower() not in NOT_NAMES and not _is_place_word(word)
            and _month_number(word) is None and len(skeleton(word)) >= 2)


def _name_runs(text: str, *, skip_first: bool = False) -> list[list[str]]:
    """Runs of two or more consecutive capitalised name words (places, titles, months split runs)."""
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    for i, m in enumerate(NAME_RE.finditer(text)):
        parts = [p for p in m.group(0).strip("-'’").split("-") if p]
        adjacent = last_end >= 0 and text[last_end:m.start()].strip(" ") == ""
        if not adjacent or (skip_first and m.start() == _first_word_start(text)):
            if len(current) >= 2:
                runs.append(current)
            current = []
        if skip_first and m.start() == _first_word_start(text):
            last_end = m.end()
            continue
        for part in parts:
            if _is_name_word(part):
                current.append(part)
            else:
                if len(current) >= 2:
                    runs.append(current)
                current = []
        last_end = m.end()
    if len(current) >= 2:
        runs.append(current)
    return runs


def name_words(question: str) -> frozenset[str]:
    """Every name word of the question but its first word, surnames standing alone included
    ("Тоқаев пен Бегай…" → {"Бегай"})."""
    first = _first_word_start(question)
    words = (m.group(0).strip("-'’") for m in NAME_RE.finditer(question) if m.start() != first)
    return frozenset(w for w in words if "-" not in w and _is_name_word(w) and len(skeleton(w)) >= 2)


def names_mentioned(names: frozenset[str], text: str) -> float:
    """The share of ``names`` that ``text`` mentions (matched across scripts)."""
    if not names:
        return 0.0
    skeletons = {skeleton(p) for w in NAME_RE.findall(text) for p in w.split("-") if p}
    return sum(_word_mentioned(n, skeletons) for n in names) / len(names)


def _first_word_start(text: str) -> int:
    m = re.search(r"\w", text)
    return m.start() if m else 0


def _word_mentioned(word: str, skeletons: set[str]) -> bool:
    key = skeleton(word)
    stem = key[:max(2, len(key) - 1)]  # tolerate a case ending ("Радева", "Бегаем")
    return any(s.startswith(stem) or (len(s) >= 3 and key.startswith(s)) for s in skeletons)


def _name_mentioned(name: str, skeletons: set[str]) -> bool:
    """A multi-word name is mentioned when any of its words is (the surname alone, the first name alone)."""
    return any(_word_mentioned(word, skeletons) for word in name.split() if len(skeleton(word)) >= 2)


def years_mentioned(text: str, date: str | None = None) -> set[str]:
    """The years ``text`` (a sentence) speaks of: those it names, its date's, and the year before one of
    them when it says "the previous year" or "last year" (so "trade in 2023" is answered by "3.9 times
    the previous year's $95.2 million" in a sentence about 2024)."""
    years = set(YEAR_RE.findall(text)) | ({date[:4]} if date else set())
    if PREVIOUS_YEAR_RE.search(text):
        years |= {str(int(y) - 1) for y in years}
    return years


def missing_constraints(constraints: Constraints, text: str, date: str | None = None) -> list[str]:
    """What the question names that ``text`` (an article's title and body, with its date) does not mention."""
    missing: list[str] = []
    haystack_years = set(YEAR_RE.findall(text)) | ({date[:4]} if date else set())
    missing += [y for y in sorted(constraints.years) if y not in haystack_years]
    if constraints.numbers:
        present = numbers_in(text)
        missing += [n for n in sorted(constraints.numbers) if n not in present]
    if constraints.places:
        present_places = places_in(text)
        missing += [p for p in sorted(constraints.places) if p not in present_places]
    if constraints.names:
        skeletons = {skeleton(p) for w in NAME_RE.findall(text) for p in w.split("-") if p}
        missing += [n for n in sorted(constraints.names) if not _name_mentioned(n, skeletons)]
    return missing


def person_names(text: str) -> list[tuple[int, int, str]]:
    """Likely person names in ``text``: runs of two or more capitalised words that are not places or titles."""
    found = []
    for run in _name_runs(text):
        pattern = r"[\s-]+".join(re.escape(w) for w in run)
        m = re.search(pattern, text)
        if m:
            found.append((m.start(), m.end(), m.group(0)))
    return found
