"""The chat app: its pure helpers (fast), then the running app driven through gradio_client (model).

The end-to-end tests launch the app in-process on a free port over a tmp COPY of documents/ and of
the session's real index, so uploads never touch the repository's documents/.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest

from rag.answering import Answer, Citation, Passage
from rag.types import Chunk
from rag.retrieval import Filters, Hit
from conftest import free_port
from rag.settings import SUPPORTED_LANGUAGES, Settings, load_settings
from rag.ui import render
from rag.ui.chat import Conversation, respond
from rag.ui.filters import FilterError, parse_filters
from rag.ui.uploads import UploadRejected, add_articles, check_name, check_upload

REPO = Path(__file__).resolve().parent.parent
ALL_LANGUAGES = list(SUPPORTED_LANGUAGES)
TIRANA_RU = "Когда открыли посольство Казахстана в Тиране?"

ARTICLE = (
    "Kazakhstan and Mongolia open a joint yurt festival in Ulaanbaatar\n"
    "date: 2025-10-02\nsource: Test Wire\nlanguage: en\n\n"
    "Ulaanbaatar, 2 October 2025 – Kazakhstan and Mongolia opened the first joint Festival of the Great Steppe "
    "Yurt in Ulaanbaatar. The Kazakh ambassador said that exactly 347 yurts were assembled on the festival "
    "ground, a record for the region. The festival will run until 12 October and will be held in Almaty next year.\n"
)
ARTICLE_NAME = "en_mongolia_yurt_festival_2025-10-02.txt"


# --- helpers without the model ---------------------------------------------------------------------------

def _chunk(text: str, doc: str = "en_x.txt", title: str = "A <b>title</b>", language: str = "en") -> Chunk:
    return Chunk(chunk_id=f"{doc}#0", doc=doc, position=0, start=0, end=len(text), text=text, title=title,
                 date="2025-03-21", source="Wire & Co", language=language)


def _answer(text: str, passages_text: list[str], quote: str | None, refused: bool = False) -> Answer:
    passages = [Passage(i, Hit(i, 0.5, _chunk(t, doc=f"doc{i}.txt"))) for i, t in enumerate(passages_text, 1)]
    citations = []
    if quote is not None:
        start = passages_text[0].index(quote)
        citations = [Citation(1, passages[0].hit, quote, start, start + len(quote))]
    return Answer(question="Q <script>", language="en", answer=text, answerer="extractive", refused=refused,
                  citations=citations, passages=passages, timings_ms={"retrieve": 10.0, "answer": 5.0})


@pytest.mark.parametrize("name", ["a.txt", "ru_новость 2025-01-01 (1).txt", "kk_жаңалық.txt", "x_y-z.v2.txt"])
def test_good_names_are_accepted(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize("name, reason", [
    ("../evil.txt", "path"), ("dir/a.txt", "path"), ("a\\b.txt", "path"), ("..txt", "“..”"),
    (".hidden.txt", "hidden"), ("-rf.txt", "“-”"), ("a.pdf", ".txt"), ("a.TXT", ".txt"), ("notes", ".txt"),
    ("README.txt", "README"), (" a.txt", "space"), ("a\x07.txt", "control"), ("a;rm.txt", "not allowed"),
    ("", "no name"), ("x" * 200 + ".txt", "longer"),
])
def test_bad_names_are_rejected_with_a_reason(name: str, reason: str) -> None:
    with pytest.raises(UploadRejected) as err:
        check_name(name)
    assert reason in str(err.value)


@pytest.mark.parametrize("data, reason", [
    (b"Title\n\nbody\x00", "binary"), ("Заголовок\n\nтекст".encode("cp1251"), "UTF-8"), (b"   \n", "empty"),
    (b"x" * 2001, "2,001 bytes"),
])
def test_bad_contents_are_rejected_with_a_reason(data: bytes, reason: str) -> None:
    settings = dataclasses.replace(Settings(), max_upload_bytes=2000)
    with pytest.raises(UploadRejected) as err:
        check_upload("a.txt", data, settings)
    assert reason in str(err.value)


def test_a_good_upload_is_parsed_like_the_indexer_does() -> None:
    article = check_upload(ARTICLE_NAME, ARTICLE.encode(), Settings())
    assert (article.title, article.date, article.language, article.source) == (
        "Kazakhstan and Mongolia open a joint yurt festival in Ulaanbaatar", "2025-10-02", "en", "Test Wire")


def test_add_articles_rejects_everything_bad_without_touching_the_folder(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    settings = load_settings(documents_dir=docs, index_dir=tmp_path / "index")
    uploads = tmp_path / "up"
    uploads.mkdir()
    (uploads / "bin.txt").write_bytes(b"\x00\x01")
    (uploads / "a.pdf").write_text("pdf")
    report = add_articles(settings, [("../evil.txt", uploads / "a.pdf"), ("bin.txt", uploads / "bin.txt"),
                                     ("a.pdf", uploads / "a.pdf")])
    assert [f.status for f in report.files] == ["rejected"] * 3
    assert all(f.reason for f in report.files)
    assert list(docs.iterdir()) == [] and not (tmp_path / "evil.txt").exists()
    assert report.index_summary is None


def test_each_rejected_upload_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    docs = tmp_path / "docs"
    docs.mkdir()
    settings = load_settings(documents_dir=docs, index_dir=tmp_path / "index")
    (tmp_path / "x.txt").write_bytes(b"\x00")
    with caplog.at_level(logging.INFO, logger="rag.ui.uploads"):
        add_articles(settings, [("bin.txt", tmp_path / "x.txt"), (".h.txt", tmp_path / "x.txt")], language="ru")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("upload rejected")]
    assert len(lines) == 2 and "bin.txt" in lines[0] and "binary" in lines[0] and "hidden" in lines[1]


def test_filters_are_validated() -> None:
    assert parse_filters(ALL_LANGUAGES, "", "") is None
    assert parse_filters(None, None, None) is None
    assert parse_filters(["bg"], " 2024-01-01 ", "2025-12-31") == Filters(frozenset({"bg"}), "2024-01-01", "2025-12-31")
    for languages, start, end, words in [(["bg"], "2025-13-01", "", "real calendar date"),
                                         (["bg"], "21.03.2025", "", "YYYY-MM-DD"),
                                         (["bg"], "2025-02-01", "2025-01-01", "after"),
                                         ([], "", "", "at least one"), (["de"], "", "", "Unknown")]:
        with pytest.raises(FilterError, match=words):
            parse_filters(languages, start, end)
    assert render.describe_filters(parse_filters(["kk", "bg"], "2024-01-01", "")) == "Filtered: BG KK · from 2024-01-01"
    assert render.describe_filters(None) == ""


def test_answer_html_escapes_article_text_and_links_markers() -> None:
    answer = _answer("It opened in 2024 <img src=x onerror=alert(1)> [1].", ["The <embassy> opened in 2024."],
                     "The <embassy> opened in 2024.")
    html = render.render_answer(answer, turn=3)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<a href="#dr-src-3-1" class="dr-cite"' in html and "\n" not in html
    sources = render.render_sources(answer, turn=3)
    assert 'id="dr-src-3-1"' in sources and 'data-doc="doc1.txt"' in sources
    assert "<mark>The &lt;embassy&gt; opened in 2024.</mark>" in sources
    assert "A &lt;b&gt;title&lt;/b&gt;" in sources and "Wire &amp; Co" in sources and "Q &lt;script&gt;" in sources
    assert "<script>" not in sources and "\n" not in sources


def test_long_passages_show_the_quote_in_an_excerpt_that_unfolds() -> None:
    text = "Intro sentence. " * 60 + "The key fact is here." + " Closing words." * 60
    quote = "The key fact is here."
    answer = _answer("Fact [1].", [text, "Other passage."], quote)
    sources = render.render_sources(answer, turn=0)
    assert sources.count("<mark>The key fact is here.</mark>") == 2  # the excerpt and the whole passage
    assert '<details class="dr-passage dr-foldable">' in sources
    assert '<details class="dr-more"><summary>' in sources and "Other passage." in sources


def test_two_quotes_of_one_passage_are_both_cited_and_marked() -> None:
    """An open answer may quote two sentences of one passage: both are citations (the eval and the JSON
    see both) and the card marks both."""
    from rag.answering.citations import renumber

    text = "Intro sentence. " * 30 + "The first fact. " + "Middle words. " * 30 + "The second fact." + " End." * 30
    answer = _answer("Said [1]. Also [1].", [text], "The first fact.")
    second = text.index("The second fact.")
    answer.citations.append(Citation(1, answer.passages[0].hit, "The second fact.", second, second + 16))
    answer.citations.append(Citation(1, answer.passages[0].hit, "The second fact.", second, second + 16))  # twice
    numbered = renumber(answer)
    assert [c.quote for c in numbered.citations] == ["The first fact.", "The second fact."]
    sources = render.render_sources(numbered, turn=0)
    assert "<mark>The first fact.</mark>" in sources and "<mark>The second fact.</mark>" in sources
    assert "<mark>Middle words." not in sources


def test_refusals_look_different_and_list_the_closest_articles() -> None:
    answer = _answer("The press releases do not answer this question.", ["First passage.", "Second passage."],
                     None, refused=True)
    html = render.render_answer(answer, turn=0)
    assert "dr-refused" in html and "Not in the press releases" in html and "Closest articles found:" in html
    sources = render.render_sources(answer, turn=0)
    assert sources.count('class="dr-card dr-card-uncited"') == 2 and "<mark>" not in sources


def test_only_the_latest_turn_is_shown_in_the_panel() -> None:
    panel = render.render_sources_panel(['<section class="dr-turn" data-turn="0">a</section>',
                                         '<section class="dr-turn" data-turn="1">b</section>'])
    assert panel.count("<section hidden") == 1 and '<section class="dr-turn" data-turn="1">' in panel
    assert render.render_sources_panel([]) == render.SOURCES_PLACEHOLDER


def test_stream_pieces_grow_to_the_whole_text() -> None:
    text = "Согласно пресс-релизам: посольство открыли в 2024 году [1]."
    pieces = render.stream_pieces(text)
    assert pieces[-1] == text and all(text.startswith(p) for p in pieces)
    assert [len(p) for p in pieces] == sorted(len(p) for p in pieces) and len(pieces) > 2


def test_a_turn_never_raises_and_follow_ups_get_the_conversation() -> None:
    settings = Settings()
    seen = []

    def fake_answer(settings, question, filters, previous, ui, stream):
        seen.append((question, previous, filters))
        if question == "boom":
            raise RuntimeError("secret internal detail")
        yield "done", _answer(f"Answer to {question} [1].", ["p"], "p")

    conversation = Conversation()
    frames = list(respond(settings, "First question?", ALL_LANGUAGES, "", "", conversation, answer_fn=fake_answer))
    assert frames[-1].done and frames[-1].answer["turn"] == 0
    list(respond(settings, "And when?", ["ru"], "", "", conversation, answer_fn=fake_answer))
    assert seen[1] == ("And when?", ["First question?"], Filters(frozenset({"ru"})))
    last = list(respond(settings, "boom", ALL_LANGUAGES, "", "", conversation, answer_fn=fake_answer))[-1]
    assert "error" in last.answer and "secret" not in last.messages[-1]["content"]
    assert "Something went wrong" in last.messages[-1]["content"]
    bad = list(respond(settings, "q", ALL_LANGUAGES, "2025-99-01", "", conversation, answer_fn=fake_answer))
    assert len(bad) == 1 and "Check the filters" in bad[0].answer["error"]
    assert len(seen) == 3  # the bad filter never reached the answerer
    assert conversation.questions == ["First question?", "And when?"] and len(conversation.sources) == 2


def test_a_generator_draft_streams_and_is_flagged_when_replaced() -> None:
    settings = dataclasses.replace(Settings(), generator_model="some/generator")

    def fake_answer(settings, question, filters, previous, ui, stream):
        assert stream
        for partial in ("Draft", "Draft text [3]", "Draft text [3] more"):
            yield "token", partial
            time.sleep(0.06)
        yield "done", _answer("Quoted [1].", ["p"], "p")  # the generator's text failed the checks

    frames = list(respond(settings, "Question?", ALL_LANGUAGES, "", "", Conversation(), answer_fn=fake_answer))
    drafts = [f.messages[-1]["content"] for f in frames if "dr-draft" in f.messages[-1]["content"]]
    assert len(drafts) >= 2 and all("dr-cite" not in d for d in drafts)  # draft markers are not links yet
    final = frames[-1].messages[-1]["content"]
    assert "did not pass the citation checks" in final and 'href="#dr-src-0-1"' in final


# --- the running app ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def live_app(real_index: Settings, tmp_path_factory: pytest.TempPathFactory):
    """The app over a tmp copy of documents/ and of the real index; yields (url, settings)."""
    import app

    root = tmp_path_factory.mktemp("app")
    docs, index = root / "documents", root / "index"
    shutil.copytree(real_index.documents_dir, docs)
    shutil.copytree(real_index.index_dir, index)
    settings = dataclasses.replace(real_index, documents_dir=docs, index_dir=index)
    demo = app.build_app(settings)
    port = free_port()
    app.launch(demo, settings, host="127.0.0.1", port=port, block=False, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", settings
    finally:
        demo.close()


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False)


def _ask(client, question: str, languages=ALL_LANGUAGES, date_from: str = "", date_to: str = "") -> tuple:
    chat, sources, status, answer, box = client.predict(question, languages, date_from, date_to, api_name="/chat")
    return chat, sources, status, answer


def _text(message: dict) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


@pytest.mark.model
def test_russian_question_about_an_english_article(live_app) -> None:
    url, settings = live_app
    chat, sources, status, answer = _ask(_client(url), TIRANA_RU)
    assert answer["language"] == "ru" and not answer["refused"]
    assert "2024" in answer["answer"]
    cited = answer["citations"][0]
    assert cited["n"] == 1 and cited["language"] == "en" and "albania" in cited["doc"]
    passage = next(p for p in answer["passages"] if p["n"] == 1)
    assert cited["quote"] in passage["text"]
    # the source card carries the cited article's data, and the answer links to it
    card = sources[sources.index('id="dr-src-0-1"'):]
    card = card[:card.index("</article>")]
    for value in (cited["doc"], cited["date"], cited["language"], cited["source"]):
        assert f'"{render.esc(value)}"' in card
    assert render.esc(cited["title"]) in card and "<mark>" in card
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert 'href="#dr-src-0-1"' in _text(chat[-1])
    assert "Articles: <b>" in status and ("extractive" in status or settings.generator_model)


@pytest.mark.model
def test_filters_narrow_retrieval(live_app) -> None:
    client = _client(live_app[0])
    _, sources, _, answer = _ask(client, "Trans-Caspian route cooperation", ["bg"])
    assert answer["passages"] and {p["language"] for p in answer["passages"]} == {"bg"}
    assert "Filtered: BG" in sources
    *_, answer = _ask(client, "Trans-Caspian route cooperation", ALL_LANGUAGES, "2025-01-01", "2025-12-31")
    assert answer["passages"] and all(p["date"] and "2025-01-01" <= p["date"] <= "2025-12-31"
                                      for p in answer["passages"])
    chat, _, _, answer = _ask(client, "Trans-Caspian route cooperation", ALL_LANGUAGES, "2025-02-30", "")
    assert "real calendar date" in answer["error"]
    assert "Traceback" not in _text(chat[-1]) and "dr-problem" in _text(chat[-1])


@pytest.mark.model
def test_empty_question_gets_a_readable_message(live_app) -> None:
    from rag.answering.prompts import message

    chat, _, _, answer = _ask(_client(live_app[0]), "   ")
    assert answer == {"error": message("empty_question", live_app[1].ui_language)}
    assert len(chat) == 1 and chat[0]["role"] == "assistant"


@pytest.mark.model
def test_a_short_follow_up_uses_the_previous_question(live_app) -> None:
    client = _client(live_app[0])
    _ask(client, "What did Tokayev and Radev agree on the Trans-Caspian route?")
    chat, sources, _, answer = _ask(client, "And when?")
    assert answer["turn"] == 1 and len(chat) == 4
    assert any("bulgaria" in p["doc"] for p in answer["passages"][:2]), answer["passages"]
    assert sources.count('<section hidden class="dr-turn"') == 1 and 'id="dr-turn-1"' in sources


@pytest.mark.model
def test_an_uploaded_article_becomes_answerable_and_a_repeat_changes_nothing(live_app, tmp_path: Path) -> None:
    from gradio_client import handle_file

    url, settings = live_app
    client = _client(url)
    path = tmp_path / ARTICLE_NAME
    path.write_text(ARTICLE, encoding="utf-8")
    from rag.store import open_store

    files_before = len(list(settings.documents_dir.glob("*.txt")))
    before = len(open_store(settings).articles())  # a republished copy in the folder is indexed once
    from rag.i18n import message

    _, status, report = client.predict([handle_file(path)], api_name="/add_articles")
    assert [(f["name"], f["status"]) for f in report["files"]] == [(ARTICLE_NAME, "added")]
    assert report["index"]["added"] == 1 and report["index"]["documents"] == before + 1
    assert (settings.documents_dir / ARTICLE_NAME).read_text(encoding="utf-8") == ARTICLE
    assert message("status_articles", "en", n=f"<b>{before + 1}</b>") in status

    *_, answer = _ask(client, "Сколько юрт собрали на фестивале в Улан-Баторе?")
    assert not answer["refused"] and "347" in answer["answer"]
    assert answer["citations"][0]["doc"] == ARTICLE_NAME

    version = (settings.index_dir / "CURRENT").read_text()
    _, _, again = client.predict([handle_file(path)], api_name="/add_articles")
    assert [(f["name"], f["status"]) for f in again["files"]] == [(ARTICLE_NAME, "unchanged")]
    assert again["index"] is None and (settings.index_dir / "CURRENT").read_text() == version
    assert len(list(settings.documents_dir.glob("*.txt"))) == files_before + 1


@pytest.mark.model
def test_bad_uploads_are_rejected_with_reasons(live_app, tmp_path: Path) -> None:
    from gradio_client import handle_file

    url, settings = live_app
    files = {
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "cp1251.txt": "Посольство Казахстана\n\nТекст статьи.".encode("cp1251"),
        ".hidden.txt": ARTICLE.encode(),
        "a.pdf": b"%PDF-1.4",
        "-rf.txt": ARTICLE.encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    before = sorted(p.name for p in settings.documents_dir.iterdir())
    _, _, report = _client(url).predict([handle_file(tmp_path / n) for n in files], api_name="/add_articles")
    got = {f["name"]: f for f in report["files"]}
    assert set(got) == set(files) and all(f["status"] == "rejected" for f in got.values())
    assert "binary" in got["binary.txt"]["reason"] and "UTF-8" in got["cp1251.txt"]["reason"]
    assert "hidden" in got[".hidden.txt"]["reason"]
    assert ".txt" in got["a.pdf"]["reason"] and "“-”" in got["-rf.txt"]["reason"]

    # A hand-made request naming the file "../evil.txt" (Gradio's client and browser only send base names).
    uploaded = httpx.post(f"{url}gradio_api/upload", files=[("files", ("evil.txt", ARTICLE.encode()))]).json()[0]
    result = _call_raw(url, "add_articles", [[{"path": uploaded, "orig_name": "../evil.txt",
                                                "meta": {"_type": "gradio.FileData"}}], "en"])
    evil = result[2]["files"][0]
    assert evil["status"] == "rejected" and "path" in evil["reason"]
    # ...and one pointing at a file outside Gradio's upload folder is refused by Gradio itself.
    assert _call_raw(url, "add_articles", [[{"path": "/etc/passwd", "orig_name": "passwd.txt",
                                              "meta": {"_type": "gradio.FileData"}}], "en"]) is None
    assert sorted(p.name for p in settings.documents_dir.iterdir()) == before
    assert not (settings.documents_dir.parent / "evil.txt").exists()


def _call_raw(url: str, api: str, data: list):
    """POST /gradio_api/call/<api> and read its event stream: the output data, or None on an error event."""
    event = httpx.post(f"{url}gradio_api/call/{api}", json={"data": data}).json()["event_id"]
    kind = None
    with httpx.stream("GET", f"{url}gradio_api/call/{api}/{event}", timeout=120) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                return json.loads(line[5:]) if kind == "complete" else None
    return None


@pytest.mark.model
def test_four_concurrent_clients_all_get_their_answers(live_app) -> None:
    cases = [(TIRANA_RU, "ru", "albania"),
             ("What did Tokayev and Radev agree on the Trans-Caspian route?", "en", "bulgaria"),
             ("Колко български компании работят в Казахстан?", "bg", "bulgaria"),
             ("Тоқаев пен Бегай қандай мәселелерді талқылады?", "kk", "albania")]
    results: dict[int, dict] = {}
    errors: list[BaseException] = []

    def run(i: int, question: str) -> None:
        try:
            results[i] = _ask(_client(live_app[0]), question)[3]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, q)) for i, (q, _, _) in enumerate(cases)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors
    for i, (question, language, topic) in enumerate(cases):
        answer = results[i]
        assert answer["question"] == question and answer["language"] == language and not answer["refused"]
        first = answer["citations"][0] if answer["citations"] else {}
        # seed articles have hashed file names; their titles name the country
        assert topic in f'{first.get("doc", "")} {first.get("title", "")}'.lower(), answer["citations"]
    assert time.perf_counter() - started < 120


@pytest.mark.model
def test_no_file_outside_the_app_can_be_read(live_app) -> None:
    url, settings = live_app
    article = next(settings.documents_dir.glob("*.txt"))
    for path in ("gradio_api/file=/etc/passwd", "file=/etc/passwd", "gradio_api/file=%2Fetc%2Fpasswd",
                 "gradio_api/file=../../../../etc/passwd", f"gradio_api/file={article}", f"file={article}",
                 f"gradio_api/file={settings.index_dir / 'CURRENT'}", f"gradio_api/file={REPO / 'app.py'}"):
        response = httpx.get(url + path)
        assert response.status_code in (403, 404), (path, response.status_code)
        assert "root:" not in response.text
    assert httpx.get(url).status_code == 200


# --- what a new user tripped over -----------------------------------------------------------------------------

def test_refusal_cards_are_numbered_without_gaps() -> None:
    # passages 1 and 2 come from one article, 3 and 4 from others: the refusal lists one card per article
    docs = ["a.txt", "a.txt", "b.txt", "c.txt"]
    passages = [Passage(i, Hit(i, 0.3, _chunk(f"Passage {i}.", doc=doc, title=f"Title {doc}")))
                for i, doc in enumerate(docs, 1)]
    answer = Answer(question="Q?", language="en", answer="The press releases do not answer this question.",
                    answerer="extractive", refused=True, citations=[], passages=passages,
                    timings_ms={"retrieve": 1.0, "answer": 1.0})
    sources = render.render_sources(answer, turn=2)
    import re

    badges = re.findall(r'<span class="dr-badge">(\d+)</span>', sources)
    assert badges == ["1", "2", "3"]
    ids = re.findall(r'id="dr-src-2-(\d+)"', sources)
    assert ids == ["1", "2", "3"]
    chat = render.render_answer(answer, turn=2)
    links = re.findall(r'href="#dr-src-2-(\d+)"', chat)
    assert links == ["1", "2", "3"] and "Title b.txt" in chat  # every link has its card


def test_each_question_is_logged_once_without_its_text(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    def fake_answer(settings, question, filters, previous, ui, stream):
        yield "done", _answer("Answer [1].", ["p"], "p")

    secret = "What did the ambassador whisper?"
    with caplog.at_level(logging.INFO, logger="rag.ui.chat"):
        list(respond(Settings(), secret, ALL_LANGUAGES, "", "", Conversation(), answer_fn=fake_answer))
        list(respond(Settings(), "   ", ALL_LANGUAGES, "", "", Conversation(), answer_fn=fake_answer))
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert len(lines) == 2, lines
    assert "language=en" in lines[0] and "answerer=extractive" in lines[0] and "refused=False" in lines[0]
    assert "latency_ms=" in lines[0]
    assert "not answered" in lines[1] and "InvalidQuestion" in lines[1]
    assert all(secret not in line for line in lines)


def test_a_question_before_the_index_is_ready_gets_a_message_not_an_error() -> None:
    from rag.i18n import message

    called = []

    def fake_answer(*args):
        called.append(args)
        yield "done", None

    frames = list(respond(Settings(), "Когда открыли посольство?", ALL_LANGUAGES, "", "", Conversation(),
                          ui_language="kk", not_ready=lambda lang: message("not_ready_model", lang),
                          answer_fn=fake_answer))
    assert not called and len(frames) == 1
    assert frames[0].answer == {"error": message("not_ready_model", "kk")}
    assert "dr-info" in frames[0].messages[-1]["content"] and "dr-error" not in frames[0].messages[-1]["content"]


def test_interface_messages_follow_the_interface_language() -> None:
    from rag.i18n import message

    frames = list(respond(Settings(), "q", ALL_LANGUAGES, "2025-99-01", "", Conversation(), ui_language="bg"))
    problem = message("filter_unreal_from", "bg", text="2025-99-01")
    assert frames[-1].answer == {"error": message("check_filters", "bg", problem=problem)}
    empty = list(respond(Settings(), "", ALL_LANGUAGES, "", "", Conversation(), ui_language="ru"))
    assert empty[-1].answer == {"error": message("empty_question", "ru")}


def test_a_failed_build_shows_its_reason_on_the_page_and_in_the_log(tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    import logging

    import app
    from rag.i18n import message
    from rag.ui.startup import Startup

    settings = load_settings(documents_dir=tmp_path / "no-such-folder", index_dir=tmp_path / "index")
    startup = Startup(settings)
    with caplog.at_level(logging.ERROR, logger="rag.app"):
        startup.start()
        state = startup.wait(timeout=120)
    assert state.stage == "failed" and "no-such-folder" in state.error
    assert any("could not be built" in r.getMessage() and "no-such-folder" in r.getMessage() for r in caplog.records)
    html = app.status_html(settings, "ru", startup)
    assert "dr-status-bad" in html and render.esc(message("build_failed", "ru", reason=state.error)) in html
    assert startup.not_ready_reason("kk") == message("build_failed", "kk", reason=state.error)


def test_progress_is_described_in_the_interface_language() -> None:
    from rag.i18n import format_duration, message

    progress = {"stage": "embedding", "articles": 41, "texts_done": 320, "texts_total": 885, "eta_s": 140.0}
    text = render.describe_progress(progress, "ru")
    assert text == (message("status_building", "ru", articles=41, done=320, total=885)
                    + message("status_eta", "ru", eta=format_duration(140.0, "ru")))
    html = render.render_progress(progress, "ru")
    assert 'aria-valuenow="36"' in html and "dr-status-busy" in html


# --- the app without an index (no model needed) ----------------------------------------------------------------

@pytest.fixture(scope="module")
def bare_app(tmp_path_factory: pytest.TempPathFactory):
    """The app over an empty index folder, without a background build; yields (url, settings)."""
    import app

    root = tmp_path_factory.mktemp("bare")
    (root / "documents").mkdir()
    settings = load_settings(documents_dir=root / "documents", index_dir=root / "index")
    demo = app.build_app(settings)
    port = free_port()
    app.launch(demo, settings, host="127.0.0.1", port=port, block=False, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", settings
    finally:
        demo.close()


@pytest.mark.parametrize("language", ["kk", "bg", "ru", "en"])
def test_switching_the_interface_language_relabels_every_component(bare_app, language: str) -> None:
    from rag.i18n import message

    result = _client(bare_app[0]).predict(language, api_name="/interface_language")
    (header, selector, status, chat, question, source_languages, date_from, date_to, sources, upload_help, files,
     page_url, report) = result
    assert message("header_tagline", language) in header
    assert selector["value"] == language and selector["label"] == message("ui_language_label", language)
    assert message("status_no_index", language).split("`")[0] in status and "<code>rag index</code>" in status
    assert chat["placeholder"] == message("chat_placeholder", language)
    assert (question["label"], question["placeholder"]) == (message("question_label", language),
                                                            message("question_placeholder", language))
    assert source_languages["label"] == message("filter_languages", language)
    assert date_from["label"] == message("filter_from", language) and date_to["label"] == message("filter_to", language)
    assert sources == render.sources_placeholder(language)
    assert message("upload_help", language, limit=render.esc(
        __import__("rag.i18n", fromlist=["x"]).format_size(bare_app[1].max_upload_bytes, language))) in upload_help
    assert files["label"] == message("upload_files_label", language) and report == render.upload_placeholder(language)
    assert page_url["label"] == message("url_label", language)


def test_one_upload_limit_is_enforced_by_the_server(bare_app) -> None:
    url, settings = bare_app
    limit = settings.max_upload_bytes
    ok = httpx.post(f"{url}gradio_api/upload", files=[("files", ("a.txt", b"x" * limit))])
    assert ok.status_code == 200
    too_big = httpx.post(f"{url}gradio_api/upload", files=[("files", ("b.txt", b"x" * (limit + 1)))])
    assert too_big.status_code >= 400 and str(limit) in too_big.text


def test_a_question_without_an_index_says_how_to_build_one(bare_app) -> None:
    from rag.i18n import message

    chat, _, status, answer, _ = _client(bare_app[0]).predict(TIRANA_RU, ALL_LANGUAGES, "", "", "ru",
                                                               api_name="/chat")
    assert answer == {"error": message("no_index", "ru")}
    assert "Traceback" not in _text(chat[-1])


# --- the command line ----------------------------------------------------------------------------------------

CLI_COMMANDS = ("setup", "index", "search", "ask", "eval", "serve")


def test_every_cli_option_has_help() -> None:
    import argparse

    from rag.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in CLI_COMMANDS:
        for action in sub.choices[name]._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help and action.help.strip(), (name, action.dest)


@pytest.mark.parametrize("argv, words", [
    (["ask", "Когда?", "--k", "0"], "1 to 50"), (["search", "x", "--k", "51"], "1 to 50"),
    (["ask", "x", "--k", "two"], "whole number"),
])
def test_bad_k_is_refused_by_the_parser(argv, words, capsys) -> None:
    from rag.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2 and words in capsys.readouterr().err


@pytest.mark.parametrize("command", ["ask", "search"])
def test_an_empty_query_gets_the_same_message_from_ask_and_search(command, capsys, tmp_path: Path) -> None:
    from rag.cli import main
    from rag.i18n import message

    assert main([command, "   ", "--index", str(tmp_path / "none")]) == 2
    assert message("empty_question", "en") in capsys.readouterr().err
    assert main([command, "", "--json", "--index", str(tmp_path / "none")]) == 2
    assert json.loads(capsys.readouterr().out) == {"error": message("empty_question", "en")}


@pytest.mark.parametrize("options, words", [
    (["--language", "ru,de"], "de"), (["--from", "2025-13-01"], "real calendar date"),
    (["--from", "21.03.2025"], "YYYY-MM-DD"), (["--from", "2025-06-01", "--to", "2025-01-01"], "after"),
])
@pytest.mark.parametrize("command", ["ask", "search"])
def test_cli_filters_are_validated_before_any_work(command, options, words, capsys, tmp_path: Path) -> None:
    from rag.cli import main

    assert main([command, "Trans-Caspian route", *options, "--index", str(tmp_path / "none")]) == 2
    assert words in capsys.readouterr().err


def test_cli_filters_become_retrieval_filters() -> None:
    from rag.cli import _filters, build_parser

    args = build_parser().parse_args(["search", "x", "--language", "kk,bg", "--from", "2024-01-01"])
    assert _filters(args) == Filters(frozenset({"kk", "bg"}), "2024-01-01", None)
    assert _filters(build_parser().parse_args(["ask", "x"])) is None


# --- instant start ---------------------------------------------------------------------------------------------

def _start_app(tmp_path: Path, documents: Path, port: int, *options: str):
    import os
    import subprocess
    import sys

    env = {**os.environ, "RAG_INDEX_DIR": str(tmp_path / "index"), "RAG_DOCUMENTS_DIR": str(documents),
           "RAG_PORT": str(port), "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    log = (tmp_path / "app.log").open("w")
    return subprocess.Popen([sys.executable, str(REPO / "app.py"), *options], cwd=tmp_path, env=env, stdout=log,
                            stderr=subprocess.STDOUT), tmp_path / "app.log"


def _wait_for_page(url: str, process, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        assert process.poll() is None, "the app exited"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"no page within {seconds} s")


def test_the_page_opens_at_once_while_the_index_is_built(tmp_path: Path) -> None:
    """A checkout without an index: the page answers within 30 s and says the index is being prepared;
    a question meanwhile gets a clear message. (The build itself is not waited for.)"""
    from rag.i18n import MESSAGES

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    process, log = _start_app(tmp_path, REPO / "documents", port)
    try:
        _wait_for_page(url, process, 30)
        status = _client(url).predict("ru", api_name="/status")
        assert "dr-status-busy" in status, status
        *_, answer, _ = _client(url).predict(TIRANA_RU, ALL_LANGUAGES, "", "", "ru", api_name="/chat")
        assert answer["error"] in (MESSAGES["not_ready_model"]["ru"], ) or answer["error"].startswith(
            MESSAGES["not_ready_building"]["ru"].split("(")[0]), answer
        output = log.read_text()
        assert f"DiploRAG is running at {url}" in output and "share=True" not in output
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.model
def test_a_fresh_checkout_answers_once_its_index_is_built(small_corpus: Settings, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    process, log = _start_app(tmp_path, small_corpus.documents_dir, port)
    try:
        _wait_for_page(url, process, 60)
        client = _client(url)
        deadline = time.monotonic() + 900
        while "dr-status-busy" in (status := client.predict("en", api_name="/status")):
            assert time.monotonic() < deadline, "the index was not built in 15 minutes"
            time.sleep(2)
        assert "dr-status-bad" not in status, status
        *_, answer, _ = client.predict("What did Tokayev and Lavrov discuss in Astana?", ALL_LANGUAGES, "", "",
                                       "en", api_name="/chat")
        assert not answer.get("error") and answer["citations"], answer
        assert "lavrov" in answer["citations"][0]["doc"]
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.model
def test_build_progress_is_reported_for_the_status_line(small_corpus: Settings) -> None:
    from rag.index import build_index

    reports: list[dict] = []
    build_index(small_corpus, progress=False, on_progress=reports.append)
    stages = [r["stage"] for r in reports]
    assert stages[0] == "reading" and stages[-1] == "done" and "writing" in stages
    embedding = [r for r in reports if r["stage"] == "embedding"]
    assert embedding and embedding[-1]["texts_done"] == embedding[-1]["texts_total"] > 0
    assert [r["texts_done"] for r in embedding] == sorted(r["texts_done"] for r in embedding)
    assert all(r["articles"] == 3 for r in reports[1:])
    assert embedding[-1]["eta_s"] == 0


def test_a_source_card_links_to_the_article_page_and_only_to_web_addresses() -> None:
    passage = Passage(1, Hit(1, 0.5, dataclasses.replace(_chunk("Trade grew."),
                                                         url="https://example.kz/news/1?a=1&b=2")))
    html = render.render_card(passage, 0, "en")
    assert 'href="https://example.kz/news/1?a=1&amp;b=2"' in html and 'rel="noopener"' in html
    unsafe = Passage(1, Hit(1, 0.5, dataclasses.replace(_chunk("Trade grew."), url="javascript:alert(1)")))
    assert "href=" not in render.render_card(unsafe, 0, "en")


@pytest.mark.model
def test_the_app_with_watch_indexes_an_article_dropped_into_the_folder(small_corpus: Settings, tmp_path: Path) -> None:
    import shutil

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    process, log = _start_app(tmp_path, small_corpus.documents_dir, port, "--watch")
    try:
        _wait_for_page(url, process, 60)
        client = _client(url)
        deadline = time.monotonic() + 900
        while "dr-status-busy" in client.predict("en", api_name="/status"):
            assert time.monotonic() < deadline, "the index was not built in 15 minutes"
            time.sleep(2)
        name = "en_slovenia_tokayev_universities_bees_2025-03-31.txt"
        shutil.copy2(REPO / "documents" / name, small_corpus.documents_dir / name)
        deadline = time.monotonic() + 300
        while "<b>4</b>" not in client.predict("en", api_name="/status"):
            assert time.monotonic() < deadline, f"the dropped article was not indexed:\n{log.read_text()[-2000:]}"
            time.sleep(2)
        *_, answer, _ = client.predict("Which exhibition about bees will open in Astana?", ALL_LANGUAGES, "", "",
                                       "en", api_name="/chat")
        assert answer["citations"] and answer["citations"][0]["doc"] == name, answer
        assert "Watching" in log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)
