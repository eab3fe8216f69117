"""The intent model: what a first text is about, read past the word lists.

A linear (multinomial logistic) model over character n-grams of the normalised text, in any
language and script. Its labels are the flow's node ids: `urgent:<node>` for a text that says
enforcement is happening now (door, detained, work_now), the node itself for a calm question
about that matter, a topic node (lawyer, warrants, ...) or `menu`. A second head over the same
features, trained on many more calm questions, shares the probability the first head leaves to
calm labels among the calm topics. The engine consults it after the explicit trigger lists.

Built by tools/build_intent_model.py from the tune half of tests/data/first_texts.tsv and the
word lists of locales/*.yaml; shipped as bot/language/data/intent_model.npz.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from bot.engine.advance import URGENT_PREFIX
from bot.language.normalize import HEAD_CHARS, fold_accents

MODEL_FILE = Path(__file__).parent / "data" / "intent_model.npz"
# The same kind of model, reading which language a text in Latin letters is in (its labels:
# en, es, fr, ht, pl, rom:<lang>, other); built by tools/build_latin_model.py.
LATIN_MODEL_FILE = Path(__file__).parent / "data" / "latin_model.npz"
NGRAMS = (1, 2, 3, 4)
TOP = 5  # labels kept per reading, best first

# "heeelp" -> "heelp"; digits (addresses) are kept. \1\1+ is \1{2,}, which re runs slower.
_REPEATS = re.compile(r"(\D)\1\1+")
_LONG_NUMBER = re.compile(r"\d{3,}")  # phone numbers, street numbers: one token
_TOKENS = re.compile(r"[^\s.,;:!?¡¿()\[\]\"“”«»、，。！？…/*-]+")
# Written without spaces: each run is read as one "word" of character n-grams.
_ARABIZI = str.maketrans({"2": "ʔ", "3": "ʕ", "5": "x", "7": "ħ", "9": "q"})


def normalise(text: str) -> str:
    """Lowercase, drop Latin accents, collapse repeated letters and long numbers; digits inside
    Latin words are Arabizi letters (3 = ع, 7 = ح) and are kept as letters."""
    text = fold_accents(text[:HEAD_CHARS].lower())
    if _REPEATS.search(text):  # most texts have none: a search is cheaper than a sub
        text = _REPEATS.sub(r"\1\1", text)
    if _LONG_NUMBER.search(text):
        text = _LONG_NUMBER.sub("#", text)
    return text


def _arabizi(token: str) -> str:
    if token.isalpha() or not token.isascii():  # most words: nothing to look at
        return token
    if any(c.isdigit() for c in token) and any(c.isalpha() for c in token):
        return token.translate(_ARABIZI)
    return token


def _tokens(text: str) -> list[str]:
    """A text's words as the models read them."""
    return [_arabizi(raw) for raw in _TOKENS.findall(normalise(text))]


def _ngrams(token: str) -> list[str]:
    """The character n-grams of a token padded with a space on both sides."""
    padded = f" {token} "
    return [padded[i : i + n] for n in NGRAMS for i in range(len(padded) - n + 1)]


_WORD = "w "  # the prefix of a word feature: "w " + the word


def features(text: str) -> list[str]:
    """The model's features of a text: its words, and the n-grams of each (_ngrams)."""
    found: list[str] = []
    for token in _tokens(text):
        found.append(_WORD + token)
        found.extend(_ngrams(token))
    return found


@dataclass(slots=True)
class Features:
    """A text's distinct tokens, in order, as the models look their features up; and, once a
    table has summed them, the sum (the intent and Latin-letters models share one table: one
    lookup for both)."""

    tokens: list[str]
    sums: dict[FeatureTable, np.ndarray] = field(default_factory=dict)


def text_features(text: str) -> Features:
    """The features of `features(text)`, made for lookup: its distinct tokens (a token stands
    for its word and the n-grams of the token padded with a space each side)."""
    return Features(list(dict.fromkeys(_tokens(text))))


def _is_word(feature: str) -> bool:
    # An n-gram never has one space after its first letter: words are two spaces apart.
    return feature.startswith(_WORD) and len(feature) > len(_WORD)


class TopicHead(NamedTuple):
    """The intent model's second head: which calm topic, among calm questions only."""

    weights: np.ndarray
    bias: np.ndarray
    labels: list[str]


def _softmax(values: list[float], mass: float = 1.0) -> list[float]:
    """Probabilities summing to `mass`. Over a few dozen labels plain Python beats numpy's
    per-call cost."""
    top, exp = max(values), math.exp
    exps = [exp(x - top) for x in values]
    scale = mass / sum(exps)
    return [x * scale for x in exps]


def _heads(weights: np.ndarray, topics: TopicHead | None) -> list[np.ndarray]:
    """Both heads' weights: the table sets them side by side, so a text's features are summed
    once for both."""
    return [weights] if topics is None else [weights, topics.weights]


class FeatureTable:
    """The features of one or more models, found in one lookup for all of them: a row per
    feature any of them knows, holding each model's weights side by side and then, per model, 1
    where that model knows the feature (summed, how many of a text's features it knows)."""

    def __init__(self, parts: list[tuple[dict[str, int], list[np.ndarray]]]) -> None:
        """`parts`: per model, its vocabulary (feature -> id) and its heads' weights (a row
        per id)."""
        known: dict[str, None] = {}
        for vocabulary, _ in parts:
            known.update(dict.fromkeys(vocabulary))
        # The n-grams first, then the words: a text's n-gram rows come out of the lookup in
        # ascending order, which summing them reads faster.
        order = sorted(f for f in known if not _is_word(f)) + [f for f in known if _is_word(f)]
        rows = {feature: i for i, feature in enumerate(order)}
        width = sum(head.shape[1] for _, heads in parts for head in heads)
        self.weights = np.zeros((len(rows), width + len(parts)), dtype=np.float32)
        self.columns: list[tuple[slice, int]] = []  # per model: its weights, its count column
        self.model_ids: list[np.ndarray] = []  # per model: row -> its own feature id, or -1
        at = 0
        for k, (vocabulary, heads) in enumerate(parts):
            own = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))
            mine = np.fromiter(map(rows.__getitem__, vocabulary), dtype=np.int64, count=len(own))
            in_order = bool((own == np.arange(len(own))).all())  # as loaded: no copy to make
            first = at
            for head in heads:
                self.weights[mine, at : at + head.shape[1]] = head if in_order else head[own]
                at += head.shape[1]
            self.weights[mine, width + k] = 1.0
            self.columns.append((slice(first, at), width + k))
            ids = np.full(len(rows), -1, dtype=np.int64)
            ids[mine] = own
            self.model_ids.append(ids)
        self._grams = {f: i for f, i in rows.items() if not _is_word(f)}
        self._words = {f[len(_WORD) :]: i for f, i in rows.items() if _is_word(f)}
        # A text's features are its tokens' features, token by token: an n-gram never reaches
        # past its token's padding. So the rows of the n-grams of every word the models know
        # are found once, here, and a text's known words are a dict lookup each, not a walk
        # over their n-grams (cold, that walk was a third of a first text's time). Other
        # tokens are walked every time: words of people's messages are never kept.
        self._known_grams = {word: self._grams_of(word) for word in self._words}

    def _grams_of(self, token: str) -> np.ndarray:
        """The rows of a token's known n-grams, in ascending order."""
        found = set(map(self._grams.get, _ngrams(token)))
        found.discard(None)
        return np.array(sorted(found), dtype=np.intp)  # type: ignore[type-var]

    def rows(self, found: Features) -> np.ndarray:
        """The rows of a text's distinct known features: its n-grams' in ascending order, then
        its words' (distinct already: the tokens are, and a word is never an n-gram)."""
        tokens, known = found.tokens, self._known_grams
        each = [known[token] if token in known else self._grams_of(token) for token in tokens]
        if len(each) == 1:
            grams = each[0]
        else:
            # np.unique, in place: np.unique itself costs four times as much on a text's rows.
            grams = np.concatenate(each) if each else np.zeros(0, dtype=np.intp)
            grams.sort()
            distinct = np.empty(len(grams), dtype=bool)
            distinct[:1] = True
            np.not_equal(grams[1:], grams[:-1], out=distinct[1:])
            grams = grams[distinct]
        words = [i for i in map(self._words.get, tokens) if i is not None]
        return np.concatenate([grams, np.array(words, dtype=np.intp)]) if words else grams

    def summed(self, found: Features) -> np.ndarray:
        """The sum of the rows of a text's features, made once per text."""
        summed = found.sums.get(self)
        if summed is None:
            rows = self.rows(found)
            summed = np.add.reduce(self.weights.take(rows, axis=0), axis=0)
            found.sums[self] = summed
        return summed


class IntentModel:
    """Reads a text into (label, probability) pairs, best first."""

    def __init__(self, vocabulary: dict[str, int], weights: np.ndarray, bias: np.ndarray,
                 labels: list[str], topics: TopicHead | None = None,
                 shared: tuple[FeatureTable, int] | None = None) -> None:  # fmt: skip
        """`shared`: a table holding this model's weights as one of its parts (and the part's
        index), else the model makes its own from `weights` and `topics`."""
        self.vocabulary = vocabulary
        self.labels = labels
        self._urgent = [i for i, label in enumerate(labels) if label.startswith(URGENT_PREFIX)]
        self.topics = topics
        self._read_labels = labels  # the labels of read's probabilities, in their order
        if topics is not None:
            self._read_labels = [labels[i] for i in self._urgent] + topics.labels
        extra = topics.bias if topics is not None else bias[:0]
        self.bias = np.concatenate([bias, extra]).astype(np.float32)
        self.table, part = shared or (FeatureTable([(vocabulary, _heads(weights, topics))]), 0)
        self._columns, self._count = self.table.columns[part]
        self._ids = self.table.model_ids[part]

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> IntentModel:
        return cls.load_together([path])[0]

    @classmethod
    def load_together(cls, paths: list[Path]) -> list[IntentModel]:
        """The models kept in `paths`, with one table: a text's features are looked up and
        summed once for all of them (the detector reads a Latin-letter text with two)."""
        parts = []
        for path in paths:
            with np.load(path, allow_pickle=False) as data:
                topics = None
                if "topic_labels" in data:
                    topics = TopicHead(
                        data["topic_weights"],
                        data["topic_bias"],
                        [str(label) for label in data["topic_labels"]],
                    )
                vocabulary = {str(name): i for i, name in enumerate(data["features"])}
                labels = [str(label) for label in data["labels"]]
                parts.append((vocabulary, data["weights"], data["bias"], labels, topics))
        table = FeatureTable([(v, _heads(w, topics)) for v, w, _, _, topics in parts])
        return [
            cls(vocabulary, weights, bias, labels, topics, shared=(table, k))
            for k, (vocabulary, weights, bias, labels, topics) in enumerate(parts)
        ]

    def ids(self, found: Features) -> np.ndarray:
        """The distinct known features of a text, as this model numbers them."""
        ids = self._ids.take(self.table.rows(found))
        return ids[ids >= 0]

    def scores(self, found: Features) -> np.ndarray:
        summed = self.table.summed(found)
        known = summed[self._count]
        if not known:
            return self.bias.copy()
        scores = summed[self._columns] * float(known) ** -0.5
        scores += self.bias
        return scores

    def read(self, text: str, found: Features | None = None) -> tuple[tuple[str, float], ...]:
        """(label, probability), best first; `found` is text_features(text) when the caller
        has it."""
        if not text.strip():
            return ()
        values = self.scores(text_features(text) if found is None else found).tolist()
        width = len(self.labels)
        probs = _softmax(values[:width])
        if self.topics is not None:
            # The main head says how likely the text is urgent, and which urgent matter; the
            # topic head, trained on many more calm questions, shares the rest among the calm
            # topics.
            urgent = [probs[i] for i in self._urgent]
            probs = urgent + _softmax(values[width:], 1.0 - sum(urgent))
        best = sorted(range(len(probs)), key=probs.__getitem__, reverse=True)[:TOP]
        labels = self._read_labels
        return tuple([(labels[i], round(probs[i], 4)) for i in best])


_MODELS: dict[Path, IntentModel] = {}
_LOCK = threading.Lock()


_SHARED = (MODEL_FILE, LATIN_MODEL_FILE)  # loaded together, with one table


def shared_intent_model(path: Path = MODEL_FILE) -> IntentModel | None:
    """The process-wide model kept in `path` (the intent model by default), or None when the
    file is not there (the word lists still work without it)."""
    with _LOCK:
        if path not in _MODELS and path.exists():
            paths = [p for p in _SHARED if p.exists()] if path in _SHARED else [path]
            _MODELS.update(zip(paths, IntentModel.load_together(paths), strict=True))
        return _MODELS.get(path)
