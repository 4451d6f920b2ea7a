"""The chat app in a real Chromium: streaming answer, clickable [n] markers, refusals, the interface in the
browser's language and switched on the page, the upload limit, screenshots.

Needs Debian's Chromium at /usr/bin/chromium (`make browser`); Playwright cannot download its own here.
Screenshots go to test-artifacts/ (app.png, app-refusal.png, app-<language>.png, app-upload-limit.png).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import free_port
from rag.settings import Settings

pytestmark = [pytest.mark.browser, pytest.mark.model]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 90_000

# Records whether a partial answer (with the streaming caret) was ever on screen.
WATCH_STREAMING = """() => {
  window.__sawStreaming = false;
  new MutationObserver(() => {
    if (document.querySelector('#dr-chat .dr-streaming .dr-caret')) window.__sawStreaming = true;
  }).observe(document.body, {childList: true, subtree: true});
}"""


@pytest.fixture(scope="module")
def app_url(real_index: Settings):
    """The app over the session's real index (read only: nothing is uploaded here)."""
    import app

    demo = app.build_app(real_index)
    port = free_port()
    app.launch(demo, real_index, host="127.0.0.1", port=port, block=False, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium: run `make browser` "
                    "(or `apt-get install chromium`) to enable the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser, app_url: str, locale: str):
    """A new page of the app in a browser whose language is ``locale`` (Accept-Language and
    navigator.language), once the interface has taken the language it asked for."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale=locale)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(app_url, wait_until="domcontentloaded")  # not networkidle: Gradio keeps a heartbeat open
    page.wait_for_selector("#dr-question textarea", timeout=TIMEOUT_MS)
    page.wait_for_function("document.documentElement.lang !== ''", timeout=TIMEOUT_MS)
    return context, page, errors


@pytest.fixture
def page(browser, app_url):
    context, page, errors = _open(browser, app_url, "en-US")
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _ask(page, question: str) -> None:
    done = page.locator("#dr-chat .dr-answer:not(.dr-streaming)").count()
    page.fill("#dr-question textarea", question)
    page.press("#dr-question textarea", "Enter")
    page.wait_for_function("n => document.querySelectorAll('#dr-chat .dr-answer:not(.dr-streaming)').length > n",
                           arg=done, timeout=TIMEOUT_MS)


def test_answer_streams_and_a_marker_highlights_its_source(page) -> None:
    page.evaluate(WATCH_STREAMING)
    _ask(page, "Когда открыли посольство Казахстана в Тиране?")
    answer = page.locator("#dr-chat .dr-answer:not(.dr-streaming)").last
    assert "2024" in answer.inner_text() and "[1]" in answer.inner_text()
    assert page.evaluate("window.__sawStreaming"), "the answer did not stream in"
    assert page.input_value("#dr-question textarea") == ""

    card = page.locator("#dr-src-0-1")
    assert card.get_attribute("data-doc") == "en_albania_first_political_consultations_tirana_2025-03-21.txt"
    assert card.locator("mark").count() >= 1 and "2024" in card.locator("mark").first.inner_text()
    assert "dr-active" not in (card.get_attribute("class") or "")

    answer.locator("a.dr-cite", has_text="[1]").first.click()
    page.wait_for_function("document.getElementById('dr-src-0-1').classList.contains('dr-active')",
                           timeout=5_000)
    assert page.locator(".dr-card.dr-active").count() == 1
    page.wait_for_timeout(600)  # let the smooth scroll settle
    assert card.is_visible()
    panel = page.locator("#dr-sources-panel").bounding_box()
    box = card.bounding_box()
    assert panel and box and box["y"] < panel["y"] + panel["height"] and box["y"] + box["height"] > panel["y"]
    assert page.url.endswith("/"), "the marker navigated away instead of highlighting"

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app.png"))


def test_examples_refusals_and_errors_render_in_the_chat(page) -> None:
    page.get_by_text("BG · Колко български компании работят в Казахстан?").click()
    page.wait_for_selector("#dr-chat .dr-answer:not(.dr-streaming) a.dr-cite", timeout=TIMEOUT_MS)
    assert "60" in page.locator("#dr-chat .dr-answer").last.inner_text()

    _ask(page, "Кто выиграл чемпионат мира по футболу в 2018 году?")  # long enough not to be a follow-up
    refusal = page.locator("#dr-chat .dr-answer.dr-refused").last
    assert "Нет в пресс-релизах" in refusal.inner_text()
    assert page.locator("#dr-sources-panel section.dr-turn:not([hidden]) .dr-card").count() >= 1

    # an older answer's marker brings back that answer's sources
    page.locator("#dr-chat a.dr-cite", has_text="[1]").first.click()
    page.wait_for_function("document.getElementById('dr-src-0-1').classList.contains('dr-active')", timeout=5_000)
    assert page.locator("#dr-turn-0").is_visible() and not page.locator("#dr-turn-1").is_visible()

    _ask(page, "   ")
    problem = page.locator("#dr-chat .dr-problem").last
    assert "Please type a question" in problem.inner_text()
    assert "Traceback" not in page.locator("#dr-chat").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app-refusal.png"))


# --- the interface in the user's language ---------------------------------------------------------------------

def _interface_is_in(page, language: str) -> None:
    """Every labelled part of the page speaks ``language`` (found by role and accessible name)."""
    from rag.i18n import message

    from playwright.sync_api import expect

    # the page relabels its parts one by one after a switch: each check waits for its part (a loaded
    # machine takes seconds), and fails if the label never comes
    page.wait_for_function("lang => document.documentElement.lang === lang", arg=language, timeout=TIMEOUT_MS)
    box = page.get_by_role("textbox", name=message("question_label", language))
    expect(box).to_have_attribute("placeholder", message("question_placeholder", language), timeout=TIMEOUT_MS)
    for role, name in (("button", "ask_button"), ("button", "new_chat"), ("tab", "tab_ask"), ("tab", "tab_add")):
        expect(page.get_by_role(role, name=message(name, language), exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator(".dr-header")).to_contain_text(message("header_tagline", language), timeout=TIMEOUT_MS)
    expect(page.locator("#dr-filters")).to_contain_text(message("filters", language), timeout=TIMEOUT_MS)
    expect(page).to_have_title(message("app_title", language), timeout=TIMEOUT_MS)


def _switch(page, language: str) -> None:
    from rag.i18n import autonym

    page.locator("#dr-ui-language label", has_text=autonym(language)).click()
    _interface_is_in(page, language)


@pytest.mark.parametrize("locale, language, switch_to, question, asked_in, expected", [
    ("ru-RU", "ru", "en", "Когда открыли посольство Казахстана в Тиране?", "ru", "2024"),
    ("kk-KZ", "kk", "bg", "Колко български компании работят в Казахстан?", "bg", "60"),
])
def test_the_interface_follows_the_browser_language_and_can_be_switched(browser, app_url, locale, language,
                                                                        switch_to, question, asked_in,
                                                                        expected) -> None:
    from rag.i18n import message

    context, page, errors = _open(browser, app_url, locale)
    try:
        _interface_is_in(page, language)
        assert message("status_articles", language, n="").strip() in page.locator("#dr-status").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"app-{language}.png"))

        _switch(page, switch_to)
        box = page.get_by_role("textbox", name=message("question_label", switch_to))
        box.fill(question)
        page.get_by_role("button", name=message("ask_button", switch_to), exact=True).click()
        page.wait_for_selector("#dr-chat .dr-answer:not(.dr-streaming) a.dr-cite", timeout=TIMEOUT_MS)
        answer = page.locator("#dr-chat .dr-answer").last.inner_text()
        assert expected in answer and "[1]" in answer
        # the answer is in the question's language, the interface stays in the chosen one
        leads = [message("lead", asked_in), message("lead_translated", asked_in),
                 message("short_answer", asked_in, answer=""), message("quote_intro", asked_in)]
        assert any(lead.strip(": ") in answer for lead in leads), answer
        _interface_is_in(page, switch_to)
        page.screenshot(path=str(ARTIFACTS / f"app-{switch_to}.png"))
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_a_file_over_the_limit_is_refused_in_the_page_with_the_apps_message(browser, app_url, real_index,
                                                                            tmp_path) -> None:
    from rag.i18n import format_size, message

    big = tmp_path / "big.txt"
    big.write_bytes(b"Big\n\n" + b"x" * real_index.max_upload_bytes)
    context, page, errors = _open(browser, app_url, "ru-RU")
    uploads: list[str] = []
    page.on("request", lambda request: uploads.append(request.url) if "/upload" in request.url else None)
    try:
        _interface_is_in(page, "ru")
        page.get_by_role("tab", name=message("tab_add", "ru")).click()
        limit = format_size(real_index.max_upload_bytes, "ru")
        assert limit in page.locator(".dr-help").inner_text()  # the limit shown is the limit enforced
        page.get_by_role("button", name=message("upload_drop", "ru")).wait_for(timeout=10_000)  # not Gradio's English
        page.locator("#dr-files input[type=file]").set_input_files(str(big))
        refusal = page.locator("#dr-upload-result [role=alert]")
        refusal.wait_for(timeout=10_000)
        assert refusal.inner_text() == message("upload_too_big_browser", "ru", name="big.txt", limit=limit)
        assert not uploads, "the file was sent although it is over the limit"
        page.screenshot(path=str(ARTIFACTS / "app-upload-limit.png"))
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
