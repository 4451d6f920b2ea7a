"""The BM25 baseline: bm25s over the index's own chunks."""

from __future__ import annotations

import logging
from typing import Sequence

from rag.types import Chunk
from rag.evaluation.metrics import WORD


# --- BM25 baseline --------------------------------------------------------------------------------------


def bm25_tokens(text: str) -> list[str]:
    """Lower-cased Unicode words. No stemming: bm25s stems through PyStemmer (Snowball), which has
    Russian and English but no Bulgarian or Kazakh; the baseline treats the four languages alike."""
    return WORD.findall(text.lower())


class BM25Baseline:
    """bm25s (Lucene BM25, k1=1.5, b=0.75) over the index's own chunks, each with its article title."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build
        self.chunks = list(chunks)
        self.retriever = bm25s.BM25()
        self.retriever.index([bm25_tokens(f"{c.title}\n{c.text}") for c in self.chunks], show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[int, float, Chunk]]:
        """(rank, score, chunk) of the top ``k``; chunks sharing no word with the query are not retrieved."""
        k = min(k, len(self.chunks))
        if k <= 0:
            return []
        ids, scores = self.retriever.retrieve([bm25_tokens(query)], k=k, show_progress=False)
        hits = [(float(s), self.chunks[int(i)]) for i, s in zip(ids[0], scores[0]) if s > 0]
        return [(rank, s, c) for rank, (s, c) in enumerate(hits, start=1)]
