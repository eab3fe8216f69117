"""Text folding and phrase matching, the same in every language."""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Hashable, Iterable, Iterator
from typing import Generic, TypeVar

# Scripts written without spaces between words (or with particles glued to nouns, as in
# Korean): a phrase there matches anywhere inside the text, not only between word breaks.
UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_EDGE_PUNCT = "".join(sorted(set(string.punctuation + "¡¿。！？，、…«»“”‘’")))


_EDGE = _EDGE_PUNCT + " "


class _Folding(dict[int, int | str | None]):
    """str.translate's table, filled as characters are met: every script's decimal digits
    become ASCII ones ("٣", "۳", "৩", "३" -> "3": a menu number typed on an Arabic, Urdu,
    Bengali or Hindi keyboard is the same number), and combining marks (accents, and the signs
    Unicode gives a combining class) are dropped. One table, one pass over the text."""

    def __missing__(self, code: int) -> int | str | None:
        char = chr(code)
        found: int | str | None = None
        if not unicodedata.combining(char):
            value = unicodedata.decimal(char, None)
            found = code if value is None else str(value)
        self[code] = found
        return found


_FOLDING = _Folding()


def fold(text: str) -> str:
    """Lowercase, drop accents, make digits ASCII, collapse spaces and edge punctuation, for
    comparing words."""
    if text.isascii():  # nothing to decompose; casefold is lower
        folded = text.lower()
    else:
        bare = unicodedata.normalize("NFKD", text).translate(_FOLDING)
        folded = unicodedata.normalize("NFC", bare).casefold()
    return " ".join(folded.split()).strip(_EDGE)


# What a word is made of: \w, and the vowel signs and other marks of the Indic scripts
# (Devanagari to Sinhala), which \w leaves out: without them "বসাবে" would be read as the
# words "বস" and "ব". The danda (।, ॥) still ends a word.
LETTERS = r"\w\u0900-\u0963\u0966-\u0dff"
PLACEHOLDER = re.compile(r"\{([a-z0-9_.]+)\}")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {name} with its value; an unknown name stays visible rather than vanishing."""
    return PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


class PhraseMatcher:
    """Finds whether any of a set of phrases occurs in a text, as whole words where words exist."""

    def __init__(self, phrases: Iterable[str]) -> None:
        spaced: set[str] = set()
        unspaced: set[str] = set()
        for phrase in phrases:
            folded = fold(phrase)
            if folded:
                (unspaced if UNSPACED.search(folded) else spaced).add(folded)
        # One regular expression per kind: the alternation runs in C, a loop over phrases does
        # not (a first text is tried against every trigger list of every language).
        anywhere = "|".join(map(re.escape, sorted(unspaced, key=len, reverse=True)))
        self._unspaced = re.compile(anywhere) if unspaced else None
        longest_first = sorted(spaced, key=len, reverse=True)
        alternatives = "|".join(map(re.escape, longest_first))
        self._spaced = (
            re.compile(rf"(?<![{LETTERS}])(?:{alternatives})(?![{LETTERS}])") if spaced else None
        )

    def __bool__(self) -> bool:
        return bool(self._unspaced or self._spaced)

    def search(self, folded_text: str) -> bool:
        """`folded_text` must already be folded with `fold`."""
        if self._spaced is not None and self._spaced.search(folded_text):
            return True
        return self._unspaced is not None and self._unspaced.search(folded_text) is not None

    def without(self, folded_text: str) -> str:
        """`folded_text` (folded with `fold`) with each phrase found blanked to a space."""
        for pattern in (self._spaced, self._unspaced):
            if pattern is not None:
                folded_text = pattern.sub(" ", folded_text)
        return folded_text


_NON_LETTER = re.compile(rf"[^{LETTERS}]")


def spaced_pieces(folded_text: str) -> Iterator[str]:
    """Every piece of a text that PhraseMatcher's spaced alternation could match: it starts at
    the text's start or after a non-letter, and ends at the text's end or before a non-letter
    (a phrase of an unspaced script may match anywhere). For looking phrases up in a dict."""
    n = len(folded_text)
    breaks = [m.start() for m in _NON_LETTER.finditer(folded_text)]
    for i in [0, *(k + 1 for k in breaks if k + 1 < n)]:
        for j in [*breaks, n]:
            if j > i:
                yield folded_text[i:j]


_WORD = re.compile(rf"[{LETTERS}]+")
# What _rereadings takes out or writes out: English links between a subject and where it is,
# and texting shorthand for "que" (Spanish, French) and "porque" ("dicen q", "xq no abren").
_LINKS = frozenset({"is", "are", "am"})
_SHORTHAND = {"q": "que", "xq": "porque", "pq": "porque", "porq": "porque"}
_ARABIC = re.compile("[\u0621-\u064a]")  # the Arabic alphabet's letters (Urdu's own differ)


def _rereadings(words: list[str], arabic: bool) -> list[list[str]]:
    """The words of a text read again the ways people write them, each looked up like the
    text itself: without a linking verb ("immigration is at my house" finds "immigration at my
    house"; phrases that hold a link, "ice is in", still need it), with texting shorthand
    written out, and Arabic without the letters joined to its words."""
    found = []
    if _LINKS.intersection(words):
        found.append([w for w in words if w not in _LINKS])
    if not _SHORTHAND.keys().isdisjoint(words):
        found.append([_SHORTHAND.get(w, w) for w in words])
    if arabic:
        found += _without_proclitics(words)
    return found


def _without_proclitics(words: list[str]) -> list[list[str]]:
    """Arabic joins "and", "so", "with/in", "to", "like" and "the" to the next word ("بالشارع"
    in the street, "للهجرة" to immigration, "فالزنقة" so in the street): the words again with
    those letters taken off, once keeping "ال" (the) and once without it, so a word list needs
    one form of a word, not every joined one. Only words of four letters or more lose any."""
    kept, bare = [], []
    for word in words:
        stem = word
        if len(stem) > 3 and stem[0] in "وف":
            stem = stem[1:]
        if len(stem) > 3 and stem[0] in "بكل":
            stem = "ال" + stem[2:] if stem.startswith("لل") else stem[1:]
        kept.append(stem)
        bare.append(stem[2:] if len(stem) > 4 and stem.startswith("ال") else stem)
    return [forms for forms in (kept, bare) if forms != words]


T = TypeVar("T", bound=Hashable)


# In a phrase, NUMBER stands for any number written in digits ("hace # semanas", "# dni temu",
# "#주 전"): organizers write one phrase, not one per number. In a text, a number is digits
# not joined to Latin letters, so Arabizi's letters ("3alaya", "7ad") stay letters; but a clock
# time's "am", "pm" or "h" is a word of its own ("since 5am" is "since # am", "depuis 6h" is
# "depuis # h").
NUMBER = "#"
_NUMBER_IN_TEXT = re.compile(r"(?<![a-z0-9])[0-9]+(?=(?:am|pm|h)?(?![a-z0-9]))")
_DIGIT = re.compile("[0-9]")
_PHRASE_WORD = re.compile(rf"[{LETTERS}]+|{NUMBER}")


class PhraseIndex(Generic[T]):
    """Which tagged phrases occur in a text, found in one pass: the words of the text are
    looked up by runs of up to the longest phrase's length (phrases in unspaced scripts by
    substrings). Words are runs of letters and digits, as PhraseMatcher's word breaks are.
    Phrases with NUMBER live in a second index, read only when the text holds a number."""

    def __init__(self, entries: Iterable[tuple[str, T]], *, numbered: bool = False) -> None:
        self._spaced: dict[str, set[T]] = {}
        self._unspaced: dict[str, set[T]] = {}
        with_number: list[tuple[str, T]] = []
        for phrase, tag in entries:
            if NUMBER in phrase and not numbered:
                with_number.append((phrase, tag))
                continue
            # Each part folded on its own: fold would trim a NUMBER at an edge.
            folded = NUMBER.join(fold(part) for part in phrase.split(NUMBER))
            if not folded:
                continue
            if UNSPACED.search(folded):
                self._unspaced.setdefault(folded, set()).add(tag)
            else:
                words = " ".join(_PHRASE_WORD.findall(folded))
                if words:
                    self._spaced.setdefault(words, set()).add(tag)
        self._numbers = PhraseIndex(with_number, numbered=True) if with_number else None
        self._words = _PHRASE_WORD if numbered else _WORD  # where NUMBER is a word
        self._most_words = max((p.count(" ") + 1 for p in self._spaced), default=0)
        # The first words of every phrase of two or more: a run of words is only extended
        # while some phrase starts with it, so most words cost one lookup.
        self._starts = {
            " ".join(words[:n])
            for words in (p.split(" ") for p in self._spaced)
            for n in range(1, len(words))
        }
        # Unspaced phrases by their first character, with their lengths: a position in the
        # text is only tried for the lengths of phrases starting with its character.
        lengths: dict[str, set[int]] = {}
        for phrase in self._unspaced:
            lengths.setdefault(phrase[0], set()).add(len(phrase))
        self._lengths = {first: sorted(sizes) for first, sizes in lengths.items()}

    def find(self, folded_text: str) -> set[T]:
        """The tags of every phrase in `folded_text` (already folded with `fold`)."""
        found: set[T] = set()
        words = self._words.findall(folded_text)
        self._find_runs(words, found)
        other_script = not folded_text.isascii()  # most texts: no Arabic, no Chinese to look at
        for reread in _rereadings(words, other_script and bool(_ARABIC.search(folded_text))):
            self._find_runs(reread, found)
        if self._numbers is not None and _DIGIT.search(folded_text):
            found |= self._numbers.find(_NUMBER_IN_TEXT.sub(NUMBER, folded_text))
        if self._unspaced and other_script and UNSPACED.search(folded_text):
            unspaced, size, by_first = self._unspaced, len(folded_text), self._lengths
            for i, char in enumerate(folded_text):
                for length in by_first.get(char, ()):
                    if i + length > size:
                        break
                    tags = unspaced.get(folded_text[i : i + length])
                    if tags:
                        found |= tags
        return found

    def covers(self, folded_text: str) -> bool:
        """Whether the text is nothing but phrases of the index, one after another ("bună
        ziua", "habari, jambo", "请问这是移民热线吗"): every word inside a phrase (phrases with
        NUMBER aside)."""
        if self._unspaced and UNSPACED.search(folded_text):
            return self._covers_unspaced(folded_text)
        first = self._words.search(folded_text)
        if first is None or (first[0] not in self._spaced and first[0] not in self._starts):
            return False  # most texts: the first word already starts no phrase
        words = self._words.findall(folded_text)
        reached = [True] + [False] * len(words)  # reached[i]: words[:i] are all phrases
        for i in range(len(words)):
            if reached[i]:
                for n in self._phrase_lengths(words, i):
                    reached[i + n] = True
        return bool(words) and reached[-1]

    def _phrase_lengths(self, words: list[str], start: int) -> Iterator[int]:
        """How many words, from words[start], each spaced phrase that starts there takes. (find
        walks the same runs inline: it reads every text, covers only a few.)"""
        run = ""
        for n, word in enumerate(words[start : start + self._most_words], start=1):
            run = f"{run} {word}" if run else word
            if run in self._spaced:
                yield n
            if run not in self._starts:
                return

    def _covers_unspaced(self, folded_text: str) -> bool:
        """covers() for a text with Chinese or Hangul, whose phrases match inside words: read
        by characters ("请问" then "这是移民热线吗"), spaced phrases from a word's start, and
        anything not a letter between them."""
        size = len(folded_text)
        spans = [m.span() for m in self._words.finditer(folded_text)]
        words = [folded_text[start:end] for start, end in spans]
        word_at = {start: k for k, (start, _) in enumerate(spans)}
        letter = [False] * size
        for start, end in spans:
            letter[start:end] = [True] * (end - start)
        reached = [True] + [False] * size  # reached[i]: folded_text[:i] is all phrases
        for i in range(size):
            if not reached[i]:
                continue
            if not letter[i]:
                reached[i + 1] = True
                continue
            for length in self._lengths.get(folded_text[i], ()):  # ascending
                if i + length > size:
                    break
                if folded_text[i : i + length] in self._unspaced:
                    reached[i + length] = True
            k = word_at.get(i, -1)  # spaced phrases start at a word's start
            for n in self._phrase_lengths(words, k) if k >= 0 else ():
                reached[spans[k + n - 1][1]] = True
        return bool(spans) and reached[size]

    def _find_runs(self, words: list[str], found: set[T]) -> None:
        spaced, starts = self._spaced, self._starts
        for i in range(len(words)):
            run = ""
            for word in words[i : i + self._most_words]:
                run = f"{run} {word}" if run else word
                tags = spaced.get(run)
                if tags:
                    found |= tags
                if run not in starts:
                    break
