"""The code itself: no name that is used but never defined, in the package, the app and the benchmarks.

The benchmarks are scripts no other test runs; a refactor that moves a function (``load_snapshot``,
``current_version``) broke two of them silently. pyflakes reads the source without running it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _undefined(path: Path) -> list[str]:
    from pyflakes import api, messages, reporter

    found: list[str] = []

    class Collect(reporter.Reporter):
        def __init__(self) -> None:
            super().__init__(None, None)

        def flake(self, message) -> None:
            if isinstance(message, (messages.UndefinedName, messages.UndefinedLocal, messages.UndefinedExport)):
                found.append(str(message))

        def syntaxError(self, filename, msg, lineno, offset, text) -> None:
            found.append(f"{filename}:{lineno}: {msg}")

        def unexpectedError(self, filename, msg) -> None:
            found.append(f"{filename}: {msg}")

    api.checkPath(str(path), Collect())
    return found


@pytest.mark.parametrize("path", sorted([*(REPO / "rag").rglob("*.py"), *(REPO / "bench").glob("*.py"), REPO / "app.py"]),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_no_undefined_names(path: Path) -> None:
    assert _undefined(path) == []


def test_the_check_sees_an_undefined_name(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def f():\n    return load_snapshot('x')\n", encoding="utf-8")
    assert any("load_snapshot" in m for m in _undefined(broken))
