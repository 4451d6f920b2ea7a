"""The app's JSON API and `rag ask` / `rag search` through a running app (rag/api.py).

The app runs in-process on a free port over a small real index (three articles); the command line is
a separate `rag` process, as a user would run it, so an answer from the server is one given without
loading the model in that process.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import DOCUMENTS, SMALL_CORPUS_FILES, free_port
from rag import api, cli
from rag.settings import Settings, load_settings

pytestmark = pytest.mark.model

QUESTION_RU = "О чём договорились Токаев и Радев?"
QUERY_EN = "Trans-Caspian route ports"


def rag_command() -> list[str]:
    script = Path(sys.executable).with_name("rag")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rag.cli"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    """A small real index and the app serving it on a free port; yields its settings (host/port set)."""
    import app
    from rag.index import build_index

    root = tmp_path_factory.mktemp("api")
    documents = root / "documents"
    documents.mkdir()
    for name in SMALL_CORPUS_FILES:
        shutil.copy2(DOCUMENTS / name, documents / name)
    settings = load_settings(documents_dir=documents, index_dir=root / "index", host="127.0.0.1", port=free_port())
    build_index(settings, progress=False)
    demo = app.build_app(settings)
    app.launch(demo, settings, host=settings.host, port=settings.port, block=False, quiet=True)
    try:
        yield settings
    finally:
        demo.close()


def run_rag(settings: Settings, *argv: str, index: Path | None = None) -> subprocess.CompletedProcess:
    """`rag -v <argv> --index <index>` in its own process, pointed at the app's address."""
    env = dict(os.environ, RAG_HOST=settings.host, RAG_PORT=str(settings.port))
    command = rag_command() + ["-v", *argv, "--index", str(index or settings.index_dir)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def local_json(capsys, *argv: str) -> dict:
    capsys.readouterr()
    assert cli.main([*argv, "--local", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def without_timings(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "timings_ms"}


def test_health_names_the_app_its_index_and_settings(served):
    status, health = api._request(f"http://{served.host}:{served.port}/api/health", None, 5)
    assert status == 200 and health["app"] == "diplorag" and health["ready"] and health["index_version"]
    assert health["settings"] == api.settings_fingerprint(served)
    assert api.server_url(served) == f"http://{served.host}:{served.port}"


def test_rag_ask_through_the_server_gives_the_local_answer(served, capsys):
    result = run_rag(served, "ask", QUESTION_RU, "--json")
    assert result.returncode == 0, result.stderr
    assert "Answered by the app on" in result.stderr
    assert "Loading embedding model" not in result.stderr  # the process never loaded the model
    remote = json.loads(result.stdout)
    local = local_json(capsys, "ask", QUESTION_RU, "--index", str(served.index_dir))
    assert remote["citations"] and without_timings(remote) == without_timings(local)


def test_rag_ask_as_text_through_the_server_prints_what_the_local_one_prints(served, capsys):
    result = run_rag(served, "ask", QUESTION_RU)
    assert result.returncode == 0 and "Answered by the app on" in result.stderr, result.stderr
    capsys.readouterr()
    assert cli.main(["ask", QUESTION_RU, "--index", str(served.index_dir), "--local"]) == 0
    assert result.stdout == capsys.readouterr().out


def test_rag_search_through_the_server_gives_the_local_results(served, capsys):
    result = run_rag(served, "search", QUERY_EN, "--k", "3", "--json")
    assert result.returncode == 0 and "Answered by the app on" in result.stderr, result.stderr
    remote = json.loads(result.stdout)
    local = local_json(capsys, "search", QUERY_EN, "--k", "3", "--index", str(served.index_dir))
    assert len(remote["results"]) == 3
    assert [r["chunk_id"] for r in remote["results"]] == [r["chunk_id"] for r in local["results"]]
    assert [r["score"] for r in remote["results"]] == pytest.approx([r["score"] for r in local["results"]], abs=1e-4)


def test_a_question_the_server_rejects_is_an_error_like_a_local_one(served):
    result = run_rag(served, "ask", "   ", "--json")
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"].startswith("Please type a question")


def test_filters_and_history_go_through_the_api(served):
    base = f"http://{served.host}:{served.port}/api"
    status, found = api._request(f"{base}/search", {"query": QUERY_EN, "k": 5, "languages": ["en"]}, 60)
    assert status == 200 and found["results"] and {r["language"] for r in found["results"]} == {"en"}
    status, error = api._request(f"{base}/search", {"query": QUERY_EN, "date_from": "2025-13-01"}, 60)
    assert status == 422 and "not a real calendar date" in error["error"]
    status, error = api._request(f"{base}/ask", {"question": "x", "k": 0}, 60)
    assert status == 422 and "k" in error["error"]
    status, answer = api._request(f"{base}/ask", {"question": "А в каком году?", "history": [QUESTION_RU]}, 60)
    assert status == 200 and answer["passages"]


def test_a_server_with_another_index_is_not_used(served, tmp_path):
    other = tmp_path / "index"
    shutil.copytree(served.index_dir, other)
    result = run_rag(served, "search", QUERY_EN, "--json", index=other)
    assert result.returncode == 0, result.stderr
    assert "serves other settings (index_dir)" in result.stderr and "Answered by the app" not in result.stderr
    assert json.loads(result.stdout)["results"]


def test_local_skips_the_server(served):
    result = run_rag(served, "search", QUERY_EN, "--json", "--local")
    assert result.returncode == 0 and "Answered by the app" not in result.stderr, result.stderr
    assert "Loading embedding model" in result.stderr or "ONNX" in result.stderr


def test_another_program_on_the_port_is_not_taken_for_the_app(served, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = load_settings(index_dir=served.index_dir, host="127.0.0.1", port=server.server_address[1])
        assert api.server_url(settings) is None
        assert api.try_server(settings, "search", {"query": QUERY_EN}) is None
    finally:
        server.shutdown()
        server.server_close()


def test_nothing_listening_means_no_server():
    settings = load_settings(host="127.0.0.1", port=free_port())
    assert api.server_url(settings) is None
