"""Republished copies are recognised; translations and other reports of the same event are not."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from newssite import COPY_RU, SCHOLARSHIP_KK, TRANSPORT_EN, TRANSPORT_RU, WATER_EN, page
from rag.articles import Article, load_articles, parse_html
from rag.dedupe import (
    KEY_OVERLAP,
    THRESHOLD,
    DuplicateFinder,
    find_duplicates,
    jaccard,
    key_overlap,
    key_tokens,
    shingles,
    similarity,
)

DOCUMENTS = Path(__file__).resolve().parent.parent / "documents"
AQSHAM = "kk_albania_tokayev_direct_flights_aqshamnews_2023-09-07.txt"
TURAN = "kk_albania_tokayev_direct_flights_turanews_2023-09-07.txt"


def _page(article: dict, lang: str, site: str, furniture: str = "ru") -> Article:
    html = page(article | {"date": "2025-06-09"}, lang=lang, site=site, url=f"http://x.invalid/{site}",
                furniture=furniture)
    return parse_html(html, doc=f"{site}.html")


def test_the_corpus_has_exactly_its_one_known_reprint():
    articles, _ = load_articles(DOCUMENTS)
    assert find_duplicates(articles) == {TURAN: AQSHAM}
    # whatever order the list comes in, the keeper is the first name
    assert find_duplicates(list(reversed(articles))) == {TURAN: AQSHAM}


def test_translations_of_the_same_event_are_twins_not_duplicates():
    articles, _ = load_articles(DOCUMENTS)
    same_day = [a for a in articles if a.date == "2025-06-09"]
    assert {a.language for a in same_day} >= {"bg", "en", "ru", "kk"}
    assert find_duplicates(same_day) == {}
    bg = next(a for a in same_day if a.language == "bg")
    # even ignoring the same-language rule they share no wording
    assert all(jaccard(shingles(bg.body), shingles(a.body)) < 0.05 for a in same_day if a.language != "bg")


def test_a_reprint_with_other_furniture_and_small_edits_is_a_duplicate():
    original = _page(TRANSPORT_RU, "ru", "Astana")
    copy = _page(COPY_RU, "ru", "Second", furniture="en")
    translation = _page(TRANSPORT_EN, "en", "Astana-en", furniture="en")
    other = _page(SCHOLARSHIP_KK, "kk", "Astana-kk")
    assert similarity(original, copy) >= THRESHOLD
    assert similarity(original, translation) == 0.0
    assert find_duplicates([original, copy, translation, other]) == {"Second.html": "Astana.html"}


def test_different_articles_in_one_language_stay_apart():
    a = _page(TRANSPORT_EN, "en", "a", furniture="en")
    b = _page(WATER_EN, "en", "b", furniture="en")
    assert similarity(a, b) < THRESHOLD
    assert find_duplicates([a, b]) == {}


def test_copies_of_copies_point_at_one_keeper():
    base = _page(TRANSPORT_RU, "ru", "a")
    copies = [dataclasses.replace(base, doc=name, body=base.body + f"\n\nИсточник: {name}.") for name in ("b", "c")]
    # names sort "a.html" < "b" < "c": the keeper is a.html
    assert find_duplicates([copies[1], base, copies[0]]) == {"b": "a.html", "c": "a.html"}


def test_shingles_ignore_case_and_punctuation():
    assert shingles("Astana, 9 June – The Minister") == shingles("astana 9 june the minister.")
    assert shingles("") == frozenset()
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_finder_replaces_an_article_added_again():
    finder = DuplicateFinder()
    a = _page(TRANSPORT_RU, "ru", "a")
    finder.add(a)
    finder.add(dataclasses.replace(a, body=_page(WATER_EN, "en", "w").body, language="en"))
    assert finder.match(dataclasses.replace(a, doc="copy")) is None  # the old text is gone
    match = finder.match(dataclasses.replace(_page(WATER_EN, "en", "w"), doc="copy"))
    assert match is not None and match.same_as == "a.html" and match.score == 1.0
    finder.remove("a.html")
    assert finder.match(dataclasses.replace(_page(WATER_EN, "en", "w"), doc="copy")) is None


def test_template_releases_about_different_meetings_are_not_duplicates():
    template = ("Астана, 14 марта 2024 года – Заместитель министра иностранных дел Республики Казахстан Алибек "
                "Бакаев провёл встречу с Послом {0} в Казахстане {1}. Стороны обсудили состояние и перспективы "
                "двустороннего сотрудничества в торгово-экономической, инвестиционной и культурно-гуманитарной "
                "сферах. Особое внимание уделено подготовке предстоящих мероприятий на высоком уровне.")
    a, b = (Article(doc, "t", "2024-03-14", None, "ru", template.format(country, ambassador), "")
            for doc, country, ambassador in (("a.txt", "Чехии", "Томашем Ганом"), ("b.txt", "Финляндии", "Ари Лаакконеном")))
    assert similarity(a, b) >= THRESHOLD  # most of the wording is shared...
    assert key_overlap(key_tokens(a.body), key_tokens(b.body)) < KEY_OVERLAP  # ...but not the names
    assert find_duplicates([a, b]) == {}
    # the same release reprinted with an attribution is still a duplicate
    reprint = dataclasses.replace(a, doc="c.txt", body=a.body + " Об этом сообщает пресс-служба МИД.")
    assert find_duplicates([a, reprint]) == {"c.txt": "a.txt"}


def test_key_tokens_are_numbers_and_names_not_sentence_starts():
    keys = key_tokens("Astana, 09 June 2025 – The Minister met Ms Lee. Talks were held in Sofia.")
    assert keys == {"9", "june", "2025", "minister", "ms", "lee", "sofia"}
