"""The chat app's building blocks, kept out of ``app.py`` so they can be tested without a browser.

* :mod:`rag.ui.render` – HTML for answers, source cards, the status line and upload reports;
* :mod:`rag.ui.chat` – one chat turn as a generator of screen frames (streaming, errors as messages);
* :mod:`rag.ui.filters` – the language and date filters, validated;
* :mod:`rag.ui.uploads` – checking, saving and indexing uploaded articles;
* :mod:`rag.ui.theme` – theme, CSS and the [n]-marker click handler;
* :mod:`rag.ui.components` – a File component that keeps the uploader's file name.

Only ``theme`` and ``components`` import Gradio.
"""
