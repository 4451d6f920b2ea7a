"""The chat app: ask the press releases, see the cited sources, add articles.

    python app.py [--host 127.0.0.1] [--port 7860] [--share]     (also `make run`, `rag serve`)

This file only wires Gradio components to the functions in :mod:`rag.ui` (rendering, a chat
turn, filters, uploads), which are unit-tested on their own. Models and the index are loaded
once per process and shared by every session; Gradio's queue serves several users at once.

Event handlers with an ``api_name`` (usable from ``gradio_client``):

* ``/chat``  (question, languages, date_from, date_to, ui_language="en") -> (chat, sources_html, status_html,
  answer_json, question) streams the answer; ``answer_json`` is the finished answer as ``rag ask --json``
  prints it, or {"error": ...};
* ``/add_articles`` (files, ui_language="en") -> (report_html, status_html, report_json);
* ``/status`` (ui_language="en") -> status_html;
* ``/interface_language`` (ui_language, ...) re-labels the page;
* ``/new_chat`` (ui_language) clears the conversation.

The page opens at once: :class:`rag.ui.startup.Startup` provisions the model and builds the index in
the background while the status line (polled every ``STATUS_POLL_S``) shows its progress. The
interface language follows the browser's Accept-Language and can be switched in the header;
answers are in the language of their question.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading

import gradio as gr

from rag import api
from rag.i18n import SUPPORTED_UI_LANGUAGES, autonym, language_from_header, message, ui_language
from rag.settings import SUPPORTED_LANGUAGES, Settings, load_settings
from rag.ui import render
from rag.ui.chat import Conversation, respond
from rag.ui.components import ArticleFiles, uploaded_name
from rag.ui.startup import Startup
from rag.ui.theme import header_html, make_theme, page_css, script
from rag.ui.uploads import add_articles, fetch_url_into_documents

log = logging.getLogger("rag.app")

# Each answerable from documents/ (one per language, plus a cross-language one).
EXAMPLES = [
    ("RU", "Когда открыли посольство Казахстана в Тиране?"),
    ("EN", "What did Tokayev and Radev agree on the Trans-Caspian route?"),
    ("BG", "Колко български компании работят в Казахстан?"),
    ("KK", "Тоқаев пен Бегай қандай мәселелерді талқылады?"),
]

CHAT_CONCURRENCY = 4  # answering is ~0.3 s of CPU; a few at once keep the queue moving
STATUS_POLL_S = 1.5  # how often the page asks for the build's progress while the app prepares
UI_LANGUAGE_CHOICES = [(autonym(code), code) for code in SUPPORTED_UI_LANGUAGES]
# Sets the page's language (read by the upload guard and by screen readers) and its title.
SET_PAGE_LANGUAGE_JS = ("(lang) => { document.documentElement.lang = lang; "
                        "const t = window.__drTitles && window.__drTitles[lang]; if (t) document.title = t; "
                        "const drop = document.querySelector('#dr-files button.upload-container'); "
                        "if (drop && window.__drDrop) drop.setAttribute('aria-label', window.__drDrop[lang]); }")


def status_html(settings: Settings, language: str = "en", startup: Startup | None = None) -> str:
    """The status line: the preparation's progress while the app prepares, else the store's state (the
    store reloads itself after a rebuild)."""
    from rag.store import IndexUnavailable, open_store

    language = ui_language(language)
    if startup is not None:
        state = startup.snapshot()
        if state.stage == "failed":
            return render.render_status(settings, None, message("build_failed", language, reason=state.error),
                                        language)
        if not state.done:
            progress = state.progress if state.stage in ("reading", "embedding", "writing") else {}
            return render.render_progress({**progress, "stage": state.stage}, language)
    try:
        store = open_store(settings)
        if store.version() is None:
            return render.render_status(settings, None, message("status_no_index", language), language)
        return render.render_status(settings, store.status(), language=language)
    except IndexUnavailable as exc:
        return render.render_status(settings, None, str(exc), language)
    except Exception as exc:  # noqa: BLE001 - a status line must never break the page
        log.exception("Reading the index status failed")
        return render.render_status(settings, None, message("status_unavailable", language,
                                                            reason=type(exc).__name__), language)


def build_app(settings: Settings, startup: Startup | None = None) -> gr.Blocks:
    """The Gradio app for ``settings`` (launch it with :func:`launch`).

    ``startup`` is the background preparation of :func:`serve`: until it is done the page shows its
    progress and questions get a "not ready yet" message. Without it the index must already exist.
    """
    default = ui_language(settings.ui_language)
    not_ready = startup.not_ready_reason if startup is not None else None
    placeholders = {render.upload_placeholder(code) for code in SUPPORTED_UI_LANGUAGES}

    def chat(question, languages, date_from, date_to, language, conversation):
        conversation = conversation if isinstance(conversation, Conversation) else Conversation()
        language = ui_language(language)
        first = True
        for frame in respond(settings, question, languages, date_from, date_to, conversation,
                             ui_language=language, not_ready=not_ready):
            yield (
                frame.messages,
                frame.sources_html if frame.sources_html is not None else gr.skip(),
                status_html(settings, language, startup) if frame.done else gr.skip(),
                conversation if frame.done else gr.skip(),
                frame.answer if frame.done else gr.skip(),
                "" if first else gr.skip(),
            )
            first = False

    def pick_example(event: gr.SelectData):
        value = event.value
        return value.get("text", "") if isinstance(value, dict) else str(value)

    def new_chat(language):
        return [], render.sources_placeholder(ui_language(language)), Conversation()

    def upload(files, language, progress=gr.Progress(track_tqdm=True)):
        language = ui_language(language)
        items = [(uploaded_name(f), f) for f in (files or [])]
        report = add_articles(settings, items, progress=lambda fraction, text: progress(fraction, desc=text),
                              language=language)
        if report.error:
            log.error("%s", report.error)
        return (render.render_upload_report(report, language), status_html(settings, language, startup),
                report.to_dict())

    def fetch_page(url, language):
        language = ui_language(language)
        report = fetch_url_into_documents(settings, url, language)
        if report.error:
            log.error("%s", report.error)
        return (render.render_upload_report(report, language), status_html(settings, language, startup),
                report.to_dict())

    def poll(language):
        done = startup is None or startup.snapshot().done
        return status_html(settings, language, startup), gr.Timer(active=not done)

    # delete_cache: uploaded copies in Gradio's temp folder are removed after an hour.
    with gr.Blocks(title=message("app_title", default), delete_cache=(3600, 3600)) as demo:
        conversation = gr.State(Conversation())
        with gr.Row(elem_id="dr-top", equal_height=True):
            header = gr.HTML(header_html(default), js_on_load=None, scale=1)
            language = gr.Radio(choices=UI_LANGUAGE_CHOICES, value=default, elem_id="dr-ui-language",
                                label=message("ui_language_label", default), show_label=False,
                                container=False, scale=0, min_width=300)
        status = gr.HTML(status_html(settings, default, startup), elem_id="dr-status", js_on_load=None)
        timer = gr.Timer(STATUS_POLL_S, active=startup is not None and not startup.snapshot().done)

        with gr.Tabs():
            with gr.Tab(message("tab_ask", default), id="ask") as ask_tab:
                with gr.Row(equal_height=False):
                    with gr.Column(scale=7, min_width=420):
                        chatbot = gr.Chatbot(
                            elem_id="dr-chat", label=message("chat_label", default), show_label=False,
                            height=560, layout="bubble",
                            buttons=["copy"], feedback_options=None, sanitize_html=True, autoscroll=True,
                            group_consecutive_messages=False,
                            placeholder=message("chat_placeholder", default),
                            examples=[{"text": text, "display_text": f"{code} · {text}"} for code, text in EXAMPLES],
                        )
                        with gr.Row(elem_id="dr-ask-row"):
                            question = gr.Textbox(
                                elem_id="dr-question", label=message("question_label", default), show_label=False,
                                scale=8, lines=1, max_lines=4, placeholder=message("question_placeholder", default),
                                submit_btn=False, autofocus=True)
                            send = gr.Button(message("ask_button", default), variant="primary", elem_id="dr-send",
                                             scale=1, min_width=90)
                        with gr.Accordion(message("filters", default), open=False, elem_id="dr-filters") as filters:
                            with gr.Row():
                                languages = gr.CheckboxGroup(
                                    choices=render.LANGUAGE_CHOICES, value=list(SUPPORTED_LANGUAGES),
                                    label=message("filter_languages", default), scale=2)
                                date_from = gr.Textbox(label=message("filter_from", default),
                                                       placeholder=message("date_placeholder", default),
                                                       max_lines=1, scale=1)
                                date_to = gr.Textbox(label=message("filter_to", default),
                                                     placeholder=message("date_placeholder", default),
                                                     max_lines=1, scale=1)
                        with gr.Row():
                            clear = gr.Button(message("new_chat", default), size="sm", variant="secondary", scale=0,
                                              elem_id="dr-new-chat")
                    with gr.Column(scale=6, min_width=380, elem_id="dr-sources-col"):
                        sources = gr.HTML(render.sources_placeholder(default), elem_id="dr-sources-panel",
                                          js_on_load=None)
                answer_json = gr.JSON(visible=False)

            with gr.Tab(message("tab_add", default), id="add") as add_tab:
                upload_help = gr.HTML(render.upload_help(settings, default), js_on_load=None)
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1):
                        files = ArticleFiles(file_count="multiple", label=message("upload_files_label", default),
                                             height=190, elem_id="dr-files")
                        add_button = gr.Button(message("upload_button", default), variant="primary",
                                               elem_id="dr-add")
                        page_url = gr.Textbox(label=message("url_label", default), max_lines=1, elem_id="dr-url")
                        fetch_button = gr.Button(message("url_button", default), elem_id="dr-fetch")
                    with gr.Column(scale=2):
                        report = gr.HTML(render.upload_placeholder(default), elem_id="dr-upload-result",
                                         min_height=260, js_on_load=None)
                report_json = gr.JSON(visible=False)

        def relabel(code, conversation, report_value):
            """Every interface text in language ``code``; answers keep the language of their question."""
            code = ui_language(code)
            t = lambda key: message(key, code)  # noqa: E731
            panel = (render.sources_placeholder(code)
                     if not (isinstance(conversation, Conversation) and conversation.sources) else gr.skip())
            return (
                header_html(code),
                gr.update(value=code, label=t("ui_language_label")),
                status_html(settings, code, startup),
                gr.update(label=t("tab_ask")),
                gr.update(label=t("tab_add")),
                gr.update(label=t("chat_label"), placeholder=t("chat_placeholder")),
                gr.update(label=t("question_label"), placeholder=t("question_placeholder")),
                gr.update(value=t("ask_button")),
                gr.update(label=t("filters")),
                gr.update(label=t("filter_languages")),
                gr.update(label=t("filter_from"), placeholder=t("date_placeholder")),
                gr.update(label=t("filter_to"), placeholder=t("date_placeholder")),
                gr.update(value=t("new_chat")),
                panel,
                render.upload_help(settings, code),
                gr.update(label=t("upload_files_label")),
                gr.update(value=t("upload_button")),
                gr.update(label=t("url_label")),
                gr.update(value=t("url_button")),
                render.upload_placeholder(code) if report_value in placeholders or not report_value else gr.skip(),
            )

        relabelled = [header, language, status, ask_tab, add_tab, chatbot, question, send, filters, languages,
                      date_from, date_to, clear, sources, upload_help, files, add_button, page_url, fetch_button,
                      report]

        def on_load(conversation, report_value, request: gr.Request):
            """The interface in the browser's language (Accept-Language), else the configured one."""
            header_value = request.headers.get("accept-language") if request is not None else None
            return relabel(language_from_header(header_value, default), conversation, report_value)

        chat_inputs = [question, languages, date_from, date_to, language, conversation]
        chat_outputs = [chatbot, sources, status, conversation, answer_json, question]
        chat_options = dict(concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat", show_progress="hidden")
        question.submit(chat, chat_inputs, chat_outputs, api_name="chat", **chat_options)
        send.click(chat, chat_inputs, chat_outputs, api_visibility="private", **chat_options)
        chatbot.example_select(pick_example, None, question, queue=False, api_visibility="private").then(
            chat, chat_inputs, chat_outputs, api_visibility="private", **chat_options)
        clear.click(new_chat, language, [chatbot, sources, conversation], api_name="new_chat", queue=False)
        chatbot.clear(new_chat, language, [chatbot, sources, conversation], api_visibility="private", queue=False)
        add_button.click(upload, [files, language], [report, status, report_json], api_name="add_articles",
                         concurrency_limit=1, concurrency_id="indexing", show_progress_on=report)
        fetch_button.click(fetch_page, [page_url, language], [report, status, report_json], api_name="fetch_page",
                           concurrency_limit=1, concurrency_id="indexing", show_progress_on=report)
        language.input(relabel, [language, conversation, report], relabelled, api_name="interface_language",
                       queue=False).then(None, language, None, js=SET_PAGE_LANGUAGE_JS)
        demo.load(on_load, [conversation, report], relabelled, api_visibility="private", queue=False).then(
            None, language, None, js=SET_PAGE_LANGUAGE_JS)
        demo.load(lambda code: status_html(settings, code, startup), language, status, api_name="status",
                  show_progress="hidden", queue=False)
        timer.tick(poll, language, [status, timer], api_visibility="private", show_progress="hidden", queue=False)
    return demo


def launch(demo: gr.Blocks, settings: Settings, *, host: str | None = None, port: int | None = None,
           share: bool = False, block: bool = True, quiet: bool = True):
    """Start the server with the app's theme, CSS and script; only Gradio's own files are served.

    Gradio's own start-up lines are silenced (its share hint names a ``launch()`` argument, not the
    app's ``--share``); :func:`serve` prints the app's address itself. Uploads over
    ``settings.max_upload_bytes`` are refused by the page before they are sent, and by the server.
    """
    demo.queue(default_concurrency_limit=1, max_size=128)
    titles = {code: message("app_title", code) for code in SUPPORTED_UI_LANGUAGES}
    drops = {code: message("upload_drop", code) for code in SUPPORTED_UI_LANGUAGES}
    return demo.launch(
        server_name=host or settings.host,
        server_port=port or settings.port,
        share=share,
        prevent_thread_lock=not block,
        quiet=quiet,
        show_error=False,
        allowed_paths=[],
        max_file_size=settings.max_upload_bytes,
        app_kwargs=api.app_kwargs(settings),  # the JSON API (/api/ask, /api/search, /api/health) of rag/api.py
        enable_monitoring=False,
        footer_links=["api", "settings"],
        run_history=False,
        mcp_server=False,
        ssr_mode=False,
        theme=make_theme(),
        css=page_css(),
        js=script(settings.max_upload_bytes),
        head=(f"<script>window.__drTitles = {json.dumps(titles, ensure_ascii=False)}; "
              f"window.__drDrop = {json.dumps(drops, ensure_ascii=False)};</script>"),
    )


def serve(host: str | None = None, port: int | None = None, share: bool = False, store_url: str | None = None,
          watch: bool = False) -> int:
    """`make run`, `python app.py` and `rag serve`: open the page at once, then get the model and the
    index ready in the background (the page shows the progress), and serve until Ctrl-C. With ``watch``
    the documents folder is watched (:func:`rag.watch.watch_folder`): a file dropped into it, or fetched
    by a scheduled `rag fetch`, is indexed within seconds, and the next question sees it."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("httpx", "sentence_transformers", "transformers", "urllib3", "faiss"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = load_settings(host=host, port=port, store_url=store_url)
    startup = Startup(settings)
    demo = build_app(settings, startup)
    try:
        launch(demo, settings, share=share, block=False)
    except OSError as exc:
        print(f"error: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 1
    print(f"DiploRAG is running at http://{settings.host}:{demo.server_port}/ (Ctrl-C to stop)", flush=True)
    if share and getattr(demo, "share_url", None):
        print(f"Public link (--share): {demo.share_url}", flush=True)
    startup.start()
    stop = threading.Event()
    if watch:
        from rag.watch import watch_folder

        def watch_after_startup() -> None:
            startup.wait(None)  # the first build is the startup's; the watch takes over from there
            watch_folder(settings, stop)

        threading.Thread(target=watch_after_startup, name="watch", daemon=True).start()
        print(f"Watching {settings.documents_dir} for added, changed and removed articles", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start the DiploRAG chat app.")
    parser.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1; or set RAG_HOST)")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default 7860; or set RAG_PORT, "
                                                                "e.g. `make run PORT=8000`)")
    parser.add_argument("--share", action="store_true", help="ask Gradio for a public share link")
    parser.add_argument("--watch", action="store_true",
                        help="index articles dropped into the documents folder as they arrive (like `rag watch`)")
    args = parser.parse_args(argv)
    return serve(host=args.host, port=args.port, share=args.share, watch=args.watch)


if __name__ == "__main__":
    sys.exit(main())
