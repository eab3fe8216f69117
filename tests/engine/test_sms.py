"""SMS encoding: GSM-7 exactly when every character is in GSM 03.38's two sets."""

from __future__ import annotations

import random

from bot.engine import sms

SETS = frozenset(sms._BASIC | sms._EXTENDED)


def test_every_character_of_the_basic_plane_is_gsm7_exactly_when_the_sets_hold_it() -> None:
    wrong = [c for c in map(chr, range(0x10000)) if sms.is_gsm7(c) != (c in SETS)]
    assert wrong == []
    assert not sms.is_gsm7("😀") and not sms.is_gsm7("`") and not sms.is_gsm7("\t")


def test_a_text_is_gsm7_exactly_when_each_of_its_characters_is() -> None:
    rng = random.Random(7)
    pool = [chr(i) for i in range(128)] + list("éàÑ€£¤жçê中😀")
    for _ in range(5000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 12)))
        assert sms.is_gsm7(text) == SETS.issuperset(text), repr(text)
