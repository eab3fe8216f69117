"""Splitting a long SMS reply into pages of at most the segment budget, at sentence breaks."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from functools import lru_cache

from bot.engine.sms import BUDGET, EMPTY, Size, joined, segments, segments_of, size

_SENTENCE_END = re.compile(r"(?<=[.!?؟।۔])\s+|(?<=[。！？])\s*")
SEPARATOR = "\n\n"
_NO_SPACE_AFTER = ("。", "！", "？")
# Letters a word that changes at each reply (a case number) is paged as: ASCII letters and
# digits take one unit in either encoding and are never a sentence end or a space, so a stand-in
# of the same length breaks pages where the word would. The rare ones are tried first.
_STAND_INS = "ZQXJ" + string.ascii_letters + string.digits


_Piece = tuple[str, Size]  # a piece of a reply, and its length


def _fits(length: Size, tail: Size) -> bool:
    """Whether a page of this length fits the budget with `tail` (the MORE hint) after it."""
    return segments_of(*joined(length, tail)) <= BUDGET


def _pack(pieces: Iterable[tuple[bool, _Piece]], hint: str) -> list[_Piece]:
    """Greedily join pieces into chunks that fit a page with the hint after it. A piece flagged
    True starts a new paragraph; others continue the current one (no space after a Chinese
    full stop). A chunk's length is the sum of its parts': no page is measured twice."""
    tail = size(SEPARATOR + hint)
    chunks: list[_Piece] = []
    chunk, chunk_size = "", EMPTY
    for new_paragraph, (piece, piece_size) in pieces:
        if chunk:
            glue = SEPARATOR if new_paragraph else "" if chunk.endswith(_NO_SPACE_AFTER) else " "
            candidate = joined(chunk_size, piece_size, len(glue))
            if _fits(candidate, tail):
                chunk, chunk_size = f"{chunk}{glue}{piece}", candidate
                continue
            chunks.append((chunk, chunk_size))
        chunk, chunk_size = piece, piece_size
    if chunk:
        chunks.append((chunk, chunk_size))
    return chunks


@lru_cache(maxsize=4096)  # a reply's texts are the same bot texts, but for one with a case number
def _pieces(text: str, hint: str) -> tuple[_Piece, ...]:
    """Sentences, with their lengths, so a page can be filled to the brim; a sentence longer
    than a page breaks between words."""
    tail = size(SEPARATOR + hint)
    pieces: list[_Piece] = []
    for sentence in _SENTENCE_END.split(text):
        sentence_size = size(sentence)
        if _fits(sentence_size, tail):
            pieces.append((sentence, sentence_size))
        else:
            pieces += _pack(((False, (word, size(word))) for word in sentence.split(" ")), hint)
    return tuple(pieces)


def paginate(texts: list[str], hint: str, variable: str | None = None) -> list[str]:
    """Pack the replies into pages; every page but the last leaves room for the MORE hint.
    `variable`, a word that differs at each reply (the person's case number), is paged as a
    stand-in of its length, a letter the texts lack, so a node's texts are paged once for
    everyone and the word is put back in the pages."""
    if variable and variable.isascii() and variable.isalnum():
        if any(variable in text for text in texts):  # most replies of a case do not name it
            stand_in = next((c for c in _STAND_INS if not any(c in t for t in texts)), None)
            if stand_in is not None:
                mask = stand_in * len(variable)
                masked = tuple(text.replace(variable, mask) for text in texts)
                return [page.replace(mask, variable) for page in _paginate(masked, hint)]
    return list(_paginate(tuple(texts), hint))


@lru_cache(maxsize=2048)  # the same bot texts are paged for every person who reaches a node
def _paginate(texts: tuple[str, ...], hint: str) -> tuple[str, ...]:
    return tuple(_paginate_now(list(texts), hint))


def _paginate_now(texts: list[str], hint: str) -> list[str]:
    whole = SEPARATOR.join(texts)
    if segments(whole) <= BUDGET:  # the common case: one page, no hint
        return [whole]
    pieces = ((i == 0, piece) for text in texts for i, piece in enumerate(_pieces(text, hint)))
    return [page for page, _ in _pack(pieces, hint)]
