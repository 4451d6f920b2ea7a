"""The app's small JSON API, and the command line's way of using a running app through it.

Served beside the chat page (``python app.py``, ``make run``, ``rag serve``)::

    GET  /api/health   {"app": "diplorag", "ready": bool, "index_version": ..., "settings": {...}}
    POST /api/ask      {"question", "k", "history": [earlier questions], "languages", "date_from", "date_to",
                        "text": false} -> the object `rag ask --json` prints (with "text": true, also the
                       answer as plain `rag ask` prints it, under "text")
    POST /api/search   {"query", "k", "languages", "date_from", "date_to"} -> the object `rag search --json` prints

A question the pipeline refuses to take (empty, too long) or a bad filter gets 422 with
``{"error": message}``; no index yet gets 503 with the reason. `rag ask` and `rag search` first probe
the configured host and port (:func:`try_server`) and, when a DiploRAG app answers there with the same
index and answering settings, send the request to it instead of loading the model themselves (17-22 s).
"""

from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.request
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from rag.settings import Settings

log = logging.getLogger(__name__)

APP_NAME = "diplorag"
PROBE_SECONDS = 0.2  # a TCP connect to a local port answers in microseconds; nothing listening fails at once
HEALTH_SECONDS = 2.0
REQUEST_SECONDS = 120.0  # a busy server queues the request behind others; the answer itself is < 1 s

# What must agree between the CLI and the server for the server's answer to be the one the CLI would give.
# Where the index is, the models, and every weight and threshold of retrieval, answering and refusal.
SHARED_SETTINGS = ("index_dir", "store_url", "embedding_model", "generator_model", "ui_language") + tuple(
    f.name for f in fields(Settings) if f.metadata.get("group") in ("chunking", "retrieval", "answering", "refusal"))


def settings_fingerprint(settings: Settings) -> dict[str, Any]:
    """The settings that shape an answer, as JSON values (paths resolved)."""
    values = asdict(settings)
    return {name: str(Path(values[name]).resolve()) if isinstance(values[name], Path) else values[name]
            for name in SHARED_SETTINGS}


def search_json(settings: Settings, query: str, k: int | None, filters=None) -> dict:
    """The `rag search --json` object for ``query``."""
    from rag.retrieval import retrieve

    hits = retrieve(settings, query, k, filters)
    return {"query": query, "results": [
        {"rank": h.rank, "doc": h.chunk.doc, "title": h.chunk.title, "date": h.chunk.date,
         "language": h.chunk.language, "score": round(h.score, 4), "chunk_id": h.chunk.chunk_id,
         "url": h.chunk.url, "text": h.chunk.text} for h in hits]}


def api_router(settings: Settings):
    """The FastAPI router of the JSON API, answering with ``settings``."""
    from fastapi import APIRouter, Body
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, Field, ValidationError

    from rag.store import IndexUnavailable, open_store
    from rag.pipeline import InvalidQuestion, answer_question
    from rag.ui.filters import FilterError, parse_filters

    class FilterFields(BaseModel):
        k: int | None = Field(None, ge=1, le=100)
        languages: list[str] | None = None
        date_from: str | None = None
        date_to: str | None = None

    class AskRequest(FilterFields):
        question: str
        history: list[str] = []  # earlier questions of the conversation, oldest first
        text: bool = False  # also the answer as `rag ask` prints it, under "text"

    class SearchRequest(FilterFields):
        query: str

    def failure(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    router = APIRouter(prefix="/api")

    @router.get("/health")
    def health() -> dict:
        try:
            version = open_store(settings).version()
        except IndexUnavailable:
            version = None
        return {"app": APP_NAME, "ready": version is not None, "index_version": version,
                "settings": settings_fingerprint(settings)}

    # Plain `def` endpoints: FastAPI runs them in its thread pool, so the event loop stays free.
    # The body is read as a dict and validated here: FastAPI cannot resolve models local to this function
    # from the (postponed) annotations.
    @router.post("/ask")
    def ask(payload: dict[str, Any] = Body(...)):
        try:
            request = AskRequest.model_validate(payload)
            filters = parse_filters(request.languages, request.date_from, request.date_to)
            answer = answer_question(settings, request.question, k=request.k, filters=filters,
                                     history=request.history)
        except (InvalidQuestion, FilterError) as exc:
            return failure(422, str(exc))
        except ValidationError as exc:
            return failure(422, _validation_message(exc))
        except IndexUnavailable as exc:
            return failure(503, str(exc))
        from rag.answering.render import answer_to_json, answer_to_text

        body = answer_to_json(answer)
        if request.text:
            body["text"] = answer_to_text(answer)
        return body

    @router.post("/search")
    def search(payload: dict[str, Any] = Body(...)):
        try:
            request = SearchRequest.model_validate(payload)
            filters = parse_filters(request.languages, request.date_from, request.date_to)
            return search_json(settings, request.query, request.k, filters)
        except FilterError as exc:
            return failure(422, str(exc))
        except ValidationError as exc:
            return failure(422, _validation_message(exc))
        except IndexUnavailable as exc:
            return failure(503, str(exc))

    return router


def _validation_message(exc) -> str:
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
    return f"Bad request: {problems}."


def add_api_routes(fastapi_app, settings: Settings) -> None:
    """Serve the JSON API on ``fastapi_app`` (e.g. one given to ``gr.mount_gradio_app``)."""
    fastapi_app.include_router(api_router(settings))


def app_kwargs(settings: Settings) -> dict:
    """``demo.launch(app_kwargs=...)``: Gradio builds its FastAPI app with the API's routes already in it,
    ahead of Gradio's own, before the server starts."""
    return {"routes": list(api_router(settings).routes)}


# --- the client side: `rag ask` / `rag search` -----------------------------------------------------------


class ServerError(RuntimeError):
    """The server answered the request with an error the user should see (bad question or filter)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _address(settings: Settings) -> tuple[str, int]:
    host = settings.host
    if host in ("", "0.0.0.0", "::"):  # listening on every interface: reach it on the loopback
        host = "127.0.0.1"
    return host, settings.port


def _port_open(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _request(url: str, payload: dict | None, timeout: float) -> tuple[int, dict]:
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"},
                                 method="GET" if payload is None else "POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read())
        except ValueError:
            return exc.code, {"error": f"HTTP {exc.code}"}


def server_url(settings: Settings) -> str | None:
    """The base URL of a DiploRAG app on the configured address that would answer as this process would,
    or None (nothing listening, another program, another index or settings, or no index yet)."""
    host, port = _address(settings)
    if not _port_open(host, port, PROBE_SECONDS):
        return None
    base = f"http://{host}:{port}"
    try:
        status, health = _request(f"{base}/api/health", None, HEALTH_SECONDS)
    except (OSError, ValueError) as exc:
        log.debug("%s:%d is listening but is not a DiploRAG app (%s)", host, port, exc)
        return None
    if status != 200 or health.get("app") != APP_NAME:
        log.debug("%s:%d is listening but is not a DiploRAG app (HTTP %s)", host, port, status)
        return None
    if health.get("settings") != settings_fingerprint(settings):
        theirs, mine = health.get("settings") or {}, settings_fingerprint(settings)
        differ = ", ".join(k for k in SHARED_SETTINGS if theirs.get(k) != mine.get(k))
        log.info("The app on %s serves other settings (%s); answering in this process", base, differ)
        return None
    if not health.get("ready"):
        log.info("The app on %s has no index yet; answering in this process", base)
        return None
    return base


def try_server(settings: Settings, endpoint: str, payload: dict) -> dict | None:
    """POST ``payload`` to ``/api/<endpoint>`` of a running app (see :func:`server_url`): its JSON answer,
    or None when there is no suitable app or it failed (the caller then answers itself).
    Raises :class:`ServerError` for a request the app rejected (422): answering locally would fail alike."""
    base = server_url(settings)
    if base is None:
        return None
    try:
        status, body = _request(f"{base}/api/{endpoint}", payload, REQUEST_SECONDS)
    except (OSError, ValueError) as exc:
        log.warning("The app on %s did not answer (%s); answering in this process", base, exc)
        return None
    if status == 422:
        raise ServerError(status, body.get("error") or str(body))
    if status != 200:
        log.warning("The app on %s answered HTTP %d (%s); answering in this process", base, status,
                    body.get("error", ""))
        return None
    log.debug("Answered by the app on %s", base)
    return body
