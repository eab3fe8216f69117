"""SMS encoding and segment counts: GSM-7 when every character allows it, else UCS-2."""

from __future__ import annotations

# GSM 03.38 basic set, and the extension set whose characters take two septets.
_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENDED = set("^{}\\[~]|€\f")
BUDGET = 4  # segments per reply the hotline allows itself before paging
MAX_MESSAGE = 1600  # characters in one message body: Twilio's limit, in and out


_GSM7 = frozenset(_BASIC | _EXTENDED)
_GSM7_ASCII = bytes(sorted(ord(c) for c in _GSM7 if c.isascii()))  # all but "`" and controls


def is_gsm7(text: str) -> bool:
    if text.isascii():  # most replies: deleting the GSM-7 bytes in C leaves nothing
        return not text.encode().translate(None, _GSM7_ASCII)
    return _GSM7.issuperset(text)


def segments(text: str) -> int:
    """Septets for GSM-7, UTF-16 code units for UCS-2 (an emoji counts two), in segments."""
    if is_gsm7(text):
        n = len(text) + sum(text.count(c) for c in _EXTENDED if c in text)
        single, multi = 160, 153
    else:
        n = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if n <= single:
        return 1 if n else 0
    return -(-n // multi)


def encoding(text: str) -> str:
    return "GSM-7" if is_gsm7(text) else "UCS-2"
