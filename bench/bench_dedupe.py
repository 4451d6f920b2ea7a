"""How well the near-duplicate decision (rag/dedupe.py) separates reprints from different articles.

Pairs measured, all from documents/:

* known reprint: the two Kazakh reports on direct flights to Tirana (Aqshamnews, Turanews);
* different articles: every other pair of articles in the same language, among them several
  reports of the same event on the same day (the Radev visit of 2025-06-09, the Begaj visit);
* translations: the same event in another language (compared ignoring the same-language
  rule, to show how far they are from the threshold even without it);
* made reprints of every article, at three levels of editing, deterministic:
  ``reprint``: another headline, "<outlet> reports." added to the first paragraph, dashes changed;
  ``trimmed``: as reprint, and the last paragraph left out;
  ``edited``: as trimmed, and every 12th word of the body dropped (small edits throughout).

Prints, for shingles of 1 to 5 words, the lowest score of each kind of reprint and the highest
score of a pair of different articles, then precision and recall of the decision at
rag.dedupe.THRESHOLD with the chosen shingle size.

    PYTHONPATH=$PWD python bench/bench_dedupe.py
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.articles import Article, load_articles  # noqa: E402
from rag.dedupe import SHINGLE_WORDS, THRESHOLD, jaccard, shingles  # noqa: E402

DOCUMENTS = Path(__file__).resolve().parent.parent / "documents"
KNOWN_REPRINTS = {frozenset({"kk_albania_tokayev_direct_flights_aqshamnews_2023-09-07.txt",
                             "kk_albania_tokayev_direct_flights_turanews_2023-09-07.txt"})}
LEVELS = ("reprint", "trimmed", "edited")


def made_reprint(article: Article, level: str) -> Article:
    """A copy of ``article`` as another outlet might republish it (see the module docstring)."""
    paragraphs = article.body.split("\n\n")
    paragraphs[0] = paragraphs[0].replace("–", "—") + " Outlet.example reports."
    if level in ("trimmed", "edited") and len(paragraphs) > 2:
        paragraphs = paragraphs[:-1]
    body = "\n\n".join(paragraphs)
    if level == "edited":
        words = body.split(" ")
        body = " ".join(w for i, w in enumerate(words) if i % 12 != 11)
    return dataclasses.replace(article, doc="copy-" + article.doc, title="Reprinted: " + article.title, body=body)


def scores(articles: list[Article], k: int) -> dict[str, list[tuple[float, str]]]:
    sets = {a.doc: shingles(a.body, k) for a in articles}
    out: dict[str, list[tuple[float, str]]] = {"known reprint": [], "different": [], "translation": []}
    for a, b in itertools.combinations(articles, 2):
        s = jaccard(sets[a.doc], sets[b.doc])
        label = f"{a.doc} ~ {b.doc}"
        if frozenset({a.doc, b.doc}) in KNOWN_REPRINTS:
            out["known reprint"].append((s, label))
        elif a.language == b.language:
            out["different"].append((s, label))
        elif a.date and a.date == b.date:
            out["translation"].append((s, label))
    for level in LEVELS:
        out[level] = [(jaccard(sets[a.doc], shingles(made_reprint(a, level).body, k)), a.doc) for a in articles]
    return out


def main() -> int:
    articles, _ = load_articles(DOCUMENTS)
    print(f"{len(articles)} articles from {DOCUMENTS}")
    print(f"{'k':>2} {'known':>6} " + " ".join(f"{'min ' + lv:>12}" for lv in LEVELS)
          + f" {'max different':>14} {'max translation':>16}")
    chosen = None
    for k in range(1, 6):
        s = scores(articles, k)
        if k == SHINGLE_WORDS:
            chosen = s
        print(f"{k:>2} {min(s['known reprint'])[0]:>6.3f} "
              + " ".join(f"{min(s[lv])[0]:>12.3f}" for lv in LEVELS)
              + f" {max(s['different'])[0]:>14.3f} {max(s['translation'])[0]:>16.3f}")
    assert chosen is not None
    print(f"\nshingles of {SHINGLE_WORDS} words, threshold {THRESHOLD}:")
    print("  closest different articles:")
    for score, label in sorted(chosen["different"], reverse=True)[:3]:
        print(f"    {score:.3f}  {label}")
    negatives = [s for s, _ in chosen["different"]] + [s for s, _ in chosen["translation"]]
    false_pos = sum(s >= THRESHOLD for s in negatives)
    for kind in ("known reprint", *LEVELS):
        positives = [s for s, _ in chosen[kind]]
        hits = sum(s >= THRESHOLD for s in positives)
        precision = hits / (hits + false_pos) if hits + false_pos else 1.0
        print(f"  {kind:>13}: recall {hits}/{len(positives)} = {hits / len(positives):.2f}, "
              f"precision {precision:.2f} (false matches among {len(negatives)} different pairs: {false_pos})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
