"""Alphabet layer: languages that the writing system alone identifies."""

import re
from bisect import bisect_right
from typing import NamedTuple

# Letter ranges per script (letters only: digits and punctuation of these blocks are excluded).
# fmt: off
_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "cyrillic": ((0x0400, 0x052F), (0x1C80, 0x1C8F), (0x2DE0, 0x2DFF), (0xA640, 0xA69F)),
    "arabic": (
        (0x0620, 0x064A), (0x066E, 0x06D3), (0x06D5, 0x06D5), (0x06EE, 0x06EF),
        (0x06FA, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
        (0xFE70, 0xFEFC),
    ),
    "bengali": ((0x0980, 0x09E5), (0x09F0, 0x09FF)),
    "hangul": (
        (0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF),
        (0xD7B0, 0xD7FF),
    ),
    "han": (
        (0x3005, 0x3005), (0x3007, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
        (0xF900, 0xFAFF), (0x20000, 0x3134F),
    ),
    # Kana, without the middle dot and long-vowel mark (U+30FB/U+30FC) Chinese text borrows.
    "kana": (
        (0x3041, 0x3096), (0x309D, 0x309F), (0x30A1, 0x30FA), (0x30FD, 0x30FF),
        (0x31F0, 0x31FF),
    ),
}
# fmt: on


def _char_class(names: list[str]) -> re.Pattern[str]:
    parts = (f"{chr(a)}-{chr(b)}" for name in names for a, b in _RANGES[name])
    return re.compile("[" + "".join(parts) + "]")


_SCRIPT_RX = {name: _char_class([name]) for name in _RANGES}
_NON_LATIN = _char_class(list(_RANGES))
# Per script: "a letter of any other non-Latin script", which nearly no message has.
_OTHER_RX = {name: _char_class([n for n in _RANGES if n != name]) for name in _RANGES}
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")
_URL_LIKE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+", re.IGNORECASE)
# Block starts, to name the script of a letter _NON_LATIN matched by bisection.
_STARTS = sorted((a, name) for name, ranges in _RANGES.items() for a, _ in ranges)
_START_CODES = [a for a, _ in _STARTS]

# Writers of Korean, Chinese, Urdu... drop English words, names and acronyms into their messages
# ("ICE", "Read more", a brand); a Spanish or English writer almost never types Hangul or Arabic.
# So a non-Latin script decides once it holds this share of the (weighted) letters.
MIN_SHARE = 0.25
# A Han character or Hangul block stands for a morpheme or syllable, worth a few Latin letters
# when a message mixes scripts ("ICE 在门口").
_WEIGHTS = {"han": 2, "hangul": 2}

# Arabic vs Urdu. Letters Urdu has and Arabic never uses (retroflexes, noon ghunna, bari ye,
# heh goal): one of them is decisive.
URDU_ONLY = frozenset("ٹڈڑںےۓہۂۃ")
# Letters Arabic spells with and Urdu does not (Arabic kaf/yeh, teh marbuta, alef maqsura, hamza
# seats on alef). Urdu writers sometimes type Arabic yeh, so these need a majority to decide.
ARABIC_ONLY = frozenset("ةيكىأإ")
# Letters of the Persian alphabet (ک ی گ چ پ ژ, and ھ, which some Arabic fonts use for heh) are
# shared by Urdu and Persian-keyboard Arabic: suggestive, not decisive, so the model weighs them.

# Cyrillic letters Russian never uses: Ukrainian і ї є ґ, Belarusian ў, Kazakh, Kyrgyz, Tajik
# and Uzbek ә ғ қ ң ө ұ ү һ ӣ ӯ ҳ ҷ, Serbian and Macedonian ј љ њ ћ ђ џ ѓ ќ ѕ. Two of them, and
# OTHER_CYRILLIC_SHARE of the Cyrillic letters, and the text is not Russian. One is not enough:
# a Russian text with one Ukrainian word is still best answered in Russian, which most
# Ukrainian, Kyrgyz or Uzbek New Yorkers read, where "not served" would answer in English.
NOT_RUSSIAN = frozenset("іїєґўәғқңөұүһӣӯҳҷјљњћђџѓќѕІЇЄҐЎӘҒҚҢӨҰҮҺӢӮҲҶЈЉЊЋЂЏЃЌЅ")
OTHER_CYRILLIC_SHARE = 0.015
# Pashto's own letters, and Persian's: پ چ ژ گ with Persian heh (ه) and none of the letters only
# Urdu or only Arabic write. A Persian, Dari or Pashto text is not Urdu or Arabic.
PASHTO_ONLY = frozenset("ټډړښږځڅۍېڼګ")
PERSIAN_LETTERS = frozenset("پچژگ")
PERSIAN_HEH = "ه"

# Letters of one non-Latin script that make a mostly Latin text a mixed one (a word or two).
MIN_MIXED_LETTERS = 4

_LANG_OF_SCRIPT = {"hangul": "ko", "bengali": "bn", "cyrillic": "ru", "han": "zh"}


class ScriptVerdict(NamedTuple):
    """What the alphabet says: a language, a script to hand on, or nothing to go on."""

    script: str  # "latin" | "arabic" | "han" | "hangul" | "bengali" | "cyrillic" | "kana" | "none"
    lang: str | None = None  # set when the alphabet alone decides
    confidence: float = 0.0


NONE = ScriptVerdict("none")
OTHER = ScriptVerdict("other")  # a script the hotline serves, in a language it does not
LATIN = ScriptVerdict("latin")
ARABIC = ScriptVerdict("arabic")
JAPANESE = ScriptVerdict("kana")
_PURE = {script: ScriptVerdict(script, lang, 1.0) for script, lang in _LANG_OF_SCRIPT.items()}


def arabic_or_urdu(text: str) -> str | None:
    """Return "ur" or "ar" when distinctive letters settle it, else None (the model decides)."""
    urdu = sum(text.count(ch) for ch in URDU_ONLY)
    arabic = sum(text.count(ch) for ch in ARABIC_ONLY)
    if urdu >= 2 or (urdu and urdu >= arabic):  # Urdu typed on an Arabic keyboard keeps ے, ڑ
        return "ur"
    if arabic > urdu:
        return "ar"
    return None


def not_hotline_language(script: str, text: str) -> bool:
    """A Cyrillic text that is not Russian, or an Arabic-script text in Persian or Pashto."""
    if script == "cyrillic":
        other = sum(ch in NOT_RUSSIAN for ch in text)
        return other >= 2 and other >= OTHER_CYRILLIC_SHARE * len(
            _SCRIPT_RX["cyrillic"].findall(text)
        )
    if script == "arabic":
        if any(ch in PASHTO_ONLY for ch in text):
            return True
        persian = PERSIAN_HEH in text and any(ch in PERSIAN_LETTERS for ch in text)
        return persian and not any(ch in URDU_ONLY or ch in ARABIC_ONLY for ch in text)
    return False


def mixed_in(text: str) -> str | None:
    """The hotline language of a non-Latin script mixed into a mostly Latin text ("ICE at my
    door, আমার ভাই ভেতরে"), when it holds MIN_MIXED_LETTERS letters and names one language."""
    if text.isascii():
        return None
    counts = {name: len(rx.findall(text)) for name, rx in _SCRIPT_RX.items()}
    script = max(counts, key=counts.__getitem__)
    if counts[script] < MIN_MIXED_LETTERS or not_hotline_language(script, text):
        return None
    return arabic_or_urdu(text) if script == "arabic" else _LANG_OF_SCRIPT.get(script)


def _script_of(letter: str) -> str:
    return _STARTS[bisect_right(_START_CODES, ord(letter)) - 1][1]


def _latin_wins(non_latin: int, latin: int) -> bool:
    return non_latin < MIN_SHARE * (non_latin + latin)


def classify_script(text: str) -> ScriptVerdict:
    """Decide by alphabet where it can; otherwise name the script to hand on."""
    if text.isascii():  # the common case: skip the Unicode scans
        return LATIN if any(ch.isalpha() for ch in text) else NONE
    found = _NON_LATIN.search(text)
    if found is None:  # accented Latin (é, ñ, ł, ò)
        return LATIN if any(ch.isalpha() for ch in text) else NONE
    if "@" in text or "://" in text or "www." in text:  # a link in a Korean message isn't English
        text = _URL_LIKE.sub(" ", text)
    first = _script_of(found.group())
    if _OTHER_RX[first].search(text):  # mixed non-Latin scripts (Hanja in Korean, kana)
        counts = {name: len(rx.findall(text)) for name, rx in _SCRIPT_RX.items()}
    else:
        counts = {first: len(_SCRIPT_RX[first].findall(text))}
    raw = sum(counts.values())
    weighted = {name: n * _WEIGHTS.get(name, 1) for name, n in counts.items() if n}
    total = sum(weighted.values())
    if not weighted:  # every non-Latin letter sat inside something link-like that was removed
        return LATIN if any(ch.isalpha() for ch in text) else NONE
    # Latin wins when the non-Latin letters are under MIN_SHARE of all letters. The Latin ones
    # are only counted when the text has room for that many (most non-Latin texts do not).
    if _latin_wins(total, len(text) - raw) and _latin_wins(total, len(_LATIN.findall(text))):
        return LATIN
    if "hangul" in weighted and "han" in weighted:  # Korean may quote Hanja; Chinese has no Hangul
        weighted["hangul"] += weighted.pop("han")
    if len(weighted) == 1:
        (script,) = weighted
        if script in _PURE:
            return OTHER if not_hotline_language(script, text) else _PURE[script]
    if "kana" in weighted and weighted["kana"] * 10 >= weighted.get("han", 0):
        # Japanese mixes kana into its Han text; a stray kana in Chinese ("の" in a shop name)
        # does not make it Japanese. Japanese is not served: answer "unsure" so the bot asks.
        return JAPANESE
    script = max(weighted, key=weighted.__getitem__)
    if not_hotline_language(script, text):
        return OTHER
    if script == "arabic":
        lang = arabic_or_urdu(text)
        return ScriptVerdict(script, lang, 0.95) if lang else ARABIC
    return ScriptVerdict(script, _LANG_OF_SCRIPT[script], weighted[script] / total)
