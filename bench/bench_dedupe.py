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
  ``edited``: as trimmed, and every 12th word of the body dropped (small edits throughout);
* template releases (written here, in the ministries' formula): two meetings on one day that
  differ only in the ambassador met, in English and in Russian. Different articles.

Prints, for shingles of 1 to 5 words, the lowest score of each kind of reprint and the highest
score of a pair of different articles; then the key-token overlap (rag.dedupe.key_overlap) of
each kind; then precision and recall of the whole decision (rag.dedupe.DuplicateFinder: shingles
at THRESHOLD and key tokens at KEY_OVERLAP).

    PYTHONPATH=$PWD python bench/bench_dedupe.py
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.articles import Article, load_articles  # noqa: E402
from rag.dedupe import (  # noqa: E402
    KEY_OVERLAP,
    SHINGLE_WORDS,
    THRESHOLD,
    DuplicateFinder,
    jaccard,
    key_overlap,
    key_tokens,
    shingles,
)

DOCUMENTS = Path(__file__).resolve().parent.parent / "documents"
KNOWN_REPRINTS = {frozenset({"kk_albania_tokayev_direct_flights_aqshamnews_2023-09-07.txt",
                             "kk_albania_tokayev_direct_flights_turanews_2023-09-07.txt"})}
LEVELS = ("reprint", "trimmed", "edited")
_EN = ("On 5 May 2025, Deputy Minister of Foreign Affairs of the Republic of Kazakhstan Roman Vassilenko met with the "
       "Ambassador of {0} to Kazakhstan {1}. The sides discussed the current state and prospects of bilateral "
       "cooperation in the political, trade, economic and cultural spheres. Special attention was paid to the "
       "preparation of upcoming high-level visits.")
_RU = ("Астана, 5 мая 2025 года – Заместитель министра иностранных дел Республики Казахстан Роман Василенко встретился "
       "с Послом {0} в Казахстане {1}. Стороны обсудили текущее состояние и перспективы двустороннего сотрудничества "
       "в политической, торгово-экономической и культурной сферах. Особое внимание было уделено подготовке "
       "предстоящих визитов на высшем уровне.")
TEMPLATE_PAIRS = [
    ("en", _EN.format("Hungary", "Zoltan Varga"), _EN.format("Portugal", "Paulo Rocha")),
    ("ru", _RU.format("Венгрии", "Золтаном Варгой"), _RU.format("Португалии", "Паулу Рошей")),
]


def _article(doc: str, language: str, body: str) -> Article:
    return Article(doc=doc, title=doc, date=None, source=None, language=language, body=body, content_hash="")


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


def decide(original: Article, other: Article) -> bool:
    """The production decision: is ``other`` a duplicate of ``original``?"""
    finder = DuplicateFinder()
    finder.add(original)
    return finder.match(dataclasses.replace(other, doc="other-" + other.doc)) is not None


def main() -> int:
    articles, _ = load_articles(DOCUMENTS)
    print(f"{len(articles)} articles from {DOCUMENTS}")
    templates = [(_article(f"t{i}a", lang, a), _article(f"t{i}b", lang, b)) for i, (lang, a, b) in enumerate(TEMPLATE_PAIRS)]
    print("shingle Jaccard, by shingle size")
    print(f"{'k':>2} {'known':>6} " + " ".join(f"{'min ' + lv:>12}" for lv in LEVELS)
          + f" {'max different':>14} {'max translation':>16} {'max template':>13}")
    chosen = None
    for k in range(1, 6):
        s = scores(articles, k)
        if k == SHINGLE_WORDS:
            chosen = s
        template = max(jaccard(shingles(a.body, k), shingles(b.body, k)) for a, b in templates)
        print(f"{k:>2} {min(s['known reprint'])[0]:>6.3f} "
              + " ".join(f"{min(s[lv])[0]:>12.3f}" for lv in LEVELS)
              + f" {max(s['different'])[0]:>14.3f} {max(s['translation'])[0]:>16.3f} {template:>13.3f}")
    assert chosen is not None
    print(f"\nshingles of {SHINGLE_WORDS} words; closest different articles:")
    for score, label in sorted(chosen["different"], reverse=True)[:3]:
        print(f"    {score:.3f}  {label}")

    by_doc = {a.doc: a for a in articles}
    keys = {a.doc: key_tokens(a.body) for a in articles}
    print("\nkey-token overlap (numbers and names of the shorter text found in the other):")
    known = [key_overlap(keys[x], keys[y]) for x, y in (sorted(pair) for pair in KNOWN_REPRINTS)]
    print(f"  known reprint: {min(known):.2f}")
    for level in LEVELS:
        print(f"  {level:>13}: min {min(key_overlap(keys[a.doc], key_tokens(made_reprint(a, level).body)) for a in articles):.2f}")
    print(f"  {'template':>13}: max {max(key_overlap(key_tokens(a.body), key_tokens(b.body)) for a, b in templates):.2f}")

    print(f"\nthe decision (shingles >= {THRESHOLD}, key tokens >= {KEY_OVERLAP}):")
    negatives = [(by_doc[x], by_doc[y]) for x, y in
                 (label.split(" ~ ") for kind in ("different", "translation") for _, label in chosen[kind])] + templates
    false_pos = sum(decide(a, b) for a, b in negatives)
    positive_sets = {"known reprint": [tuple(by_doc[d] for d in sorted(pair)) for pair in KNOWN_REPRINTS]}
    positive_sets |= {level: [(a, made_reprint(a, level)) for a in articles] for level in LEVELS}
    for kind, pairs in positive_sets.items():
        hits = sum(decide(a, b) for a, b in pairs)
        precision = hits / (hits + false_pos) if hits + false_pos else 1.0
        print(f"  {kind:>13}: recall {hits}/{len(pairs)} = {hits / len(pairs):.2f}, precision {precision:.2f} "
              f"(false matches among {len(negatives)} different pairs, templates included: {false_pos})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
