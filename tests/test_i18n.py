"""The message catalogue and the interface language: every text in four languages, the same
placeholders everywhere, no English left in the interface code, and errors in the user's language."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

import pytest

from rag import i18n
from rag.i18n import MESSAGES, SUPPORTED_UI_LANGUAGES, language_from_header, message, placeholders, quoted
from rag.settings import Settings

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = REPO / "rag" / "data" / "messages.json"
INTERFACE_CODE = [REPO / "app.py", *sorted((REPO / "rag" / "ui").glob("*.py"))]


def test_every_message_exists_in_all_four_languages() -> None:
    assert set(SUPPORTED_UI_LANGUAGES) == {"ru", "en", "bg", "kk"}
    assert len(MESSAGES) > 100
    for key, texts in MESSAGES.items():
        assert set(texts) == set(SUPPORTED_UI_LANGUAGES), key
        assert all(isinstance(t, str) and t.strip() for t in texts.values()), key


def test_placeholders_are_the_same_in_every_language() -> None:
    for key, texts in MESSAGES.items():
        expected = placeholders(texts["en"])
        for language, text in texts.items():
            assert placeholders(text) == expected, (key, language, text)


def test_translations_are_in_their_own_script() -> None:
    """A Russian, Bulgarian or Kazakh text that is only Latin letters is an untranslated English one."""
    allowed_latin = re.compile(r"\{[^}]*\}|<[^>]+>|`[^`]*`|\b(?:DiploRAG|UTF-8|README|txt|html|htm|http|https|date|source|language|"
                               r"ru|en|bg|kk|YYYY|MM|DD|documents|NUL|kB|MB|rag|index|make|run)\b")
    for key, texts in MESSAGES.items():
        for language in ("ru", "bg", "kk"):
            rest = allowed_latin.sub("", texts[language])
            latin = re.findall(r"[A-Za-z]{3,}", rest)
            assert not latin, (key, language, latin)
        if key not in ("upload_detail", "answerer_generator", "upload_th_file", "chat_label"):
            # a template of placeholders only ("{amount} {when}") reads the same in every language
            assert texts["ru"] != texts["en"] or not re.search(r"[A-Za-z]{3}", re.sub(r"\{[^}]*\}", "", texts["en"])), key


def test_the_catalogue_is_package_data() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "data/*.json" in pyproject["tool"]["setuptools"]["package-data"]["rag"]
    assert json.loads(CATALOGUE.read_text(encoding="utf-8"))  # valid JSON


def test_the_answerers_still_import_their_messages_from_prompts() -> None:
    from rag.answering import prompts

    assert prompts.message is message and prompts.quoted is quoted and prompts.MESSAGES is MESSAGES
    assert prompts.message("refusal", "kk") == MESSAGES["refusal"]["kk"]
    assert prompts.message("refusal", "de") == MESSAGES["refusal"]["en"]  # any other language: English


# --- no English literal left in the interface code ----------------------------------------------------------

USER_FACING_KEYWORDS = {"label", "placeholder", "value", "title", "info", "desc"}
TEXT_FIRST_ARGUMENT = {"Button", "Tab", "Accordion", "Markdown", "HTML", "Textbox", "Blocks"}


def _literal_text(node: ast.AST) -> str:
    """The literal characters of a str constant or an f-string (its fixed parts)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return ""


def _words(text: str) -> list[str]:
    text = re.sub(r"<[^>]+>|&\w+;|#[\w-]+|\.[\w-]+", " ", text)  # markup, entities, CSS ids and classes
    return re.findall(r"[A-Za-z]{3,}", text)


def _gradio_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        if owner == "gr" or name in {"ArticleFiles", "update"}:
            yield name, node


@pytest.mark.parametrize("path", INTERFACE_CODE, ids=lambda p: p.name)
def test_no_english_literal_is_passed_to_a_gradio_component(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for name, call in _gradio_calls(tree):
        texts = [kw.value for kw in call.keywords if kw.arg in USER_FACING_KEYWORDS]
        if name in TEXT_FIRST_ARGUMENT and call.args:
            texts.append(call.args[0])
        for node in texts:
            words = _words(_literal_text(node))
            if words:
                found.append((call.lineno, name, words))
    assert not found, f"{path.name}: English literals given to Gradio components: {found}"


@pytest.mark.parametrize("path", [p for p in INTERFACE_CODE if p.name in {"render.py", "chat.py", "filters.py",
                                                                          "uploads.py", "startup.py"}],
                         ids=lambda p: p.name)
def test_no_english_sentence_is_left_in_the_rendering_code(path: Path) -> None:
    """String literals of three or more English words outside docstrings, logs and prints are
    user-facing sentences that belong in the catalogue."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)) and ast.get_docstring(node) is not None:
            skip.add(id(node.body[0].value))
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"debug", "info", "warning", "error", "exception", "print", "ArgumentTypeError"}:
                for arg in ast.walk(node):
                    skip.add(id(arg))
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, (ast.Constant, ast.JoinedStr)):
            continue
        literal = _literal_text(node)
        if re.fullmatch(r"[\w.\-/{}]*", literal):  # message keys, identifiers, paths
            continue
        words = _words(literal)
        if len(words) >= 3 and not re.search(r"\bsvg\b|viewBox|stroke|class=|style=", literal):
            found.append((getattr(node, "lineno", "?"), " ".join(words)))
    assert not found, f"{path.name}: English sentences outside the catalogue: {found}"


# --- quotation marks ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", SUPPORTED_UI_LANGUAGES)
def test_a_quote_that_holds_quotation_marks_gets_no_doubled_marks(language: str) -> None:
    left, right = message("quote_open", language), message("quote_close", language)
    inner_left, inner_right = message("quote_open_inner", language), message("quote_close_inner", language)
    # a sentence that opens with a quotation (as press releases quote speakers)
    text = f"{left}We value the partnership{right}, the minister said."
    out = quoted(text, language)
    assert out.startswith(left) and out.endswith(right)
    assert left * 2 not in out and right * 2 not in out
    assert f"{inner_left}We value the partnership{inner_right}" in out
    # a quote that is itself one quotation is not wrapped again, whatever marks it uses
    for whole in (f"{left}Yes{right}", "«Да»", "„Да“", "“Yes”"):
        assert quoted(whole, language) == whole
    assert quoted("plain words", language) == f"{left}plain words{right}"


# --- the browser's language ------------------------------------------------------------------------------------

@pytest.mark.parametrize("header, expected", [
    ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
    ("kk-KZ", "kk"),
    ("de-DE,de;q=0.9,bg;q=0.5,en;q=0.4", "bg"),      # the first supported one by weight
    ("en;q=0.3, kk;q=0.8", "kk"),                      # weights, not order
    ("fr-CH, fr;q=0.9, *;q=0.5", "en"),                # nothing supported: the default
    ("ru;q=0, kk", "kk"),                              # q=0 means "not this one"
    ("", "en"), (None, "en"), ("garbage;;,", "en"),
])
def test_the_interface_language_follows_accept_language(header, expected) -> None:
    assert language_from_header(header) == expected


def test_unknown_headers_fall_back_to_the_configured_language() -> None:
    assert language_from_header("ja-JP", default="bg") == "bg"


def test_cldr_formats_follow_the_language() -> None:
    assert i18n.format_bytes(2001, "en") == "2,001 bytes"
    assert "байт" in i18n.format_bytes(2001, "ru") and "2" in i18n.format_bytes(2001, "kk")
    assert i18n.language_name("kk", "ru") == "казахский" and i18n.language_name("bg", "en") == "Bulgarian"
    assert i18n.autonym("ru") == "Русский" and i18n.autonym("bg") == "Български"
    assert "2025" in i18n.format_when("2025-03-01T12:05:00+00:00", "kk")
    assert i18n.format_when(None, "ru") == message("time_unknown", "ru")


# --- errors in the user's language ----------------------------------------------------------------------------

# Long questions in each language that the corpus never asks (so no rule could be tuned to them).
LONG = {
    "ru": "Расскажите подробно, как развивалось сотрудничество в области сельского хозяйства и науки. ",
    "bg": "Разкажете подробно как се развиваше сътрудничеството в областта на земеделието и науката. ",
    "kk": "Ауыл шаруашылығы мен ғылым саласындағы ынтымақтастық қалай дамығанын егжей-тегжейлі айтып беріңіз. ",
    "en": "Please describe in detail how cooperation in agriculture and science developed over the years. ",
}


@pytest.mark.parametrize("language", sorted(LONG))
@pytest.mark.parametrize("ui", ["en", "ru"])
def test_a_too_long_question_is_told_so_in_its_own_language(language: str, ui: str) -> None:
    from rag.pipeline import InvalidQuestion, validate_question

    settings = Settings()
    question = (LONG[language] * 80)[:5000]
    with pytest.raises(InvalidQuestion) as err:
        validate_question(settings, question, ui)
    assert str(err.value) == message("long_question", language, limit=settings.max_question_chars, length=5000)


def test_a_long_question_in_no_language_is_told_so_in_the_interface_language() -> None:
    from rag.pipeline import InvalidQuestion, validate_question

    with pytest.raises(InvalidQuestion) as err:
        validate_question(Settings(), "1234 5678 " * 300, "bg")
    assert str(err.value).startswith(MESSAGES["long_question"]["bg"].split("(")[0])


@pytest.mark.parametrize("language", SUPPORTED_UI_LANGUAGES)
def test_filter_and_upload_errors_are_in_the_interface_language(language: str) -> None:
    from rag.ui.filters import FilterError, parse_filters
    from rag.ui.uploads import UploadRejected, check_name

    with pytest.raises(FilterError) as err:
        parse_filters(["ru"], "2025-02-30", "", language)
    assert str(err.value) == message("filter_unreal_from", language, text="2025-02-30")
    with pytest.raises(FilterError) as err:
        parse_filters([], "", "", language)
    assert str(err.value) == message("filter_no_language", language)
    with pytest.raises(UploadRejected) as rejected:
        check_name(".hidden.txt")
    assert rejected.value.text(language) == message("upload_hidden", language)


def test_upload_reasons_and_the_report_are_localized(tmp_path: Path) -> None:
    from rag.settings import load_settings
    from rag.ui import render
    from rag.ui.uploads import add_articles

    docs = tmp_path / "docs"
    docs.mkdir()
    settings = load_settings(documents_dir=docs, index_dir=tmp_path / "index")
    big = tmp_path / "big.txt"
    big.write_bytes(b"Title\n\n" + b"x" * settings.max_upload_bytes)
    report = add_articles(settings, [("big.txt", big), ("a.pdf", big)], language="kk")
    assert [f.status for f in report.files] == ["rejected", "rejected"]
    assert report.files[0].reason == message("upload_too_big", "kk", size=i18n.format_bytes(big.stat().st_size, "kk"),
                                             limit=i18n.format_bytes(settings.max_upload_bytes, "kk"))
    html = render.render_upload_report(report, "kk")
    assert message("upload_status_rejected", "kk") in html and message("upload_th_details", "kk") in html
    assert message("upload_count_rejected", "kk", n=2) in html


@pytest.mark.parametrize("language", ["ru", "bg", "kk"])
def test_interface_html_has_no_english_words(language: str) -> None:
    """The status line, placeholders, progress and help are wholly in the chosen language."""
    from rag.types import StoreStatus
    from rag.ui import render

    settings = Settings()
    status = StoreStatus("faiss", "index", 41, 103, 391, "v-1", "2025-06-09T10:00:00+00:00",
                         "google/embeddinggemma-300m")
    pieces = [render.render_status(settings, status, language=language), render.sources_placeholder(language),
              render.upload_placeholder(language), render.upload_help(settings, language),
              render.render_status(settings, None, language=language), render.render_thinking(language),
              render.render_progress({"stage": "embedding", "articles": 41, "texts_done": 64, "texts_total": 885,
                                      "eta_s": 95.0}, language),
              render.render_progress({"stage": "model"}, language)]
    allowed = {"embeddinggemma", "google", "DiploRAG", "txt", "html", "htm", "UTF", "date", "YYYY", "source", "language", "rag",
               "index", "svg", "README", "code", "UTC"}
    for piece in pieces:
        text = re.sub(r"<[^>]+>", " ", piece)
        english = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in allowed]
        assert not english, (language, english, text)


def test_no_placeholder_is_called_language() -> None:
    """``message(key, language, **values)`` takes the language itself; a {language} placeholder would clash."""
    assert not [key for key, texts in MESSAGES.items() if "language" in placeholders(texts["en"])]


def test_an_upload_report_of_added_files_renders_in_every_language() -> None:
    from rag.ui import render
    from rag.ui.uploads import UploadReport, UploadResult

    report = UploadReport(files=[UploadResult("a.txt", "added", title="T", date=None, language="kk")],
                          index_summary={"documents": 2, "chunks": 5, "chunks_embedded": 3, "seconds": 1.5})
    for language in SUPPORTED_UI_LANGUAGES:
        html = render.render_upload_report(report, language)
        assert i18n.language_name("kk", language) in html and message("undated", language) in html
