"""A small news site served on 127.0.0.1 for the fetch, HTML, dedupe and watch tests.

Real HTTP (``http.server`` in a thread). Every page carries site furniture (menu, cookie
banner, share buttons, an "other news" list, footer); the texts are written for these tests.
Besides the articles: a republished copy from a second outlet (other furniture, another
headline, a small edit), a translation, a redirect, a 404, a page that fails with 500 once
and then works, two oversized pages (with and without Content-Length), a PDF, an RSS feed,
an Atom feed, a sitemap index with a sitemap, and a robots.txt with a disallowed folder.
Pages send ETags and answer If-None-Match with 304; every request is logged.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# --- article texts -------------------------------------------------------------------

TRANSPORT_RU = {
    "title": "Казахстан и Болгария договорились развивать Транскаспийский маршрут",
    "date": "2025-06-09",
    "paragraphs": [
        "Астана, 9 июня 2025 года – Министр иностранных дел Казахстана провёл переговоры с болгарской "
        "делегацией о развитии Транскаспийского международного транспортного маршрута.",
        "Стороны обсудили загрузку черноморских портов Бургас и Варна казахстанскими грузами и "
        "перспективы создания совместного логистического хаба на побережье.",
        "Болгарская сторона предложила увеличить число контейнерных поездов между двумя странами до "
        "двенадцати в месяц уже к концу следующего года.",
        "По итогам встречи подписан меморандум о сотрудничестве в области железнодорожных перевозок и "
        "цифровизации таможенных процедур.",
    ],
}
# The same release reprinted by a second outlet: another headline, an attribution added,
# one word changed ("двенадцати" → "12"), the dash changed.
COPY_RU = {
    "title": "Астана и София будут вместе развивать Средний коридор",
    "paragraphs": [
        "Астана, 9 июня 2025 года — Министр иностранных дел Казахстана провёл переговоры с болгарской "
        "делегацией о развитии Транскаспийского международного транспортного маршрута, сообщает Второй Канал.",
        TRANSPORT_RU["paragraphs"][1],
        "Болгарская сторона предложила увеличить число контейнерных поездов между двумя странами до "
        "12 в месяц уже к концу следующего года.",
        TRANSPORT_RU["paragraphs"][3],
    ],
}
TRANSPORT_EN = {  # a translation of TRANSPORT_RU: a twin, not a duplicate
    "title": "Kazakhstan and Bulgaria agree to develop the Trans-Caspian route",
    "paragraphs": [
        "Astana, 9 June 2025 – The Minister of Foreign Affairs of Kazakhstan held talks with a Bulgarian "
        "delegation on developing the Trans-Caspian International Transport Route.",
        "The parties discussed shipping Kazakh cargo through the Black Sea ports of Burgas and Varna and "
        "the prospects of a joint logistics hub on the coast.",
        "The Bulgarian side proposed raising the number of container trains between the two countries to "
        "twelve a month by the end of next year.",
        "A memorandum on cooperation in rail transport and the digitalisation of customs procedures was "
        "signed after the meeting.",
    ],
}
WATER_EN = {  # date only in JSON-LD
    "title": "Kazakhstan and Slovenia to share expertise in water management",
    "date": "2024-11-14",
    "paragraphs": [
        "Kazakhstan and Slovenia will set up a joint working group on water management, the two "
        "foreign ministries announced after consultations in Ljubljana.",
        "Slovenian engineers will advise on the modernisation of irrigation canals in the Turkistan "
        "region, where water losses reach forty percent.",
        "The group will hold its first session in Astana in the spring, and both sides invited "
        "universities to propose joint research on glacier monitoring.",
    ],
}
SCHOLARSHIP_KK = {  # date only in the dateline
    "title": "Қазақстан мен Венгрия студенттерге арналған стипендия санын көбейтеді",
    "date": "2024-05-12",
    "paragraphs": [
        "Будапешт, 12 мамыр 2024 жыл – Қазақстан мен Венгрия сыртқы істер министрліктері Stipendium "
        "Hungaricum бағдарламасы бойынша қазақстандық студенттерге берілетін стипендия санын арттыру "
        "туралы келісті.",
        "Келесі оқу жылынан бастап венгр университеттерінде оқуға жыл сайын үш жүз қазақстандық жас "
        "грант алады, бұл бұрынғыдан елу орынға көп.",
        "Тараптар сондай-ақ инженерлік және медициналық мамандықтар бойынша бірлескен магистратура "
        "бағдарламаларын ашу мүмкіндігін талқылады.",
    ],
}
FLAKY_EN = {  # served after one 500
    "title": "Kazakh and Estonian diplomats discuss e-government",
    "date": "2023-10-03",
    "paragraphs": [
        "Tallinn, 3 October 2023 – Kazakh and Estonian diplomats discussed cooperation in e-government "
        "and cybersecurity at consultations in the Estonian capital.",
        "The Estonian side offered to share its experience with digital identity cards and the "
        "exchange of data between state registers.",
    ],
}
REDIRECTED_EN = {  # reached through a redirect
    "title": "Kazakhstan opens an honorary consulate in Porto",
    "date": "2025-02-20",
    "paragraphs": [
        "Lisbon, 20 February 2025 – Kazakhstan opened an honorary consulate in the Portuguese city of "
        "Porto, the Embassy in Lisbon reported.",
        "The honorary consul, a local entrepreneur in the cork industry, will promote trade contacts "
        "and help Kazakh citizens travelling in the north of Portugal.",
    ],
}

# Furniture strings: none of them may reach an extracted body.
FURNITURE = [
    "Главная", "Политика", "Экономика", "Мы используем файлы cookie", "Принять",
    "Поделиться", "Telegram", "ВКонтакте", "Другие новости", "Токаев встретился с послом Японии",
    "В Астане прошёл форум по водным ресурсам", "Все права защищены", "Подписывайтесь на наш канал",
    "Home", "Politics", "We use cookies", "Accept all", "Share this article", "Other news",
    "Stock markets close higher", "All rights reserved", "Second Channel LLC", "Реклама на сайте",
]


def page(article: dict, *, lang: str, site: str, url: str, date_markup: str = "meta", furniture: str = "ru",
         canonical: bool = True) -> str:
    """An HTML article page with site furniture around the article."""
    head = [f"<title>{html.escape(article['title'])} | {html.escape(site)}</title>",
            f'<meta property="og:site_name" content="{html.escape(site)}">',
            f'<meta property="og:title" content="{html.escape(article["title"])}">']
    if canonical:
        head.append(f'<link rel="canonical" href="{url}">')
    if date_markup == "meta":
        head.append(f'<meta property="article:published_time" content="{article["date"]}T10:30:00+05:00">')
    elif date_markup == "jsonld":
        head.append('<script type="application/ld+json">' + json.dumps(
            {"@context": "https://schema.org", "@type": "NewsArticle", "headline": article["title"],
             "datePublished": article["date"] + "T08:00:00Z"}) + "</script>")
    time_tag = (f'<time datetime="{article["date"]}">{article["date"]}</time>' if date_markup == "time" else "")
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in article["paragraphs"])
    if furniture == "ru":
        top = ('<header><nav><ul><li><a href="/">Главная</a></li><li><a href="/politics">Политика</a></li>'
               '<li><a href="/economy">Экономика</a></li></ul></nav></header>'
               '<div class="cookie-banner" id="cookie-consent"><p>Мы используем файлы cookie, чтобы сайт работал '
               'лучше.</p><button>Принять</button></div>')
        share = ('<div class="share-buttons"><span>Поделиться</span> <a href="https://t.me/share">Telegram</a> '
                 '<a href="https://vk.com/share">ВКонтакте</a></div>')
        more = ('<section class="related-news"><h2>Другие новости</h2><ul>'
                '<li><a href="/news/japan">Токаев встретился с послом Японии</a></li>'
                '<li><a href="/news/forum">В Астане прошёл форум по водным ресурсам</a></li></ul></section>')
        foot = ('<footer><p>© 2025 Астана Ньюс. Все права защищены.</p>'
                '<p><a href="/ads">Реклама на сайте</a> · Подписывайтесь на наш канал</p></footer>')
    else:
        top = ('<header><nav><a href="/">Home</a> <a href="/politics">Politics</a></nav></header>'
               '<div class="cookie-notice" id="cookies"><p>We use cookies to improve your experience.</p>'
               '<button>Accept all</button></div>')
        share = '<div class="social-share"><a href="#">Share this article</a></div>'
        more = ('<aside class="more-news"><h3>Other news</h3><ul><li><a href="/m">Stock markets close higher'
                '</a></li></ul></aside>')
        foot = "<footer><p>© 2025 Second Channel LLC. All rights reserved.</p></footer>"
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{"".join(head)}</head><body>{top}'
            f'<main><article><h1>{html.escape(article["title"])}</h1>{time_tag}{paragraphs}{share}</article>'
            f"{more}</main>{foot}</body></html>")


@dataclass
class Route:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True
    content_length: bool = True
    fail_first: int = 0  # answer 500 this many times first


class NewsSite:
    """The site: ``routes`` maps a path to what it serves; ``log`` records (path, request headers)."""

    def __init__(self, huge_bytes: int = 3_000_000) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        self.times: list[tuple[str, float]] = []  # (path, time.monotonic() on arrival)
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                with site._lock:
                    site.log.append((self.path, dict(self.headers)))
                    site.times.append((self.path, time.monotonic()))
                    route = site.routes.get(self.path)
                    if route is not None and route.fail_first > 0:
                        route.fail_first -= 1
                        route = Route(b"<h1>Internal Server Error</h1>", status=500)
                if route is None:
                    route = Route(b"<h1>Not Found</h1>", status=404)
                etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
                if route.status == 200 and route.etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                if route.status == 200 and route.etag:
                    self.send_header("ETag", etag)
                if route.content_length:
                    self.send_header("Content-Length", str(len(route.body)))
                for k, v in route.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (size limit)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._build(huge_bytes)

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> NewsSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.log if p == path]

    def add_page(self, path: str, text: str, **kw: object) -> None:
        self.routes[path] = Route(text.encode("utf-8"), **kw)

    def _build(self, huge_bytes: int) -> None:
        u = self.url
        self.add_page("/news/kz-bg-transport", page(TRANSPORT_RU, lang="ru", site="Астана Ньюс",
                                                    url=u("/news/kz-bg-transport"), date_markup="meta"))
        self.add_page("/en/news/kz-bg-transport", page(TRANSPORT_EN | {"date": "2025-06-09"}, lang="en",
                                                       site="Astana News", url=u("/en/news/kz-bg-transport"),
                                                       date_markup="time", furniture="en"))
        self.add_page("/news/water-management", page(WATER_EN, lang="en", site="Astana News",
                                                     url=u("/news/water-management"), date_markup="jsonld",
                                                     furniture="en"))
        self.add_page("/news/stipendia", page(SCHOLARSHIP_KK, lang="kk", site="Астана Ньюс",
                                              url=u("/news/stipendia"), date_markup="none"))
        self.add_page("/second-channel/2025/06/09/astana-sofia", page(
            COPY_RU | {"date": "2025-06-09"}, lang="ru", site="Второй Канал",
            url=u("/second-channel/2025/06/09/astana-sofia"), date_markup="time", furniture="en"))
        self.add_page("/news/estonia-egov", page(FLAKY_EN, lang="en", site="Astana News", url=u("/news/estonia-egov"),
                                                 furniture="en"), fail_first=1)
        self.add_page("/news/porto-consulate", page(REDIRECTED_EN, lang="en", site="Astana News",
                                                    url=u("/news/porto-consulate"), furniture="en", canonical=False))
        self.routes["/go/porto"] = Route(b"", status=301, headers={"Location": "/news/porto-consulate"}, etag=False)
        filler = "<p>" + "Lorem ipsum dolor sit amet. " * 40 + "</p>\n"
        huge = ("<html><body><article>" + filler * (huge_bytes // len(filler) + 1) + "</article></body></html>")
        self.add_page("/news/huge", huge)
        self.add_page("/news/huge-streamed", huge, content_length=False)
        self.routes["/files/report.pdf"] = Route(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
                                                 content_type="application/pdf")
        self.add_page("/private/draft", page(FLAKY_EN, lang="en", site="Astana News", url=u("/private/draft")))
        self.add_page("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")

        rss_items = ["/news/kz-bg-transport", "/news/water-management", "/news/stipendia", "/go/porto",
                     "/news/missing", "/news/estonia-egov", "/news/huge", "/files/report.pdf",
                     "/second-channel/2025/06/09/astana-sofia", "/en/news/kz-bg-transport"]
        items = "".join(f"<item><title>item {i}</title><link>{u(p)}</link>"
                        f"<pubDate>Mon, 09 Jun 2025 10:00:00 +0000</pubDate></item>" for i, p in enumerate(rss_items))
        self.add_page("/feed.xml", f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                                   f"<title>Astana News</title><link>{u('/')}</link><description>News</description>"
                                   f"{items}</channel></rss>", content_type="application/rss+xml")
        atom_entries = "".join(
            f"<entry><title>e{i}</title><link href=\"{u(p)}\"/><id>{u(p)}</id><updated>2024-11-14T08:00:00Z</updated>"
            f"</entry>" for i, p in enumerate(["/news/water-management", "/news/stipendia"]))
        self.add_page("/atom.xml", '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                                   f"<title>Astana News</title><id>{u('/')}</id><updated>2024-11-14T08:00:00Z</updated>"
                                   f"{atom_entries}</feed>", content_type="application/atom+xml")
        urls = "".join(f"<url><loc>{u(p)}</loc><lastmod>2025-06-09</lastmod></url>"
                       for p in ["/news/kz-bg-transport", "/news/stipendia", "/private/draft"])
        self.add_page("/sitemap-news.xml", '<?xml version="1.0" encoding="UTF-8"?><urlset '
                                           f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
                      content_type="application/xml")
        self.add_page("/sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                                      'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                                      f"<sitemap><loc>{u('/sitemap-news.xml')}</loc></sitemap></sitemapindex>",
                      content_type="application/xml")
