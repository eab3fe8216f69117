"""Traditional or Simplified Chinese: which characters a Han text uses.

The table (bot/language/data/zh_variants.json) comes from OpenCC's conversion, built by
tools/build_zh_hant.py; Cantonese colloquial characters (喺, 唔, 佢哋...) count as Traditional,
as nearly everyone who writes Cantonese writes Traditional characters.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

VARIANTS = Path(__file__).parent / "data" / "zh_variants.json"
TRADITIONAL = "zh-Hant"


@lru_cache(maxsize=1)
def _table() -> tuple[frozenset[str], frozenset[str]]:
    if not VARIANTS.exists():
        return frozenset(), frozenset()
    data = json.loads(VARIANTS.read_text(encoding="utf-8"))
    return frozenset(data["simplified"]), frozenset(data["traditional"])


def chinese_variant(text: str) -> str | None:
    """ "zh-Hant" when the text uses more Traditional-only than Simplified-only characters."""
    simplified, traditional = _table()
    simp = trad = 0
    for char in text:
        if char in traditional:
            trad += 1
        elif char in simplified:
            simp += 1
    return TRADITIONAL if trad > simp else None
