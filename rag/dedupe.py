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

Ministries write releases to templates ("Deputy Minister X met the Ambassador of Y. The sides
discussed ..."): two meetings can share most of their wording and differ only in names, dates
and figures. A reprint keeps those facts, so the second condition is that the shorter text's
*key tokens* (numbers, and capitalised words not at a sentence start: names, places, outlets) are
nearly all in the other text (:data:`KEY_OVERLAP`). All four languages write names capitalised.

The thresholds and the figures behind them come from ``bench/bench_dedupe.py``.
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
# Share of the shorter text's key tokens found in the other. Reprints made from every article keep
# 0.92 or more (1.00 unless words were dropped), the known reprint pair 1.00; two template releases
# on one day that differ only in the ambassador met keep 0.80 (and share 0.77 of their shingles).
KEY_OVERLAP = 0.9

_WORD = re.compile(r"\w+")
# A dateline's dash ("Astana, 9 June 2025 – The Minister ...") starts the sentence too.
_SENTENCE_END = ".!?…:\n–—"
_OPENERS = " \t\"'«“„‘(["


def shingles(text: str, k: int = SHINGLE_WORDS) -> frozenset[str]:
    """The set of ``k``-word shingles of ``text`` (NFKC, case-folded words; punctuation and dashes ignored)."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(words) < k:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + k]) for i in range(len(words) - k + 1))


def key_tokens(text: str) -> frozenset[str]:
    """Numbers (leading zeros dropped) and capitalised words not at a sentence start, case-folded."""
    text = unicodedata.normalize("NFKC", text)
    keys = set()
    for m in _WORD.finditer(text):
        token = m.group()
        if any(ch.isdigit() for ch in token):
            keys.add(token.lstrip("0") or "0")
        elif token[0].isupper():
            before = text[:m.start()].rstrip(_OPENERS)
            if before and before[-1] not in _SENTENCE_END:
                keys.add(token.casefold())
    return frozenset(keys)


def key_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / min(|a|, |b|): how much of the smaller set the other holds (1 when either is empty)."""
    if not a or not b:
        return 1.0
    return len(a & b) / min(len(a), len(b))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similarity(a: Article, b: Article) -> float:
    """Shingle Jaccard of two articles' bodies; 0 across languages (the first of the two conditions)."""
    if a.language != b.language:
        return 0.0
    return jaccard(shingles(a.body), shingles(b.body))


@dataclass(frozen=True)
class Match:
    """``doc`` is a near-duplicate of ``same_as``: shingle similarity ``score``, key-token overlap ``keys``."""

    doc: str
    same_as: str
    score: float
    keys: float = 1.0


@dataclass
class DuplicateFinder:
    """Articles kept so far, indexed by shingle, to match new ones against (incremental)."""

    threshold: float = THRESHOLD
    key_threshold: float = KEY_OVERLAP
    _kept: dict[str, tuple[str, frozenset[str], frozenset[str]]] = field(default_factory=dict)  # doc -> (language, shingles, keys)
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
        own_keys = key_tokens(article.body)
        for doc, inter in overlap.items():
            if doc == article.doc:
                continue
            score = inter / (len(own) + len(self._kept[doc][1]) - inter)
            if score < self.threshold:
                continue
            keys = key_overlap(own_keys, self._kept[doc][2])
            # ties go to the earlier name, so the result does not depend on dict order
            if keys >= self.key_threshold and (best is None or (score, best.same_as) > (best.score, doc)):
                best = Match(article.doc, doc, score, keys)
        return best

    def add(self, article: Article) -> None:
        """Keep ``article`` as an original later articles are matched against (replacing an older version)."""
        self.remove(article.doc)
        own = shingles(article.body)
        self._kept[article.doc] = (article.language, own, key_tokens(article.body))
        for s in own:
            self._postings.setdefault((article.language, s), set()).add(article.doc)

    def remove(self, doc: str) -> None:
        """Forget ``doc`` (no error when it was not kept)."""
        language, own, _ = self._kept.pop(doc, ("", frozenset(), frozenset()))
        for s in own:
            self._postings[(language, s)].discard(doc)


def find_duplicates(articles: list[Article], threshold: float = THRESHOLD,
                    key_threshold: float = KEY_OVERLAP) -> dict[str, str]:
    """Map each near-duplicate article's ``doc`` to the ``doc`` it duplicates.

    The keeper is decided by file name: articles are taken in name order and each is matched
    against the ones kept before it, so of a reprint pair the first name is kept, whichever
    order the list comes in, and a chain of copies points at one keeper.
    """
    finder = DuplicateFinder(threshold, key_threshold)
    duplicates: dict[str, str] = {}
    for article in sorted(articles, key=lambda a: a.doc):
        found = finder.match(article)
        if found is None:
            finder.add(article)
        else:
            duplicates[article.doc] = found.same_as
    return duplicates
