"""The chat app: ask the press releases, see the cited sources, add articles.

    python app.py [--host 127.0.0.1] [--port 7860] [--share]     (also `make run`, `rag serve`)

This file only wires Gradio components to the functions in :mod:`rag.ui` (rendering, a chat
turn, filters, uploads), which are unit-tested on their own. Models and the index are loaded
once per process and shared by every session; Gradio's queue serves several users at once.

Event handlers with an ``api_name`` (usable from ``gradio_client``):

* ``/chat``  (question, languages, date_from, date_to) -> (chat, sources_html, status_html, answer_json, question)
  streams the answer; ``answer_json`` is the finished answer as ``rag ask --json`` prints it, or {"error": ...};
* ``/add_articles`` (files) -> (report_html, status_html, report_json);
* ``/status`` () -> status_html;
* ``/new_chat`` () clears the conversation.
"""

from __future__ import annotations

import argparse
import logging
import sys

import gradio as gr

from rag import api
from rag.settings import SUPPORTED_LANGUAGES, Settings, load_settings
from rag.ui import render
from rag.ui.chat import Conversation, respond
from rag.ui.components import ArticleFiles, uploaded_name
from rag.ui.theme import CSS, HEADER_HTML, JS, make_theme
from rag.ui.uploads import add_articles

log = logging.getLogger("rag.app")

# Each answerable from documents/ (one per language, plus a cross-language one).
EXAMPLES = [
    ("RU", "Когда открыли посольство Казахстана в Тиране?"),
    ("EN", "What did Tokayev and Radev agree on the Trans-Caspian route?"),
    ("BG", "Колко български компании работят в Казахстан?"),
    ("KK", "Тоқаев пен Бегай қандай мәселелерді талқылады?"),
]

CHAT_CONCURRENCY = 4  # answering is ~0.3 s of CPU; a few at once keep the queue moving
MAX_UPLOAD_REQUEST_FACTOR = 10  # Gradio refuses bigger uploads outright; smaller ones get a per-file reason


def status_html(settings: Settings) -> str:
    """The index status line, read from the store (which reloads itself after a rebuild)."""
    from rag.store import IndexUnavailable, open_store

    try:
        store = open_store(settings)
        if store.version() is None:
            return render.render_status(settings, None, "No index yet: add articles or run `rag index`.")
        return render.render_status(settings, store.status())
    except IndexUnavailable as exc:
        return render.render_status(settings, None, str(exc))
    except Exception as exc:  # noqa: BLE001 - a status line must never break the page
        log.exception("Reading the index status failed")
        return render.render_status(settings, None, f"Index status unavailable ({type(exc).__name__})")


def build_app(settings: Settings) -> gr.Blocks:
    """The Gradio app for ``settings`` (launch it with :func:`launch`)."""

    def chat(question, languages, date_from, date_to, conversation):
        conversation = conversation if isinstance(conversation, Conversation) else Conversation()
        first = True
        for frame in respond(settings, question, languages, date_from, date_to, conversation):
            yield (
                frame.messages,
                frame.sources_html if frame.sources_html is not None else gr.skip(),
                status_html(settings) if frame.done else gr.skip(),
                conversation if frame.done else gr.skip(),
                frame.answer if frame.done else gr.skip(),
                "" if first else gr.skip(),
            )
            first = False

    def pick_example(event: gr.SelectData):
        value = event.value
        return value.get("text", "") if isinstance(value, dict) else str(value)

    def new_chat():
        return [], render.SOURCES_PLACEHOLDER, Conversation()

    def upload(files, progress=gr.Progress(track_tqdm=True)):
        items = [(uploaded_name(f), f) for f in (files or [])]
        report = add_articles(settings, items, progress=lambda fraction, text: progress(fraction, desc=text))
        if report.error:
            log.error("%s", report.error)
        return render.render_upload_report(report), status_html(settings), report.to_dict()

    # delete_cache: uploaded copies in Gradio's temp folder are removed after an hour.
    with gr.Blocks(title="DiploRAG · Kazakhstan's diplomacy, cited", delete_cache=(3600, 3600)) as demo:
        conversation = gr.State(Conversation())
        gr.HTML(HEADER_HTML, js_on_load=None)
        status = gr.HTML(status_html(settings), elem_id="dr-status", js_on_load=None)

        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=7, min_width=420):
                        chatbot = gr.Chatbot(
                            elem_id="dr-chat", show_label=False, height=560, layout="bubble",
                            buttons=["copy"], feedback_options=None, sanitize_html=True, autoscroll=True,
                            group_consecutive_messages=False,
                            placeholder=("### Ask about Kazakhstan’s diplomacy\nIn Russian, English, Bulgarian "
                                         "or Kazakh. Or start with an example:"),
                            examples=[{"text": text, "display_text": f"{code} · {text}"} for code, text in EXAMPLES],
                        )
                        with gr.Row(elem_id="dr-ask-row"):
                            question = gr.Textbox(
                                elem_id="dr-question", show_label=False, scale=8, lines=1, max_lines=4,
                                placeholder="Ask a question in Russian, English, Bulgarian or Kazakh…",
                                submit_btn=False, autofocus=True)
                            send = gr.Button("Ask", variant="primary", elem_id="dr-send", scale=1, min_width=90)
                        with gr.Accordion("Filters", open=False, elem_id="dr-filters"):
                            with gr.Row():
                                languages = gr.CheckboxGroup(
                                    choices=render.LANGUAGE_CHOICES, value=list(SUPPORTED_LANGUAGES),
                                    label="Source languages", scale=2)
                                date_from = gr.Textbox(label="From", placeholder="YYYY-MM-DD",
                                                       max_lines=1, scale=1)
                                date_to = gr.Textbox(label="To", placeholder="YYYY-MM-DD",
                                                     max_lines=1, scale=1)
                        with gr.Row():
                            clear = gr.Button("New conversation", size="sm", variant="secondary", scale=0)
                    with gr.Column(scale=6, min_width=380, elem_id="dr-sources-col"):
                        sources = gr.HTML(render.SOURCES_PLACEHOLDER, elem_id="dr-sources-panel", js_on_load=None)
                answer_json = gr.JSON(visible=False)

            with gr.Tab("Add articles", id="add"):
                gr.HTML(
                    '<div class="dr-help">Upload one or more press releases as UTF-8 <code>.txt</code> files '
                    f"(at most {settings.max_upload_bytes // 1000} kB each). The first line is the headline; "
                    "optional header lines <code>date: YYYY-MM-DD</code>, <code>source: …</code>, "
                    "<code>language: ru|en|bg|kk</code> may follow, then a blank line and the text. New articles "
                    "are answerable as soon as the index is updated; a file with an existing name replaces it. "
                    "File names must be plain (letters, digits, spaces, <code>_-.()</code>), not hidden, "
                    "and end in <code>.txt</code>.</div>", js_on_load=None)
                with gr.Row(equal_height=False):
                    with gr.Column(scale=1):
                        files = ArticleFiles(file_count="multiple", label="Articles (.txt)", height=190)
                        add_button = gr.Button("Add to the collection", variant="primary")
                    with gr.Column(scale=2):
                        report = gr.HTML(render.UPLOAD_PLACEHOLDER, elem_id="dr-upload-result", min_height=260,
                                         js_on_load=None)
                report_json = gr.JSON(visible=False)

        chat_inputs = [question, languages, date_from, date_to, conversation]
        chat_outputs = [chatbot, sources, status, conversation, answer_json, question]
        chat_options = dict(concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat", show_progress="hidden")
        question.submit(chat, chat_inputs, chat_outputs, api_name="chat", **chat_options)
        send.click(chat, chat_inputs, chat_outputs, api_visibility="private", **chat_options)
        chatbot.example_select(pick_example, None, question, queue=False, api_visibility="private").then(
            chat, chat_inputs, chat_outputs, api_visibility="private", **chat_options)
        clear.click(new_chat, None, [chatbot, sources, conversation], api_name="new_chat", queue=False)
        chatbot.clear(new_chat, None, [chatbot, sources, conversation], api_visibility="private", queue=False)
        add_button.click(upload, files, [report, status, report_json], api_name="add_articles",
                         concurrency_limit=1, concurrency_id="indexing", show_progress_on=report)
        demo.load(lambda: status_html(settings), None, status, api_name="status", show_progress="hidden")
    return demo


def launch(demo: gr.Blocks, settings: Settings, *, host: str | None = None, port: int | None = None,
           share: bool = False, block: bool = True, quiet: bool = False):
    """Start the server with the app's theme, CSS and script; only Gradio's own files are served."""
    demo.queue(default_concurrency_limit=1, max_size=128)
    return demo.launch(
        server_name=host or settings.host,
        server_port=port or settings.port,
        share=share,
        prevent_thread_lock=not block,
        quiet=quiet,
        show_error=False,
        allowed_paths=[],
        max_file_size=settings.max_upload_bytes * MAX_UPLOAD_REQUEST_FACTOR,
        app_kwargs=api.app_kwargs(settings),  # the JSON API (/api/ask, /api/search, /api/health) of rag/api.py
        enable_monitoring=False,
        footer_links=["api", "settings"],
        run_history=False,
        mcp_server=False,
        ssr_mode=False,
        theme=make_theme(),
        css=CSS,
        js=JS,
    )


def prepare(settings: Settings) -> None:
    """Build the index if there is none (or bring it up to date), then load the model and the index.

    Problems are logged, not raised: the app still starts and says what is wrong in the chat.
    """
    from rag.articles import ArticleError
    from rag.embedding import ModelError
    from rag.index import build_index
    from rag.retrieval import embed_query
    from rag.store import IndexUnavailable, open_store

    try:
        if open_store(settings).version() is None:
            print(f"No index in {settings.index_dir}: building it from {settings.documents_dir} "
                  "(a few minutes the first time)…", flush=True)
        else:
            print("Checking the index is up to date…", flush=True)
        report = build_index(settings, progress=True)
        s = report.summary()
        print(f"Index ready: {s['documents']} articles, {s['chunks']} chunks "
              f"({s['added']} added, {s['updated']} updated, {s['removed']} removed).", flush=True)
        for skipped in report.skipped:
            print(f"  skipped {skipped.path}: {skipped.reason}", flush=True)
    except (ModelError, IndexUnavailable, ArticleError, OSError) as exc:
        print(f"error: the index could not be built: {exc}", file=sys.stderr, flush=True)
    try:
        print("Loading the embedding model and the index…", flush=True)
        open_store(settings).status()
        embed_query(settings, "warm-up")
    except (ModelError, IndexUnavailable) as exc:
        print(f"warning: {exc}", file=sys.stderr, flush=True)


def serve(host: str | None = None, port: int | None = None, share: bool = False, store_url: str | None = None) -> int:
    """`make run`, `python app.py` and `rag serve`: prepare the index and models, then serve until Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("httpx", "sentence_transformers", "transformers", "urllib3", "faiss"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = load_settings(host=host, port=port, store_url=store_url)
    prepare(settings)
    demo = build_app(settings)
    try:
        launch(demo, settings, share=share)
    except OSError as exc:
        print(f"error: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start the DiploRAG chat app.")
    parser.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1, RAG_HOST)")
    parser.add_argument("--port", type=int, default=None, help="port (default 7860, RAG_PORT)")
    parser.add_argument("--share", action="store_true", help="ask Gradio for a public share link")
    args = parser.parse_args(argv)
    return serve(host=args.host, port=args.port, share=args.share)


if __name__ == "__main__":
    sys.exit(main())
