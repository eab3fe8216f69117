"""The intent model: what a first text is about, read past the word lists.

A linear (multinomial logistic) model over character n-grams of the normalised text, in any
language and script. Its labels are the flow's node ids: `urgent:<node>` for a text that says
enforcement is happening now (door, detained, work_now), the node itself for a calm question
about that matter, a topic node (lawyer, warrants, ...) or `menu`. The engine consults it after
the explicit trigger lists, for free text none of them matched.

Built by tools/build_intent_model.py from the tune half of tests/data/first_texts.tsv and the
word lists of locales/*.yaml; shipped as bot/language/data/intent_model.npz.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from bot.language.normalize import HEAD_CHARS, fold_accents

MODEL_FILE = Path(__file__).parent / "data" / "intent_model.npz"
# The same kind of model, reading which language a text in Latin letters is in (its labels:
# en, es, fr, ht, pl, rom:<lang>, other); built by tools/build_latin_model.py.
LATIN_MODEL_FILE = Path(__file__).parent / "data" / "latin_model.npz"
NGRAMS = (1, 2, 3, 4)
TOP = 5  # labels kept per reading, best first

_REPEATS = re.compile(r"(\D)\1{2,}")  # "heeelp" -> "heelp"; digits (addresses) are kept
_LONG_NUMBER = re.compile(r"\d{3,}")  # phone numbers, street numbers: one token
_TOKENS = re.compile(r"[^\s.,;:!?¡¿()\[\]\"“”«»、，。！？…/*-]+")
# Written without spaces: each run is read as one "word" of character n-grams.
_ARABIZI = str.maketrans({"2": "ʔ", "3": "ʕ", "5": "x", "7": "ħ", "9": "q"})


def normalise(text: str) -> str:
    """Lowercase, drop Latin accents, collapse repeated letters and long numbers; digits inside
    Latin words are Arabizi letters (3 = ع, 7 = ح) and are kept as letters."""
    text = fold_accents(text[:HEAD_CHARS].lower())
    text = _REPEATS.sub(r"\1\1", text)
    text = _LONG_NUMBER.sub("#", text)
    return text


def _arabizi(token: str) -> str:
    if token.isalpha() or not token.isascii():  # most words: nothing to look at
        return token
    if any(c.isdigit() for c in token) and any(c.isalpha() for c in token):
        return token.translate(_ARABIZI)
    return token


def features(text: str) -> list[str]:
    """The model's features of a text: its words, and the character n-grams of each word
    padded with a space on both sides."""
    found: list[str] = []
    for raw in _TOKENS.findall(normalise(text)):
        token = _arabizi(raw)
        found.append("w " + token)
        padded = f" {token} "
        size = len(padded)
        for n in NGRAMS:
            found.extend(padded[i : i + n] for i in range(size - n + 1))
    return found


class IntentModel:
    """Reads a text into (label, probability) pairs, best first."""

    def __init__(self, vocabulary: dict[str, int], weights: np.ndarray, bias: np.ndarray,
                 labels: list[str]) -> None:  # fmt: skip
        self.vocabulary = vocabulary
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.labels = labels

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> IntentModel:
        with np.load(path, allow_pickle=False) as data:
            names = [str(name) for name in data["features"]]
            labels = [str(label) for label in data["labels"]]
            return cls(
                {name: i for i, name in enumerate(names)}, data["weights"], data["bias"], labels
            )

    def ids(self, grams: Iterable[str]) -> list[int]:
        """The known features among a text's `grams`."""
        found = set(map(self.vocabulary.get, grams))
        found.discard(None)
        return list(found)  # type: ignore[arg-type]

    def scores(self, ids: Iterable[int]) -> np.ndarray:
        ids = list(ids)  # numpy indexes with a list, not a set
        if not ids:
            return self.bias.copy()
        return self.weights[ids].sum(axis=0) * (len(ids) ** -0.5) + self.bias

    def read(self, text: str, found: frozenset[str] | None = None) -> tuple[tuple[str, float], ...]:
        """(label, probability), best first; `found` is grams(text) when the caller has it."""
        if not text.strip():
            return ()
        scores = self.scores(self.ids(grams(text) if found is None else found))
        exp = np.exp(scores - scores.max())
        probs = (exp / exp.sum()).tolist()
        best = sorted(range(len(probs)), key=probs.__getitem__, reverse=True)[:TOP]
        return tuple((self.labels[i], round(probs[i], 4)) for i in best)


def grams(text: str) -> frozenset[str]:
    """The distinct features of a text, built faster than `features` (this runs on the hot
    path, once per text for both models): the n-grams of all its words in one pass over the
    words joined by two spaces. The n-grams across two words hold two spaces, which no feature
    has, so they find nothing in a model's vocabulary."""
    tokens = [_arabizi(raw) for raw in _TOKENS.findall(normalise(text))]
    if not tokens:
        return frozenset()
    joined = " " + "  ".join(tokens) + " "
    size = len(joined)
    found = {"w " + token for token in tokens}
    found.update(joined)  # the 1-grams: its characters
    for n in NGRAMS[1:]:
        found.update([joined[i : i + n] for i in range(size - n + 1)])
    return frozenset(found)


_MODELS: dict[Path, IntentModel] = {}
_LOCK = threading.Lock()


def shared_intent_model(path: Path = MODEL_FILE) -> IntentModel | None:
    """The process-wide model kept in `path` (the intent model by default), or None when the
    file is not there (the word lists still work without it)."""
    with _LOCK:
        if path not in _MODELS and path.exists():
            _MODELS[path] = IntentModel.load(path)
        return _MODELS.get(path)
