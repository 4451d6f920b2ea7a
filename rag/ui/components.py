"""A Gradio component tweak the app needs."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from gradio.data_classes import FileData


class ArticleFiles(gr.File):
    """``gr.File`` whose file paths also carry the name the uploader gave (``.orig_name``).

    Gradio keeps only a sanitised basename in the server-side path; the app checks the name as the
    user (or a hand-made API request) sent it, so that e.g. ``../evil.txt`` is refused by name
    rather than silently becoming ``evil.txt``. Rendered by the stock File front end.
    """

    def get_block_name(self) -> str:
        return "file"

    def _process_single_file(self, f: FileData):  # type: ignore[override]
        path = super()._process_single_file(f)
        if not isinstance(path, bytes):
            path.orig_name = f.orig_name or Path(f.path).name  # type: ignore[attr-defined]
        return path


def uploaded_name(path: str) -> str:
    """The name the uploader gave a file received through :class:`ArticleFiles`."""
    return getattr(path, "orig_name", None) or Path(path).name
