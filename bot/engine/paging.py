"""Splitting a long SMS reply into pages of at most the segment budget, at sentence breaks."""

from __future__ import annotations

import re

from .sms import BUDGET, segments

_SENTENCE_END = re.compile(r"(?<=[.!?؟।۔])\s+|(?<=[。！？])\s*")
SEPARATOR = "\n\n"
_NO_SPACE_AFTER = ("。", "！", "？")


def _fits(text: str, hint: str) -> bool:
    return segments(text + SEPARATOR + hint) <= BUDGET


def _pieces(text: str, hint: str) -> list[str]:
    """Sentences, so a page can be filled to the brim; a sentence longer than a page breaks
    between words."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if _fits(sentence, hint):
            pieces.append(sentence)
            continue
        line = ""
        for word in sentence.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and not _fits(candidate, hint):
                pieces.append(line)
                candidate = word
            line = candidate
        if line:
            pieces.append(line)
    return pieces


def paginate(texts: list[str], hint: str) -> list[str]:
    """Pack the replies into pages; every page but the last leaves room for the MORE hint."""
    whole = SEPARATOR.join(texts)
    if segments(whole) <= BUDGET:  # the common case: one page, no hint
        return [whole]
    pages: list[str] = []
    page = ""
    for text in texts:
        for i, piece in enumerate(_pieces(text, hint)):
            # Pieces of one text join as one paragraph; Chinese needs no space after 。
            glue = SEPARATOR if not i else "" if page.endswith(_NO_SPACE_AFTER) else " "
            candidate = f"{page}{glue}{piece}" if page else piece
            if page and not _fits(candidate, hint):
                pages.append(page)
                candidate = piece
            page = candidate
    if page:
        pages.append(page)
    return pages
