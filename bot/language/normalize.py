"""Text clean-up shared by the lexicon, the model and the Creole profile builder."""

import re
import unicodedata

# Only the head of a message is inspected: language is settled long before 300 characters,
# and it bounds the per-call cost for 1,600-character WhatsApp bodies.
HEAD_CHARS = 300

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+", re.IGNORECASE)
# Digits, underscores and anything that is neither a word character, whitespace nor an
# apostrophe (emoji, symbols, punctuation) carry no language signal in an SMS. Combining marks
# are not \w, so the ones our scripts need (Latin accents, Bengali signs, Arabic harakat) are
# kept explicitly.
_NOISE = re.compile(r"[\d_]|[^\w\s'\u0300-\u036f\u0980-\u09ff\u064b-\u065f\u0670]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'", "`": "'"})
# Stray apostrophes left at word edges by quoting ('hola') are noise; "m'ap" keeps its own.
_EDGE_APOSTROPHE = re.compile(r"(?<!\w)'|'(?!\w)")


# Acronyms (ICE, NYPD, DACA, SVP) are shared by every language of the hotline; in a message
# that is not written all in capitals they only blur the model's view of the other words.
_ACRONYM = re.compile(r"(?<![\w'])[A-Z]{2,5}(?![\w'])")


def drop_acronyms(text: str) -> str:
    """Remove short all-capital words from mixed-case text, unless nothing else is left."""
    if text.isupper() or not _ACRONYM.search(text):
        return text
    rest = _ACRONYM.sub(" ", text)
    return rest if any(ch.isalpha() for ch in rest) else text


def clean(text: str) -> str:
    """Lowercase; drop URLs, digits, emoji and punctuation; collapse whitespace."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
    text = text.lower()
    if "://" in text or "www." in text or "@" in text:  # skip the URL scan when it can't match
        text = _URL.sub(" ", text)
    text = _NOISE.sub(" ", text)
    if "'" in text:
        text = _EDGE_APOSTROPHE.sub(" ", text)
    return " ".join(text.split())


class _LatinFold(dict[int, int | str]):
    """str.translate's table from accented Latin letters to their base letters. Any other
    character maps to itself, added as it is met: a character the table lacks costs
    str.translate a raised LookupError, which on a Cyrillic or Chinese text is every one."""

    def __init__(self) -> None:
        super().__init__()
        for code in range(0xC0, 0x250):
            base = "".join(
                ch
                for ch in unicodedata.normalize("NFD", chr(code))
                if not unicodedata.combining(ch)
            )
            if base and base != chr(code):
                self[code] = base

    def __missing__(self, code: int) -> int:
        self[code] = code
        return code


# Only Latin letters are folded: stripping marks from Bengali or Arabic would change letters.
_FOLD = _LatinFold()


def fold_accents(text: str) -> str:
    """Remove Latin diacritics, for lexicon keys: SMS often drop accents ("èd" is typed "ed")."""
    return text if text.isascii() else text.translate(_FOLD)


def model_text(text: str) -> str:
    """What the lexicon and the model read: acronyms dropped, then cleaned."""
    return clean(drop_acronyms(text))
