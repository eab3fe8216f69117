"""Splitting a long SMS reply into pages of at most the segment budget, at sentence breaks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bot.engine.sms import BUDGET, segments

_SENTENCE_END = re.compile(r"(?<=[.!?؟।۔])\s+|(?<=[。！？])\s*")
SEPARATOR = "\n\n"
_NO_SPACE_AFTER = ("。", "！", "？")


def _fits(text: str, hint: str) -> bool:
    return segments(text + SEPARATOR + hint) <= BUDGET


def _pack(pieces: Iterable[tuple[bool, str]], hint: str) -> list[str]:
    """Greedily join pieces into chunks that fit a page. A piece flagged True starts a new
    paragraph; others continue the current one (no space after a Chinese full stop)."""
    chunks: list[str] = []
    chunk = ""
    for new_paragraph, piece in pieces:
        glue = SEPARATOR if new_paragraph else "" if chunk.endswith(_NO_SPACE_AFTER) else " "
        candidate = f"{chunk}{glue}{piece}" if chunk else piece
        if chunk and not _fits(candidate, hint):
            chunks.append(chunk)
            candidate = piece
        chunk = candidate
    if chunk:
        chunks.append(chunk)
    return chunks


@lru_cache(maxsize=4096)  # a reply's texts are the same bot texts, but for one with a case number
def _pieces(text: str, hint: str) -> tuple[str, ...]:
    """Sentences, so a page can be filled to the brim; a sentence longer than a page breaks
    between words."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if _fits(sentence, hint):
            pieces.append(sentence)
        else:
            pieces += _pack(((False, word) for word in sentence.split(" ")), hint)
    return tuple(pieces)


def paginate(texts: list[str], hint: str) -> list[str]:
    """Pack the replies into pages; every page but the last leaves room for the MORE hint."""
    return list(_paginate(tuple(texts), hint))


@lru_cache(maxsize=2048)  # the same bot texts are paged for every person who reaches a node
def _paginate(texts: tuple[str, ...], hint: str) -> tuple[str, ...]:
    return tuple(_paginate_now(list(texts), hint))


def _paginate_now(texts: list[str], hint: str) -> list[str]:
    whole = SEPARATOR.join(texts)
    if segments(whole) <= BUDGET:  # the common case: one page, no hint
        return [whole]
    return _pack(
        ((i == 0, piece) for text in texts for i, piece in enumerate(_pieces(text, hint))), hint
    )
