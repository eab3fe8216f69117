"""Statistical layer: py3langid's naive Bayes model, narrowed to the hotline's languages.

py3langid (BSD-3-Clause, a fork of Marco Lui's langid.py) scores byte n-grams found by a
finite-state walk over the text. We reuse its model file and walk, keep only the columns of
the languages the alphabet cannot settle (en, es, fr, pl, ht; and ar/ur for the Arabic-script
tie), and adapt its Haitian Creole column to SMS Creole: the stock column was trained on edited
text, while hotline Creole is texted without accents, in capitals, with "m'ap", "nap", "kijan".
The SMS n-gram counts come from bot/language/data/ht_sms_ngrams.json, built by
tools/build_ht_profile.py from Robert Munro's 2012 disaster_response SMS (CC BY 4.0).
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Protocol

import numpy as np
import py3langid
from py3langid.modelio import load_model

from bot.language.codes import ARABIC_LANGUAGES, LATIN_LANGUAGES

LOG = logging.getLogger(__name__)
PY3LANGID_MODEL = Path(py3langid.__file__).parent / "data" / "model.npz.xz"
HT_PROFILE = Path(__file__).parent / "data" / "ht_sms_ngrams.json"

# Share of the Creole class's n-gram distribution taken from the SMS profile; the rest stays
# the stock py3langid distribution, so accented, edited Creole is still recognised.
HT_SMS_WEIGHT = 0.5
# Latin-script languages New Yorkers write that the hotline does not serve, scored beside the
# hotline's own so a German or Portuguese text is not taken for Polish or Spanish (issue 10,
# class 6). All are py3langid classes.
UNSERVED_LATIN = (
    "de", "pt", "it", "nl", "tl", "id", "ms", "ro", "sw", "tr", "vi", "sq", "cs", "sk", "hr",
    "sv", "da", "no", "fi", "hu", "lt", "lv", "et", "ca", "gl", "eu", "af", "cy", "ga", "jv",
    "rw", "mg", "xh", "zu", "qu", "az",
)  # fmt: skip
# How sure py3langid must be, among both, that a text is in one of those languages.
UNSERVED_SURE = 0.9


class LanguageModel(Protocol):
    """What the detector needs from a statistical layer (bench/langid.py plugs in others)."""

    def rank(self, text: str, langs: Sequence[str] | None = None) -> list[tuple[str, float]]: ...

    def rank_arabic(self, text: str) -> list[tuple[str, float]]: ...

    def unserved_latin(self, text: str) -> str | None: ...


class NgramModel:
    """Multinomial naive Bayes over py3langid's byte n-gram features, for a few languages."""

    def __init__(
        self,
        model_file: Path = PY3LANGID_MODEL,
        ht_profile: Path | None = HT_PROFILE,
        ht_weight: float = HT_SMS_WEIGHT,
    ) -> None:
        ptc, pc, classes, nextmove, row, output = load_model(model_file)
        # The walk: next state = nextmove[rowbase[state] + byte]; output[state] is a feature id
        # (or -1). nextmove stays a compact array (37 MB, read-only, shared after fork); the
        # two per-state tables are lists, which index faster from Python than arrays do.
        self._nextmove = nextmove
        self._rowbase = [r << 8 for r in row]
        self._output = output
        self.n_features = int(ptc.shape[0])

        self.latin_langs = LATIN_LANGUAGES
        self.arabic_langs = ARABIC_LANGUAGES
        self._latin, self._latin_prior = _columns(ptc, pc, classes, self.latin_langs)
        self._arabic, self._arabic_prior = _columns(ptc, pc, classes, self.arabic_langs)
        self.wide_langs = (*self.latin_langs, *UNSERVED_LATIN)
        # Consulted for few texts: kept at half precision (8 MB, not 16), enough to tell which
        # language is likeliest when one is UNSERVED_SURE.
        wide, self._wide_prior = _columns(ptc, pc, classes, self.wide_langs)
        self._wide = wide.astype(np.float16)
        del ptc  # the full 97-language table (28 MB) is not needed past this point
        self.ht_adapted = False
        if ht_profile is not None and ht_weight > 0:
            self._adapt_ht(ht_profile, ht_weight)
            ht = self.latin_langs.index("ht")
            self._wide[:, ht] = self._latin[:, ht]  # the same SMS Creole in both tables

    # -- features --------------------------------------------------------------------------

    def walk(self, data: bytes) -> list[int]:
        """Feature ids emitted while reading data, with repeats."""
        nextmove, rowbase, output = self._nextmove, self._rowbase, self._output
        state = 0
        found = []
        for byte in data:
            state = nextmove[rowbase[state] + byte]
            feature = output[state]
            if feature >= 0:
                found.append(feature)
        return found

    def trace(self, data: bytes) -> Iterator[tuple[int, int]]:
        """(end offset, state) wherever the walk emits a feature; for building profiles."""
        state = 0
        for end, byte in enumerate(data, start=1):
            state = self._nextmove[self._rowbase[state] + byte]
            if self._output[state] >= 0:
                yield end, state

    def state_of(self, data: bytes) -> int:
        """The walk's state after reading data from the start state."""
        state = 0
        for byte in data:
            state = self._nextmove[self._rowbase[state] + byte]
        return state

    @staticmethod
    def encode(text: str) -> bytes:
        # Pad with spaces: a lone word then yields the word-boundary n-grams (" nou", "nan ")
        # it would have inside a sentence, which is where most of its evidence lies.
        return f" {text} ".encode()

    # -- Creole adaptation -----------------------------------------------------------------

    def _adapt_ht(self, path: Path, weight: float) -> None:
        profile = json.loads(path.read_text(encoding="utf-8"))
        counts = np.zeros(self.n_features, dtype=np.float64)
        # Keys are the n-gram's bytes read as latin-1 (a lossless byte-to-char mapping). Each is
        # mapped to a feature id by walking it, which survives feature renumbering between
        # py3langid model builds as long as the n-gram is still a feature.
        unmapped = 0
        for key, count in profile["ngrams"].items():
            feature = self._output[self.state_of(key.encode("latin-1"))]
            if feature >= 0:
                counts[feature] += count
            else:
                unmapped += 1
        if unmapped > len(profile["ngrams"]) // 10:  # built against another py3langid model
            LOG.warning(
                "%s: %d n-grams unknown to this py3langid model; rebuild it", path, unmapped
            )
        total = counts.sum()
        if total <= 0:
            return
        col = self.latin_langs.index("ht")
        stock = np.exp(self._latin[:, col].astype(np.float64))
        mixed = (1.0 - weight) * stock + weight * counts / total
        self._latin[:, col] = np.log(mixed).astype(np.float32)
        self.ht_adapted = True

    # -- scoring ---------------------------------------------------------------------------

    def _probs(self, text: str, table: np.ndarray, prior: list[float]) -> list[float] | None:
        data = self.encode(text)
        found = self.walk(data)
        if not found:
            return None
        # Plain n-gram counts (py3langid weighs them by log1p): in texts of at most 300
        # characters few n-grams repeat, accuracy is the same, and one gather + sum costs half.
        sums = table.take(found, axis=0).sum(axis=0, dtype=np.float32).tolist()
        logits = [x + p for x, p in zip(sums, prior, strict=True)]
        # Softmax at temperature sqrt(bytes), as py3langid does, so confidence means roughly
        # the same for a word and a paragraph. Five numbers: plain Python beats numpy here.
        scale = 1.0 / math.sqrt(len(data))
        top = max(logits)
        exps = [math.exp((x - top) * scale) for x in logits]
        total = sum(exps)
        return [x / total for x in exps]

    def rank(self, text: str, langs: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Latin-script hotline languages (or the given subset) by probability, best first."""
        return _ranked(self.latin_langs, self._probs(text, self._latin, self._latin_prior), langs)

    def rank_arabic(self, text: str) -> list[tuple[str, float]]:
        """Arabic vs Urdu by probability, best first."""
        return _ranked(self.arabic_langs, self._probs(text, self._arabic, self._arabic_prior), None)

    def unserved_latin(self, text: str) -> str | None:
        """The Latin-script language the hotline does not serve that the text is in, when,
        scored beside the hotline's own languages, one of them has UNSERVED_SURE; else None."""
        ranked = _ranked(self.wide_langs, self._probs(text, self._wide, self._wide_prior), None)
        if ranked and ranked[0][0] in UNSERVED_LATIN and ranked[0][1] >= UNSERVED_SURE:
            return ranked[0][0]
        return None


def _columns(
    ptc: np.ndarray, pc: np.ndarray, classes: list[str], langs: Sequence[str]
) -> tuple[np.ndarray, list[float]]:
    """The n-gram log-probability columns and class priors of some languages."""
    idx = [classes.index(lang) for lang in langs]
    return np.ascontiguousarray(ptc[:, idx], dtype=np.float32), [float(pc[i]) for i in idx]


def _ranked(
    all_langs: Sequence[str], probs: list[float] | None, subset: Sequence[str] | None
) -> list[tuple[str, float]]:
    if probs is None:
        return []
    pairs = list(zip(all_langs, probs, strict=True))
    if subset is not None:
        pairs = [pair for pair in pairs if pair[0] in subset]
        total = sum(p for _, p in pairs) or 1.0
        pairs = [(lang, p / total) for lang, p in pairs]
    pairs.sort(key=itemgetter(1), reverse=True)
    return pairs


_MODEL: NgramModel | None = None
_MODEL_LOCK = threading.Lock()


def shared_model() -> NgramModel:
    """The process-wide model, loaded on first use (about 1 s) and shared by every Detector."""
    global _MODEL
    if _MODEL is None:
        with _MODEL_LOCK:
            if _MODEL is None:
                _MODEL = NgramModel()
    return _MODEL
