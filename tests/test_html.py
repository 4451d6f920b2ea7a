"""Reading HTML article pages: main text without furniture, title, date, outlet, canonical URL."""

from __future__ import annotations

import pytest

from newssite import (
    FURNITURE,
    SCHOLARSHIP_KK,
    TRANSPORT_EN,
    TRANSPORT_RU,
    WATER_EN,
    page,
)
from rag.articles import (
    Article,
    ArticleError,
    decode_html,
    list_article_paths,
    load_articles,
    parse_article,
    parse_html,
    read_article,
    render_article,
)

BASE = "http://news.invalid"

PAGES = [
    # (article, language, site, date markup, furniture kind)
    (TRANSPORT_RU, "ru", "Астана Ньюс", "meta", "ru"),
    (TRANSPORT_EN | {"date": "2025-06-09"}, "en", "Astana News", "time", "en"),
    (WATER_EN, "en", "Astana News", "jsonld", "en"),
    (SCHOLARSHIP_KK, "kk", "Астана Ньюс", "none", "ru"),
]


@pytest.mark.parametrize("article,lang,site,markup,furniture", PAGES, ids=[p[3] for p in PAGES])
def test_page_keeps_every_paragraph_and_no_furniture(article, lang, site, markup, furniture):
    url = f"{BASE}/news/{markup}"
    html = page(article, lang=lang, site=site, url=url, date_markup=markup, furniture=furniture)
    got = parse_html(html, doc="x.html", url=f"{BASE}/fetched-from")
    assert got.body.split("\n\n") == article["paragraphs"]
    for junk in FURNITURE:
        assert junk not in got.body, junk
    assert got.title == article["title"]  # without " | site"
    assert got.date == article["date"]
    assert got.source == site
    assert got.language == lang
    assert got.url == url  # the canonical link, not where it was fetched from


def test_without_canonical_link_the_fetch_url_is_kept():
    html = page(WATER_EN, lang="en", site="S", url="unused", date_markup="jsonld", canonical=False)
    assert parse_html(html, doc="x.html", url=f"{BASE}/where").url == f"{BASE}/where"


def test_without_site_name_the_outlet_comes_from_the_page_title():
    # no og:site_name: "<headline> | <outlet>" in <title>, not the host trafilatura falls back to
    html = page(WATER_EN, lang="en", site="Astana News", url="u", date_markup="jsonld").replace(
        '<meta property="og:site_name" content="Astana News">', "")
    assert "og:site_name" not in html
    got = parse_html(html, doc="x.html", url="http://news.example.kz/a")
    assert got.source == "Astana News" and got.title == WATER_EN["title"]
    # a title that is only the headline names no outlet
    bare = html.replace(" | Astana News</title>", "</title>")
    assert parse_html(bare, doc="x.html", url="http://news.example.kz/a").source == "news.example.kz"


def test_a_footer_date_is_not_the_publication_date():
    # No date markup: the dateline counts, not the footer's "updated" stamp or the copyright year.
    html = page(SCHOLARSHIP_KK, lang="kk", site="S", url="u", date_markup="none").replace(
        "</footer>", "<p>Жаңартылды 2026-01-01</p></footer>")
    assert parse_html(html, doc="x.html").date == "2024-05-12"


def test_undated_page_has_no_date():
    article = WATER_EN | {"paragraphs": WATER_EN["paragraphs"]}
    html = page(article, lang="en", site="S", url="u", date_markup="none")
    assert parse_html(html, doc="x.html").date is None


def test_page_without_text_is_refused():
    for html in ("<html><body><nav><a href='/'>Home</a></nav></body></html>",
                 "<html><body><h1>404</h1><p>Page not found.</p></body></html>"):
        with pytest.raises(ArticleError, match="no article text"):
            parse_html(html, doc="x.html")
    with pytest.raises(ArticleError, match="empty"):
        parse_html("  ", doc="x.html")


def test_declared_charset_is_used_and_bad_bytes_are_reported():
    html = page(TRANSPORT_RU, lang="ru", site="Астана Ньюс", url="u").replace('charset="utf-8"', 'charset="windows-1251"')
    data = html.encode("cp1251")
    assert parse_html(decode_html(data), doc="x.html").title == TRANSPORT_RU["title"]
    koi = '<meta charset="utf-8"><p>Привет из Астаны</p>'
    assert decode_html(koi.encode("koi8-r"), declared="koi8-r") == koi  # the HTTP header wins over <meta>
    with pytest.raises(ArticleError, match="not valid utf-8"):
        decode_html("<p>Café</p>".encode("latin-1"))
    with pytest.raises(ArticleError, match="unknown character set"):
        decode_html(b'<meta charset="no-such-charset"><p>x</p>')


def test_html_files_in_the_folder_are_read_like_txt(tmp_path):
    html = page(TRANSPORT_RU, lang="ru", site="Астана Ньюс", url=f"{BASE}/a")
    (tmp_path / "a.html").write_text(html, encoding="utf-8")
    (tmp_path / "b.htm").write_text(page(WATER_EN, lang="en", site="S", url=f"{BASE}/b", date_markup="jsonld"),
                                    encoding="utf-8")
    (tmp_path / "c.txt").write_text(render_article(parse_html(html, doc="c.txt")), encoding="utf-8")
    (tmp_path / ".hidden.html").write_text(html, encoding="utf-8")
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    assert [p.name for p in list_article_paths(tmp_path)] == ["a.html", "b.htm", "c.txt"]
    articles, skipped = load_articles(tmp_path)
    assert not skipped
    by_doc = {a.doc: a for a in articles}
    assert by_doc["a.html"].url == f"{BASE}/a" and by_doc["b.htm"].date == "2024-11-14"
    # the .txt written from the page reads back as the same article
    a, c = by_doc["a.html"], by_doc["c.txt"]
    assert (c.title, c.date, c.source, c.language, c.body, c.url) == (a.title, a.date, a.source, a.language, a.body,
                                                                      a.url)
    assert read_article(tmp_path / "a.html").content_hash == a.content_hash


def test_txt_header_url_and_also_url_lines():
    text = ("Headline of the release\ndate: 2025-06-09\nsource: MFA\nlanguage: en\nurl: https://a.example/1\n"
            "also_url: https://b.example/2\nalso_url: https://c.example/3\n\nThe body of the release is here.\n")
    got = parse_article(text, doc="x.txt")
    assert got.url == "https://a.example/1"
    assert got.other_urls == ("https://b.example/2", "https://c.example/3")
    assert got.body == "The body of the release is here."
    assert parse_article(render_article(got), doc="x.txt") == got


def test_txt_without_url_keeps_defaults():
    got = parse_article("Headline of the release\ndate: 2025-06-09\nlanguage: en\n\nBody text here.\n", doc="x.txt")
    assert got.url is None and got.other_urls == ()
    assert Article("d", "t", None, None, "en", "b", "h").url is None  # old constructors still work


def test_html_uploads_are_checked_like_txt(tmp_path):
    from rag.settings import load_settings
    from rag.ui.uploads import UploadRejected, check_name, check_upload

    settings = load_settings(documents_dir=tmp_path, index_dir=tmp_path / "index")
    html = page(TRANSPORT_RU, lang="ru", site="Астана Ньюс", url=f"{BASE}/a")
    assert check_upload("transport.html", html.encode(), settings).title == TRANSPORT_RU["title"]
    cp1251 = html.replace('charset="utf-8"', 'charset="windows-1251"').encode("cp1251")
    assert check_upload("transport.htm", cp1251, settings).url == f"{BASE}/a"
    for name, data, reason in [
        ("undeclared.html", html.replace('charset="utf-8"', "").encode("cp1251"), "not valid utf-8"),
        ("menu.html", b"<html><body><nav>Home</nav></body></html>", "no article text"),
        ("big.html", b"<p>" + b"x " * settings.max_upload_bytes + b"</p>", "limit"),
        ("a.HTML", html.encode(), ".txt, .html and .htm"),
        ("README.html", html.encode(), "reserved"),
    ]:
        with pytest.raises(UploadRejected, match=reason):
            check_upload(name, data, settings)
    assert check_name("page.htm") == "page.htm"


@pytest.mark.parametrize("canonical,fetched,url,others", [
    (f"{BASE}/news/a", f"{BASE}/feed-link?id=1", f"{BASE}/news/a", ()),  # the usual case
    ("http://www.news.invalid/news/a", f"{BASE}/x", "http://www.news.invalid/news/a", ()),  # www. is the same site
    (f"{BASE}/", f"{BASE}/news/a", f"{BASE}/news/a", ()),  # a CMS that points every page at the home page
    ("https://original.invalid/news/a", f"{BASE}/mirror/a", f"{BASE}/mirror/a", ("https://original.invalid/news/a",)),
    (f"{BASE}/news/a", None, f"{BASE}/news/a", ()),  # a file in the folder: the canonical is all there is
])
def test_which_url_a_page_keeps(canonical, fetched, url, others):
    html = page(WATER_EN, lang="en", site="S", url=canonical, date_markup="jsonld")
    got = parse_html(html, doc="x.html", url=fetched)
    assert (got.url, got.other_urls) == (url, others)
