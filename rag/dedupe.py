"""Republished copies: recognising an article whose text is a near-duplicate of one already held.

The same press release is reprinted by several outlets with other furniture (removed by the
cleaner) and small edits (a different headline, "X reports" added, a dash or a word changed).
The measure is the Jaccard similarity of the two cleaned bodies' sets of word shingles
(:data:`SHINGLE_WORDS` consecutive words, case-folded, punctuation ignored), compared only
within one language: a translation shares no shingles with its original, and is a twin, not
a copy.

Why exact shingle Jaccard and not MinHash (datasketch): MinHash only estimates this same
number; with an inverted index from shingle to article the exact value costs one pass over
the new article's shingles, so nothing is gained from the approximation at this corpus size
(thousands of articles) and the decision stays deterministic. Why not embeddings: two reports
of the same event (the talks, and the press statement after them) are close in meaning but
are different articles; shingles measure shared wording, which is what a reprint has.

The threshold and the figures behind it come from ``bench/bench_dedupe.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from rag.articles import Article

SHINGLE_WORDS = 3
# Measured by bench/bench_dedupe.py on documents/ (41 articles, 346 same-language pairs of
# different articles) and on reprints made from every article: different articles score at most
# 0.14 (two reports of the same day's talks in North Macedonia), the known reprint pair 0.90,
# reprints with another headline and an added "X reports" 0.94 or more, with the last paragraph
# cut too 0.66, and with every 12th word dropped as well 0.46; translations 0.00. 0.3 is the
# middle of the gap between 0.14 and 0.46: all four kinds of reprint found, no false match.
# Shingles of 2 words leave the same gap (0.23 to 0.54), of 4 words a narrower one (0.11 to 0.39).
THRESHOLD = 0.3

_WORD = re.compile(r"\w+")


def shingles(text: str, k: int = SHINGLE_WORDS) -> frozenset[str]:
    """The set of ``k``-word shingles of ``text`` (NFKC, case-folded words; punctuation and dashes ignored)."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(words) < k:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + k]) for i in range(len(words) - k + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similarity(a: Article, b: Article) -> float:
    """Shingle Jaccard of two articles' bodies; 0 across languages."""
    if a.language != b.language:
        return 0.0
    return jaccard(shingles(a.body), shingles(b.body))


@dataclass(frozen=True)
class Match:
    """``doc`` is a near-duplicate of ``same_as`` with this similarity."""

    doc: str
    same_as: str
    score: float


@dataclass
class DuplicateFinder:
    """Articles kept so far, indexed by shingle, to match new ones against (incremental)."""

    threshold: float = THRESHOLD
    _kept: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)  # doc -> (language, shingles)
    _postings: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (language, shingle) -> docs

    def match(self, article: Article) -> Match | None:
        """The kept article ``article`` duplicates (the most similar one at or above the threshold), or None."""
        own = shingles(article.body)
        if not own:
            return None
        overlap: Counter[str] = Counter()
        for s in own:
            overlap.update(self._postings.get((article.language, s), ()))
        best: Match | None = None
        for doc, inter in overlap.items():
            if doc == article.doc:
                continue
            score = inter / (len(own) + len(self._kept[doc][1]) - inter)
            # ties go to the earlier name, so the result does not depend on dict order
            if score >= self.threshold and (best is None or (score, best.same_as) > (best.score, doc)):
                best = Match(article.doc, doc, score)
        return best

    def add(self, article: Article) -> None:
        """Keep ``article`` as an original later articles are matched against (replacing an older version)."""
        self.remove(article.doc)
        own = shingles(article.body)
        self._kept[article.doc] = (article.language, own)
        for s in own:
            self._postings.setdefault((article.language, s), set()).add(article.doc)

    def remove(self, doc: str) -> None:
        """Forget ``doc`` (no error when it was not kept)."""
        language, own = self._kept.pop(doc, ("", frozenset()))
        for s in own:
            self._postings[(language, s)].discard(doc)


def find_duplicates(articles: list[Article], threshold: float = THRESHOLD) -> dict[str, str]:
    """Map each near-duplicate article's ``doc`` to the ``doc`` it duplicates.

    The keeper is decided by file name: articles are taken in name order and each is matched
    against the ones kept before it, so of a reprint pair the first name is kept, whichever
    order the list comes in, and a chain of copies points at one keeper.
    """
    finder = DuplicateFinder(threshold)
    duplicates: dict[str, str] = {}
    for article in sorted(articles, key=lambda a: a.doc):
        found = finder.match(article)
        if found is None:
            finder.add(article)
        else:
            duplicates[article.doc] = found.same_as
    return duplicates
