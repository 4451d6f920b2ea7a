"""`rag ask` latency: in process with the models warm, and as a command through a running app vs a cold one.

Usage: python bench/bench_ask.py [--index DIR] [--repeats 3] [--processes 10] [--cold-runs 2]

1. Every question of eval/gold.jsonl through the shared pipeline (after one warm-up call): medians and
   95th percentiles of the retrieve and answer timings the pipeline reports.
2. The app (`python app.py`) is started on a free port over the same index; `rag ask --json` processes
   are timed end to end (process start to exit) while it runs, which answer through its JSON API, and
   `rag ask --json --local` processes, which load the model themselves (the cold path). The app is
   stopped at the end.
3. The app over an empty index folder (a fresh checkout): seconds to its first page and to a ready index.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rag.index import build_index  # noqa: E402
from rag.store.faiss_store import current_version  # noqa: E402
from rag.pipeline import answer_question  # noqa: E402
from rag.settings import load_settings  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def row(name: str, xs: list[float]) -> str:
    return f"{name:<26} p50 {statistics.median(xs):8.1f} ms   p95 {np.percentile(xs, 95):8.1f} ms   (n={len(xs)})"


def in_process(settings, questions: list[str], repeats: int) -> None:
    answer_question(settings, questions[0])  # warm: model and index loaded
    retrieve, answer, total = [], [], []
    for _ in range(repeats):
        for q in questions:
            t = time.perf_counter()
            a = answer_question(settings, q)
            total.append((time.perf_counter() - t) * 1000)
            retrieve.append(a.timings_ms["retrieve"])
            answer.append(a.timings_ms["answer"])
    print(f"rag ask latency, models warm, {len(questions)} questions x {repeats} ({len(total)} calls)")
    print(row("retrieve (embed+FAISS)", retrieve))
    print(row("answer (extractive)", answer))
    print(row("total", total))
    print(f"answering share of total (medians): {statistics.median(answer) / statistics.median(total):.0%}")


def stop(app: subprocess.Popen) -> None:
    """Stop the app started for a measurement (kill it if it does not exit within 30 s)."""
    app.terminate()
    try:
        app.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.kill()


def wait_ready(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=2) as response:
                if json.loads(response.read()).get("ready"):
                    return True
        except OSError:
            pass
        time.sleep(1)
    return False


def timed_processes(command: list[str], questions: list[str], env: dict) -> tuple[list[float], list[str]]:
    times, answers = [], []
    for q in questions:
        t = time.perf_counter()
        result = subprocess.run(command + [q], capture_output=True, text=True, env=env, check=True)
        times.append((time.perf_counter() - t) * 1000)
        answers.append(json.loads(result.stdout)["answer"])
    return times, answers


def through_server(settings, questions: list[str], processes: int, cold_runs: int, startup_seconds: float) -> None:
    port = free_port()
    env = dict(os.environ, RAG_INDEX_DIR=str(settings.index_dir), RAG_HOST="127.0.0.1", RAG_PORT=str(port))
    rag = Path(sys.executable).with_name("rag")
    base = [str(rag)] if rag.exists() else [sys.executable, "-m", "rag.cli"]
    ask = base + ["ask", "--json", "--index", str(settings.index_dir)]
    t0 = time.perf_counter()
    app = subprocess.Popen([sys.executable, str(REPO / "app.py"), "--port", str(port)], env=env, cwd=REPO,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_ready(f"http://127.0.0.1:{port}", startup_seconds):
            print(f"the app did not answer /api/health within {startup_seconds:.0f}s; skipping the command-line part")
            return
        print(f"app ready on port {port} after {time.perf_counter() - t0:.1f}s")
        sample = questions[:processes]
        timed_processes(ask, sample[:1], env)  # the app's first question warms its caches
        warm, warm_answers = timed_processes(ask, sample, env)
        cold, cold_answers = timed_processes(ask + ["--local"], sample[:cold_runs], env)
        same = sum(a == b for a, b in zip(warm_answers, cold_answers))
        print(f"`rag ask --json` as a command (process start to exit), {len(warm)} questions:")
        print(row("through the running app", warm))
        print(row("cold (--local)", cold))
        print(f"cold / warm (medians): {statistics.median(cold) / statistics.median(warm):.1f}x; "
              f"target warm p50 < 1000 ms: {'met' if statistics.median(warm) < 1000 else 'missed'}; "
              f"same answer both ways on {same}/{len(cold_answers)}")
    finally:
        stop(app)


def fresh_start(startup_seconds: float) -> None:
    """`python app.py` over an empty index folder, as on a fresh checkout: seconds to the first page
    (HTTP 200 on /), then to a ready index (/api/health), while the app builds it behind the page."""
    import tempfile

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="diplorag-fresh-") as scratch:
        env = dict(os.environ, RAG_INDEX_DIR=scratch, RAG_HOST="127.0.0.1", RAG_PORT=str(port))
        url = f"http://127.0.0.1:{port}"
        t0 = time.perf_counter()
        app = subprocess.Popen([sys.executable, str(REPO / "app.py"), "--port", str(port)], env=env, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            page = None
            while page is None and time.perf_counter() - t0 < startup_seconds:
                try:
                    with urllib.request.urlopen(url + "/", timeout=2) as response:
                        if response.status == 200:
                            page = time.perf_counter() - t0
                except OSError:
                    time.sleep(0.2)
            ready = wait_ready(url, startup_seconds)
            built = time.perf_counter() - t0
            print("fresh checkout (no index): `python app.py` shows its page after "
                  f"{page:.1f}s (target within 60 s: {'met' if page is not None and page < 60 else 'missed'}); "
                  f"index built behind it and questions answered after {built:.1f}s" if page is not None and ready
                  else f"fresh checkout: page {page}, ready {ready} within {startup_seconds:.0f}s")
        finally:
            stop(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--processes", type=int, default=10, help="`rag ask` processes timed through the app")
    parser.add_argument("--cold-runs", type=int, default=2, help="`rag ask --local` processes timed (~20 s each)")
    parser.add_argument("--startup-seconds", type=float, default=600, help="how long to wait for the app")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--skip-fresh-start", action="store_true",
                        help="do not time the app over an empty index folder (it builds a whole index: ~2 min)")
    args = parser.parse_args()
    settings = load_settings(index_dir=args.index)
    if current_version(settings.index_dir) is None:
        build_index(settings)
    questions = [json.loads(line)["question"] for line in (REPO / "eval" / "gold.jsonl").read_text().splitlines()]
    if not args.skip_in_process:
        in_process(settings, questions, args.repeats)
    through_server(settings, questions, args.processes, args.cold_runs, args.startup_seconds)
    if not args.skip_fresh_start:
        fresh_start(args.startup_seconds)


if __name__ == "__main__":
    main()
