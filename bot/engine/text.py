"""Text folding and phrase matching, the same in every language."""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable

# Scripts written without spaces between words (or with particles glued to nouns, as in
# Korean): a phrase there matches anywhere inside the text, not only between word breaks.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_EDGE_PUNCT = "".join(sorted(set(string.punctuation + "¡¿。！？，、…«»“”‘’")))


def fold(text: str) -> str:
    """Lowercase, drop accents, collapse spaces and edge punctuation, for comparing words."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFC", bare).casefold()
    return " ".join(folded.split()).strip(_EDGE_PUNCT + " ")


PLACEHOLDER = re.compile(r"\{([a-z0-9_.]+)\}")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {name} with its value; an unknown name stays visible rather than vanishing."""
    return PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


class PhraseMatcher:
    """Finds whether any of a set of phrases occurs in a text, as whole words where words exist."""

    def __init__(self, phrases: Iterable[str]) -> None:
        spaced: set[str] = set()
        unspaced: set[str] = set()
        for phrase in phrases:
            folded = fold(phrase)
            if folded:
                (unspaced if _UNSPACED.search(folded) else spaced).add(folded)
        self._unspaced = tuple(sorted(unspaced))
        longest_first = sorted(spaced, key=len, reverse=True)
        alternatives = "|".join(map(re.escape, longest_first))
        self._spaced = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if spaced else None

    def __bool__(self) -> bool:
        return bool(self._unspaced or self._spaced)

    def search(self, folded_text: str) -> bool:
        """`folded_text` must already be folded with `fold`."""
        if self._spaced is not None and self._spaced.search(folded_text):
            return True
        return any(p in folded_text for p in self._unspaced)
