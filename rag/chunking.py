"""Splitting cleaned articles into overlapping chunks measured in the embedding model's tokens."""

from __future__ import annotations

from typing import Callable

from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.articles import Article
from rag.types import Chunk

# Paragraphs first, then lines, then sentence ends in the four languages, then clauses and words.
SEPARATORS = ["\n\n", "\n", ". ", "! ", "? ", "… ", "; ", ": ", ", ", " – ", " — ", " ", ""]
# Bump when the cleaner or the splitter changes what chunks an unchanged file yields:
# the index manifest records it, and a different value forces a full rebuild.
CHUNKER_VERSION = "1"


def chunking_settings(chunk_tokens: int, overlap_tokens: int) -> dict:
    """What the index manifest records about chunking (a change forces a full rebuild)."""
    return {"chunk_tokens": chunk_tokens, "overlap_tokens": overlap_tokens, "splitter": "recursive-token",
            "version": CHUNKER_VERSION}


def make_splitter(tokenizer, chunk_tokens: int, overlap_tokens: int) -> RecursiveCharacterTextSplitter:
    """A langchain recursive splitter that counts the embedding model's tokens."""
    return RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
        tokenizer,
        chunk_size=chunk_tokens,
        chunk_overlap=overlap_tokens,
        separators=SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )


def chunk_article(article: Article, split: Callable[[str], list[str]]) -> list[Chunk]:
    """Split one article; every chunk's text is exactly ``article.body[start:end]``."""
    body = article.body
    chunks: list[Chunk] = []
    cursor, limit = 0, 0
    for position, piece in enumerate(p for p in split(body) if p.strip()):
        # langchain's own start_index assumes character overlap; with token overlap we
        # search after the previous chunk's start. The next chunk overlaps or touches the
        # previous one, so take the last match starting no later than the previous end
        # (plus whitespace): with repeated text the first match may lie too far back.
        start = body.rfind(piece, cursor, limit + len(piece))
        if start < 0:
            start = body.find(piece, cursor)
        if start < 0:
            start = body.find(piece)
        if start < 0:  # the splitter altered the text: should not happen with strip-only
            raise ValueError(f"chunk {position} of {article.doc} is not a substring of its body")
        end = start + len(piece)
        cursor = start + 1
        limit = end
        while limit < len(body) and body[limit].isspace():
            limit += 1
        stem = article.doc.rsplit(".", 1)[0]
        chunks.append(Chunk(f"{stem}#{position}", article.doc, position, start, end, piece, article.title,
                            article.date, article.source, article.language, article.url))
    return chunks


def chunk_articles(articles: list[Article], tokenizer, chunk_tokens: int, overlap_tokens: int) -> list[Chunk]:
    """Chunk many articles with one splitter."""
    splitter = make_splitter(tokenizer, chunk_tokens, overlap_tokens)
    return [c for a in articles for c in chunk_article(a, splitter.split_text)]
