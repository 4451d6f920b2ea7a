"""`rag fetch` against a real news site served on 127.0.0.1 (tests/newssite.py); nothing touches the internet."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from newssite import FURNITURE, REDIRECTED_EN, TRANSPORT_EN, TRANSPORT_RU, NewsSite, Route, page
from rag.articles import load_articles, read_article
from rag.fetch import HTML_TYPES, STATE_FILE, USER_AGENT, FetchConfig, FetchFailed, PoliteClient, fetch

# Fast but otherwise real etiquette: no pause between requests, short back-off.
FAST = FetchConfig(requests_per_second=0, backoff=0.01, timeout=5, max_bytes=1_000_000)


@pytest.fixture
def site():
    s = NewsSite().start()
    yield s
    s.stop()


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_feed_is_fetched_into_readable_articles(site, tmp_path):
    docs = tmp_path / "documents"
    report = fetch(docs, feeds=[site.url("/feed.xml")], config=FAST)

    fetched = {item["url"]: item for item in report.fetched}
    assert set(fetched) == {site.url(p) for p in ("/news/kz-bg-transport", "/news/water-management",
                                                  "/news/stipendia", "/go/porto", "/news/estonia-egov",
                                                  "/en/news/kz-bg-transport")}
    failed = {item["url"]: item["reason"] for item in report.failed}
    assert failed[site.url("/news/missing")] == "HTTP 404 Not Found"
    assert "too large" in failed[site.url("/news/huge")]
    assert "not an HTML page" in failed[site.url("/files/report.pdf")] and "application/pdf" in \
        failed[site.url("/files/report.pdf")]
    assert len(failed) == 3
    # the reprint from the second outlet is a duplicate of the original, the translation is not
    original = fetched[site.url("/news/kz-bg-transport")]["file"]
    assert report.duplicates == [{"url": site.url("/second-channel/2025/06/09/astana-sofia"), "same_as": original}]
    assert report.unchanged == []

    # every saved file reads back as the article, with its URL; nothing else is in the folder
    articles, skipped = load_articles(docs)
    assert not skipped
    assert sorted(a.doc for a in articles) == sorted(item["file"] for item in report.fetched)
    assert sorted(p.name for p in docs.iterdir()) == sorted([STATE_FILE] + [a.doc for a in articles])
    ru = read_article(docs / original)
    assert ru.body.split("\n\n") == TRANSPORT_RU["paragraphs"]
    assert not any(junk in ru.body for junk in FURNITURE)
    assert (ru.title, ru.date, ru.source, ru.language) == (TRANSPORT_RU["title"], "2025-06-09", "Астана Ньюс", "ru")
    assert ru.url == site.url("/news/kz-bg-transport")
    assert ru.other_urls == (site.url("/second-channel/2025/06/09/astana-sofia"),)
    assert original.startswith("ru_") and original.endswith("_2025-06-09.txt")
    en = read_article(docs / fetched[site.url("/en/news/kz-bg-transport")]["file"])
    assert en.body.split("\n\n") == TRANSPORT_EN["paragraphs"] and en.language == "en"
    # the redirect was followed; the file names the page it landed on
    porto = read_article(docs / fetched[site.url("/go/porto")]["file"])
    assert porto.url == site.url("/news/porto-consulate") and porto.title == REDIRECTED_EN["title"]
    # the 500 was retried and the second attempt saved
    assert len(site.requests_to("/news/estonia-egov")) == 2
    assert fetched[site.url("/news/estonia-egov")]["date"] == "2023-10-03"
    # every request named the project, and robots.txt was asked once
    assert all(headers.get("User-Agent") == USER_AGENT for _, headers in site.log)
    assert len(site.requests_to("/robots.txt")) == 1


def test_second_run_fetches_nothing_new(site, tmp_path):
    docs = tmp_path / "documents"
    first = fetch(docs, feeds=[site.url("/feed.xml")], config=FAST)
    before = _files(docs)
    site.log.clear()
    second = fetch(docs, feeds=[site.url("/feed.xml")], config=FAST)

    assert second.fetched == [] and second.duplicates == []
    assert sorted(second.unchanged) == sorted([item["url"] for item in first.fetched]
                                              + [item["url"] for item in first.duplicates])
    assert {f["url"] for f in second.failed} == {f["url"] for f in first.failed}  # those are tried again
    after = _files(docs)
    assert {k: v for k, v in after.items() if k != STATE_FILE} == {k: v for k, v in before.items() if k != STATE_FILE}
    # conditional requests: the feed and every known page were asked with their ETag (and got 304)
    assert site.requests_to("/feed.xml")[0].get("If-None-Match")
    assert site.requests_to("/news/kz-bg-transport")[0].get("If-None-Match")


def test_without_etags_unchanged_text_is_recognised(site, tmp_path):
    for route in site.routes.values():
        route.etag = False
    docs = tmp_path / "documents"
    first = fetch(docs, urls=[site.url("/news/kz-bg-transport"), site.url("/news/water-management")], config=FAST)
    assert len(first.fetched) == 2
    # the page is re-rendered with other furniture around the same text: still unchanged
    site.add_page("/news/water-management", site.routes["/news/water-management"].body.decode()
                  .replace("Stock markets close higher", "Oil prices fall"), etag=False)
    second = fetch(docs, urls=[site.url("/news/kz-bg-transport"), site.url("/news/water-management")], config=FAST)
    assert second.fetched == [] and sorted(second.unchanged) == sorted(i["url"] for i in first.fetched)


def test_a_changed_page_replaces_its_own_file(site, tmp_path):
    docs = tmp_path / "documents"
    url = site.url("/news/kz-bg-transport")
    first = fetch(docs, urls=[url], config=FAST)
    corrected = TRANSPORT_RU | {"paragraphs": TRANSPORT_RU["paragraphs"] + [
        "Следующий раунд переговоров пройдёт в Софии осенью, сообщили в министерстве иностранных дел."]}
    site.add_page("/news/kz-bg-transport", page(corrected, lang="ru", site="Астана Ньюс", url=url))
    second = fetch(docs, urls=[url], config=FAST)
    assert [i["file"] for i in second.fetched] == [i["file"] for i in first.fetched]
    assert read_article(docs / first.fetched[0]["file"]).body.split("\n\n") == corrected["paragraphs"]
    assert len([p for p in docs.iterdir() if p.suffix == ".txt"]) == 1


def test_a_different_article_never_overwrites_a_file(site, tmp_path):
    docs = tmp_path / "documents"
    docs.mkdir()
    first = fetch(docs, urls=[site.url("/news/kz-bg-transport")], config=FAST)
    name = first.fetched[0]["file"]
    # another page whose file name would come out the same (same slug, language and date)
    other = TRANSPORT_RU | {"title": "Другая новость", "paragraphs": [
        "Астана, 9 июня 2025 года – Совсем другая новость о встрече министров сельского хозяйства двух стран.",
        "Министры обсудили поставки зерна и удобрений в течение следующего года."]}
    site.add_page("/other/kz-bg-transport", page(other, lang="ru", site="Другой сайт", url=site.url("/other/kz-bg-transport")))
    second = fetch(docs, urls=[site.url("/other/kz-bg-transport")], config=FAST)
    assert second.fetched[0]["file"] != name and second.fetched[0]["file"].startswith(name[:-4])
    assert read_article(docs / name).title == TRANSPORT_RU["title"]


def test_a_copy_of_a_hand_made_article_is_recorded_on_it(site, tmp_path):
    docs = tmp_path / "documents"
    docs.mkdir()
    original = "\n".join([TRANSPORT_RU["title"], "date: 2025-06-09", "source: МИД РК", "language: ru", "",
                          "\n\n".join(TRANSPORT_RU["paragraphs"])]) + "\n"
    (docs / "ru_transport_talks_2025-06-09.txt").write_text(original, encoding="utf-8")
    report = fetch(docs, urls=[site.url("/second-channel/2025/06/09/astana-sofia")], config=FAST)
    assert report.duplicates == [{"url": site.url("/second-channel/2025/06/09/astana-sofia"),
                                  "same_as": "ru_transport_talks_2025-06-09.txt"}]
    kept = read_article(docs / "ru_transport_talks_2025-06-09.txt")
    assert kept.other_urls == (site.url("/second-channel/2025/06/09/astana-sofia"),)
    assert kept.body.split("\n\n") == TRANSPORT_RU["paragraphs"]
    assert [p.name for p in docs.iterdir() if p.suffix == ".txt"] == ["ru_transport_talks_2025-06-09.txt"]
    # fetched again: recorded once
    fetch(docs, urls=[site.url("/second-channel/2025/06/09/astana-sofia")], config=FAST)
    assert read_article(docs / "ru_transport_talks_2025-06-09.txt").other_urls == kept.other_urls


def test_atom_feed_sitemap_index_and_robots(site, tmp_path):
    docs = tmp_path / "documents"
    report = fetch(docs, feeds=[site.url("/atom.xml")], sitemaps=[site.url("/sitemap.xml")], config=FAST)
    assert {i["url"] for i in report.fetched} == {site.url(p) for p in ("/news/water-management", "/news/stipendia",
                                                                        "/news/kz-bg-transport")}
    assert report.failed == [{"url": site.url("/private/draft"), "reason": "disallowed by the site's robots.txt"}]
    assert site.requests_to("/private/draft") == []


def test_feeds_and_sitemaps_that_are_not_are_reported(site, tmp_path):
    report = fetch(tmp_path, feeds=[site.url("/news/water-management"), site.url("/nothing.xml")],
                   sitemaps=[site.url("/atom.xml")], config=FAST)
    reasons = {f["url"]: f["reason"] for f in report.failed}
    assert reasons[site.url("/news/water-management")].startswith("feed: not XML (Content-Type: text/html)")
    assert reasons[site.url("/nothing.xml")] == "feed: HTTP 404 Not Found"
    assert reasons[site.url("/atom.xml")].startswith("sitemap: not a sitemap")
    assert report.fetched == []


def test_pages_and_feeds_of_unknown_type_are_sniffed(site, tmp_path):
    # a static file server labels files without an extension application/octet-stream
    for path in ("/news/water-management", "/feed.xml"):
        site.routes[path].content_type = "application/octet-stream"
    site.routes["/files/report.pdf"].content_type = "application/octet-stream"
    report = fetch(tmp_path, urls=[site.url("/news/water-management"), site.url("/files/report.pdf")],
                   feeds=[site.url("/feed.xml")], config=FAST)
    assert site.url("/news/water-management") in {i["url"] for i in report.fetched}
    assert len(report.fetched) == 6  # the feed was read
    reasons = {f["url"]: f["reason"] for f in report.failed}
    assert reasons[site.url("/files/report.pdf")] == ("not an HTML page (Content-Type: application/octet-stream, "
                                                      "and the content does not look like it)")


def test_oversized_page_without_length_is_cut_off(site, tmp_path):
    report = fetch(tmp_path, urls=[site.url("/news/huge-streamed")], config=FAST)
    assert "download stopped" in report.failed[0]["reason"]


def test_retries_give_up_with_the_reason(site, tmp_path):
    site.add_page("/news/down", "<p>never</p>", fail_first=100)
    config = FetchConfig(requests_per_second=0, backoff=0.01, retries=2, timeout=5)
    report = fetch(tmp_path, urls=[site.url("/news/down")], config=config)
    assert report.failed == [{"url": site.url("/news/down"), "reason": "HTTP 500 Internal Server Error (after 3 attempts)"}]
    assert len(site.requests_to("/news/down")) == 3


def test_unreachable_host_is_reported(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    config = FetchConfig(requests_per_second=0, backoff=0.01, retries=1, timeout=2)
    report = fetch(tmp_path, urls=[f"http://127.0.0.1:{port}/news/x"], config=config)
    assert "could not be read" in report.failed[0]["reason"] and "could not connect" in report.failed[0]["reason"]


def test_requests_to_one_host_are_spaced(site):
    config = FetchConfig(requests_per_second=10, timeout=5)
    with PoliteClient(config) as client:
        for _ in range(3):
            client.get(site.url("/news/water-management"), HTML_TYPES)
    arrivals = [t for _, t in site.times]  # robots.txt, then three pages
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    # 0.1 s apart when sent; arrival times jitter by a few milliseconds (unlimited, all four take ~10 ms)
    assert len(gaps) == 3 and min(gaps) >= 0.05 and arrivals[-1] - arrivals[0] >= 0.27


def test_non_http_urls_are_refused():
    with PoliteClient(FAST) as client, pytest.raises(FetchFailed, match="not an http"):
        client.get("file:///etc/passwd", HTML_TYPES)


def test_cli_prints_the_summary_as_json(site, tmp_path, capsys):
    from rag.cli import main

    docs = tmp_path / "documents"
    code = main(["fetch", "--feed", site.url("/feed.xml"), "--documents", str(docs), "--json", "--rate", "0",
                 "--max-bytes", "1000000"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(out) == {"fetched", "unchanged", "duplicates", "failed"}
    assert all(set(i) == {"url", "file", "title", "date"} for i in out["fetched"])
    assert all(set(i) == {"url", "same_as"} for i in out["duplicates"])
    assert all(set(i) == {"url", "reason"} for i in out["failed"])
    assert len(out["fetched"]) == 6 and (docs / out["fetched"][0]["file"]).is_file()


def test_upload_by_url(site, tmp_path):
    from rag.settings import load_settings
    from rag.ui.uploads import fetch_url_into_documents

    settings = load_settings(documents_dir=tmp_path / "documents", index_dir=tmp_path / "index")
    (tmp_path / "documents").mkdir()
    bad = fetch_url_into_documents(settings, site.url("/files/report.pdf"))
    assert [(f.status, f.reason) for f in bad.files] == [("rejected", "not an HTML page (Content-Type: application/pdf)")]
    assert fetch_url_into_documents(settings, "ftp://x").files[0].status == "rejected"
    assert fetch_url_into_documents(settings, " ").files[0].reason == "no URL given"


@pytest.mark.model
def test_a_fetched_article_is_answered_citing_its_url(site, tmp_path):
    from rag.index import build_index
    from rag.store import open_store
    from rag.pipeline import answer_question
    from rag.settings import load_settings
    from rag.ui.uploads import fetch_url_into_documents

    settings = load_settings(documents_dir=tmp_path / "documents", index_dir=tmp_path / "index")
    report = fetch(settings.documents_dir, urls=[site.url("/news/water-management"), site.url("/news/stipendia")],
                   config=FAST)
    assert len(report.fetched) == 2
    build_index(settings, progress=False)
    # the app's URL field: fetch one page and index it
    added = fetch_url_into_documents(settings, site.url("/news/kz-bg-transport"))
    assert [(f.status, f.title) for f in added.files] == [("added", TRANSPORT_RU["title"])], added.to_dict()
    assert added.index_summary["added"] == 1 and added.error is None
    copy = fetch_url_into_documents(settings, site.url("/second-channel/2025/06/09/astana-sofia"))
    assert copy.files[0].status == "rejected" and added.files[0].name in copy.files[0].reason
    assert len(open_store(settings).articles()) == 3  # the copy is not indexed

    answer = answer_question(settings, "Which ports did Kazakhstan and Bulgaria discuss?")
    assert not answer.refused
    assert "Burgas" in answer.answer or "Бургас" in answer.answer
    urls = {c.to_dict()["url"] for c in answer.citations}
    assert site.url("/news/kz-bg-transport") in urls
    assert all(p.to_dict()["url"] for p in answer.passages)


def test_robots_txt_redirect_is_followed_and_an_unreadable_one_stops_the_host(site, tmp_path):
    site.routes["/robots-real.txt"] = site.routes["/robots.txt"]
    site.routes["/robots.txt"] = Route(b"", status=301, headers={"Location": "/robots-real.txt"}, etag=False)
    report = fetch(tmp_path / "a", urls=[site.url("/news/stipendia"), site.url("/private/draft")], config=FAST)
    assert [i["url"] for i in report.fetched] == [site.url("/news/stipendia")]
    assert report.failed == [{"url": site.url("/private/draft"), "reason": "disallowed by the site's robots.txt"}]

    site.routes["/robots.txt"] = Route(b"down", status=503, etag=False)
    report = fetch(tmp_path / "b", urls=[site.url("/news/stipendia")], config=FAST)
    assert report.fetched == [] and "robots.txt answered HTTP 503" in report.failed[0]["reason"]
    assert site.requests_to("/news/stipendia") == [site.requests_to("/news/stipendia")[0]]  # only the first run's


def test_news_sitemap_publication_date_dates_an_undated_page(site, tmp_path):
    undated = page({"title": "Kazakhstan and Malta sign a tourism memorandum", "paragraphs": [
        "Kazakhstan and Malta signed a memorandum on cooperation in tourism at a meeting of the two foreign ministers.",
        "The sides agreed to exchange tourism statistics and to promote direct charter flights in the summer."]},
        lang="en", site="Astana News", url=site.url("/news/malta"), date_markup="none", furniture="en")
    site.add_page("/news/malta", undated)
    site.add_page("/news-sitemap.xml", '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                  'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                  f'<url><loc>{site.url("/news/malta")}</loc><lastmod>2026-01-05</lastmod><news:news>'
                  "<news:publication_date>2025-05-14T09:00:00+05:00</news:publication_date></news:news></url></urlset>",
                  content_type="application/xml")
    report = fetch(tmp_path, sitemaps=[site.url("/news-sitemap.xml")], config=FAST)
    assert [i["date"] for i in report.fetched] == ["2025-05-14"]  # not the lastmod
    assert report.fetched[0]["file"] == "en_kazakhstan_and_malta_sign_a_tourism_memorandum_2025-05-14.txt"
