"""The detector: alphabet, then lexicon, then statistical model."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from bot.engine.model import replaced
from bot.language import romanized
from bot.language.codes import LATIN_LANGUAGES
from bot.language.intent import (
    LATIN_MODEL_FILE,
    Features,
    IntentModel,
    shared_intent_model,
    text_features,
)
from bot.language.lexicon import DEFAULT_LEXICON, MAX_PHRASE_WORDS, Lexicon, lexicon_key
from bot.language.model import LanguageModel, shared_model
from bot.language.normalize import HEAD_CHARS, model_text
from bot.language.romanized import other_script
from bot.language.script import classify_script, mixed_in
from bot.language.variants import chinese_variant

# Below this probability the best guess is reported as unsure (lang None, ambiguous). Five Latin
# languages share the mass, so 0.2 is a blind guess. On the tuning half of the evaluation set,
# model answers under 0.5 were wrong 11 times in 16: a caller that prefers asking to guessing
# can pass 0.5 and pay about 0.3 points of accuracy. 0.3 only flags near-blind guesses.
DEFAULT_THRESHOLD = 0.3
# When unsure, languages within this factor of the best are listed as candidates.
CANDIDATE_RATIO = 0.5
# The Latin-letters model (tools/build_latin_model.py) is believed, for texts of two words or
# more, when it puts this much probability on "romanized X" and "not a hotline language"
# together: out of fold, 1 of the 656 texts it then took from the Latin hotline languages was
# in one of them (0.2%); at 0.7, 2 of 702, and one word of the langid evaluation set lost.
LATIN_SURE = 0.8
# A text of three words or more that the same model gives this much as one of the Latin-script
# hotline languages is in it, without asking py3langid (a third of a first text's time): out of
# fold, 1 of the 1,556 training texts it then answered was in another language, where the
# py3langid path got 2 of them wrong. The langid evaluation set does not move.
LATIN_HOTLINE_SURE = 0.98
# Where py3langid answers Spanish, French, Creole or Polish, a text that same model gives this
# much as one romanized language is answered in English with the offer of it: out of fold, 27
# romanized texts leant so and no text in a Latin-script hotline language did.
LATIN_LEAN = 0.3
# Under this, the Latin-letters model's likeliest label leaves room for a language the hotline
# does not serve, which py3langid then checks (session 30: against "other" as the likeliest
# label alone, on 28,916 rows 4 more texts in unserved languages get the menu or English, not
# Spanish, and no text in a hotline language moves; so do Czech, Slovak and Catalan questions).
LATIN_DOUBT = 0.9
# Where py3langid is under LANGID_UNSURE and the Latin-letters model gives another hotline
# language LATIN_LEANS, the model's language answers (session 30: on 30,017 rows 10 more texts
# answered in their writer's language, mostly Spanish, French or Creole mixed with English, and
# none worse; the langid evaluation does not move).
LANGID_UNSURE = 0.7
LATIN_LEANS = 0.85
# Where py3langid says English, however sure, a text of MIXED_WORDS words or more that the
# Latin-letters model gives another Latin-script hotline language MIXED_LEANS is answered in
# that language: Spanglish, Creole or Polish with English words is written by someone who reads
# the other language (session 32: on 32,913 rows 77 more answered in the writer's language and
# 3 labelled English then answered in the language mixed in; langid evaluation 97.82 -> 97.86 %,
# 1-2 words and Creole unchanged; from 5 words, English there fell 94.5 -> 93.5 %).
MIXED_LEANS = 0.5
MIXED_WORDS = 8
ROMANIZED_WORDS = 3  # an English text that half reads as romanized gets the offer from here
ROMANIZED_LABEL = "rom:"
OTHER_LABEL = "other"


@dataclass(frozen=True)
class Detection:
    """A detector verdict. lang is None when unsure or ambiguous."""

    lang: str | None
    confidence: float
    ambiguous: bool
    # "script" | "romanized" | "mixed" | "latin" | "unsupported" | "lexicon" | "model" | "none"
    layer: str
    candidates: tuple[str, ...] = ()
    romanized: bool = False  # lang written in Latin letters (Banglish, Roman Urdu, Arabizi...)
    variant: str | None = None  # a locale of lang's written form: "zh-Hant" (Traditional)
    unsupported: bool = False  # a language the hotline does not serve (candidates: which)
    # Reads the text with the intent model, on demand: the engine asks only when no word list
    # matched, so most texts never pay for it.
    read_intent: Callable[[], tuple[tuple[str, float], ...]] | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def intent(self) -> tuple[tuple[str, float], ...]:
        """The intent model's reading: (label, probability), best first (see intent.py)."""
        return self.read_intent() if self.read_intent is not None else ()


NOTHING = Detection(None, 0.0, True, "none")
UNSERVED = Detection(None, 0.0, True, "unsupported", unsupported=True)  # a language not served


class Detector:
    """Detects which hotline language a message is in.

    lexicon: language code -> words/short phrases, merged on top of DEFAULT_LEXICON.
    threshold: minimum confidence for an answer; below it lang is None and ambiguous is True.
    model: the statistical layer; by default the process-wide NgramModel, loaded by the first
    Detector created (later ones share it).
    """

    def __init__(
        self,
        lexicon: Mapping[str, Iterable[str]] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        *,
        model: LanguageModel | None = None,
        intent: IntentModel | None = None,
    ) -> None:
        self.threshold = threshold
        self.lexicon = Lexicon(DEFAULT_LEXICON, lexicon)
        self.model = model or shared_model()
        self.intent_model = intent if intent is not None else shared_intent_model()
        self.latin_model = shared_intent_model(LATIN_MODEL_FILE)

    def set_lexicon(self, lexicon: Mapping[str, Iterable[str]] | None) -> None:
        """Replace the caller's lexicon (the default one stays underneath)."""
        self.lexicon = Lexicon(DEFAULT_LEXICON, lexicon)  # swapped whole: safe across threads

    def detect(self, text: str) -> Detection:
        """The language of an inbound message (first 300 characters are read), with the intent
        model's reading of it."""
        # Made at most once, and only when a model reads the text: a reply like "1" in a
        # conversation never pays for it.
        made: list[Features] = []

        def features() -> Features:
            if not made:
                made.append(text_features(text))
            return made[0]

        found = self.language(text, features)
        if self.intent_model is None or not text:
            return found
        model = self.intent_model
        return replaced(found, read_intent=lambda: model.read(text, features()))

    def language(self, text: str, features: Callable[[], Features] | None = None) -> Detection:
        """The language alone (`features` gives text_features(text) when the caller shares them)."""
        if not text:
            return NOTHING
        head = text[:HEAD_CHARS]
        verdict = classify_script(head)
        if verdict.lang is not None:
            found = self._decide(verdict.lang, verdict.confidence, "script")
            if found.lang == "zh":
                return replaced(found, variant=chinese_variant(head))
            return found
        if verdict.script == "other":  # Ukrainian, Kazakh, Persian, Pashto...: not served
            return UNSERVED
        if verdict.script == "kana":  # Japanese: not served, let the bot offer its menu
            return Detection(None, 0.0, True, "script", ("zh",))
        if verdict.script not in ("latin", "arabic"):
            return NOTHING
        reading: tuple[tuple[str, float], ...] = ()
        words = len(head.split())
        if verdict.script == "latin":
            if not head.isascii() and other_script(head):  # Devanagari, Gurmukhi, Thai...
                return UNSERVED
            roman = romanized.classify(head)
            if roman is not None:
                kind, lang = roman
                if kind == "romanized":
                    return Detection(lang, 0.9, False, "romanized", romanized=True)
                return Detection(None, 0.0, True, "unsupported", (lang,), unsupported=True)
            reading = self._latin_reading(head, words, features)
            other = self._other_latin(reading, words)
            if other is not None:
                return other
        cleaned = model_text(head)
        if not cleaned:
            return NOTHING

        candidates: tuple[str, ...] = ()
        all_known = False
        if cleaned.count(" ") < MAX_PHRASE_WORDS:  # longer texts cannot be lexicon entries
            candidates, all_known = self.lexicon.match(lexicon_key(cleaned, cleaned=True))
        if candidates:
            if len(candidates) == 1:
                return self._decide(candidates[0], 1.0 if all_known else 0.9, "lexicon")
            if all_known:  # "ok", "menu": several languages use exactly these words
                return Detection(None, 1.0 / len(candidates), True, "lexicon", candidates)
            # A known but shared word next to an unknown one ("alo lo"): the model picks among
            # the languages the known word allows.
            return self._model(cleaned, verdict.script, candidates)
        found = self._model(cleaned, verdict.script, None)
        if verdict.script == "latin" and found.lang in LATIN_LANGUAGES:
            return self._second_opinion(found, reading, cleaned, head, words)
        return found

    def _second_opinion(
        self,
        found: Detection,
        reading: tuple[tuple[str, float], ...],
        cleaned: str,
        head: str,
        words: int,
    ) -> Detection:
        """py3langid's verdict on a Latin-letter text of `words` words, which can only name a
        hotline language, checked against the Latin-letters model's reading (best first; () for
        one word)."""
        best, p = reading[0] if reading else (None, 0.0)
        if (
            best is not None
            and (best == OTHER_LABEL or p < LATIN_DOUBT)
            and self.model.unserved_latin(cleaned) is not None
        ):
            # The model does not place it in a hotline language, and py3langid, given the
            # common unserved ones too, is sure of one of those: the language menu (German is
            # not answered in Polish, nor Catalan in Spanish).
            return UNSERVED
        if (
            best in LATIN_LANGUAGES
            and best != found.lang
            and (
                (p >= LATIN_LEANS and found.confidence < LANGID_UNSURE)
                or (found.lang == "en" and p >= MIXED_LEANS and words >= MIXED_WORDS)
            )
        ):
            # py3langid is unsure and the model, trained on texts as people text them, leans
            # to another hotline language (Spanglish, Creole with English words); or py3langid
            # says English of a longer text the model half reads as one of them.
            return Detection(best, p, False, "latin")
        if found.lang == "en":
            # Mostly English with words in a script the hotline reads (Bengali, Urdu, Korean...):
            # answered in English with the offer of that language, as a romanized text is.
            mixed = mixed_in(head)
            if mixed is not None:
                return Detection(mixed, found.confidence, False, "mixed", romanized=True)
            if words < ROMANIZED_WORDS:
                return found
        # A text the model half believes is romanized Russian or Bengali is answered in English
        # with the offer of that language, not in Polish or Creole; so is Roman Urdu or Banglish
        # full of English words that py3langid calls English ("court ki date agle mahine, jaun
        # ya nahi?"), from ROMANIZED_WORDS words (session 32: on 32,913 rows 21 more got the
        # offer, no other answer moved; from 2 words the langid evaluation's 1-2 words fell
        # 94.3 -> 94.2 %).
        weak = _romanized_lean(reading)
        if weak is not None:
            return Detection(weak, found.confidence, False, "romanized", romanized=True)
        return found

    def _latin_reading(
        self, head: str, words: int, features: Callable[[], Features] | None
    ) -> tuple[tuple[str, float], ...]:
        """The Latin-letters model's reading of a text of two words or more, else ()."""
        if self.latin_model is None or words < 2:
            return ()  # one word says too little: "tunelem" is Polish slang, not a stranger
        return self.latin_model.read(head, features() if features else None)

    def _other_latin(self, reading: tuple[tuple[str, float], ...], words: int) -> Detection | None:
        """A romanized language or a language the hotline does not serve, or a Latin-script
        hotline language, when the Latin-letters model is sure of it; None leaves the text to
        the lexicon and py3langid."""
        if not reading:
            return None
        best, p_best = reading[0]
        if best in LATIN_LANGUAGES and p_best >= LATIN_HOTLINE_SURE and words >= 3:
            return Detection(best, p_best, False, "latin")
        outside = [
            (label, p)
            for label, p in reading
            if label == OTHER_LABEL or label.startswith(ROMANIZED_LABEL)
        ]
        mass = sum(p for _, p in outside)
        if mass < LATIN_SURE:
            return None
        label, _ = outside[0]  # the likeliest of them (readings come best first)
        if label == OTHER_LABEL:
            return UNSERVED
        return Detection(
            label.removeprefix(ROMANIZED_LABEL), mass, False, "romanized", romanized=True
        )

    def _model(self, cleaned: str, script: str, allowed: tuple[str, ...] | None) -> Detection:
        if script == "arabic":
            ranked = self.model.rank_arabic(cleaned)
        else:
            subset = None
            if allowed is not None:
                subset = [lang for lang in allowed if lang in LATIN_LANGUAGES] or None
            ranked = self.model.rank(cleaned, subset)
        if not ranked:
            return NOTHING
        best, p = ranked[0]
        if p < self.threshold:
            close = tuple(lang for lang, q in ranked if q >= p * CANDIDATE_RATIO)
            return Detection(None, p, True, "model", close)
        return Detection(best, p, False, "model")

    def _decide(self, lang: str, confidence: float, layer: str) -> Detection:
        if confidence < self.threshold:
            return Detection(None, confidence, True, layer, (lang,))
        return Detection(lang, confidence, False, layer)


def _romanized_lean(reading: tuple[tuple[str, float], ...]) -> str | None:
    """The romanized language the Latin-letters model leans to, with LATIN_LEAN of its
    probability on it, or None."""
    return next(
        (label.removeprefix(ROMANIZED_LABEL) for label, p in reading
         if label.startswith(ROMANIZED_LABEL) and p >= LATIN_LEAN),
        None,
    )  # fmt: skip


_DETECTOR: Detector | None = None
_LOCK = threading.Lock()


def get_detector(lexicon: Mapping[str, Iterable[str]] | None = None) -> Detector:
    """The process-wide Detector; the first call loads the model (call before forking).

    A later call with a lexicon replaces the caller lexicon of the existing detector.
    """
    global _DETECTOR
    with _LOCK:
        if _DETECTOR is None:
            _DETECTOR = Detector(lexicon)
        elif lexicon is not None:
            _DETECTOR.set_lexicon(lexicon)
        return _DETECTOR
