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


# A text's length as SMS counts it: (all GSM-7?, GSM-7 septets, UTF-16 code units). Lengths
# add up over joined texts (GSM-7 only if every part is), so pages can be packed from the
# lengths of their pieces without measuring each candidate page again.
Size = tuple[bool, int, int]
EMPTY: Size = (True, 0, 0)


def size(text: str) -> Size:
    if is_gsm7(text):  # an extension character takes two septets; every one is one UTF-16 unit
        return True, len(text) + sum(text.count(c) for c in _EXTENDED if c in text), len(text)
    return False, 0, len(text.encode("utf-16-le")) // 2


def joined(first: Size, second: Size, glue: int = 0) -> Size:
    """The length of two texts joined by `glue` GSM-7 characters (spaces, new lines)."""
    return first[0] and second[0], first[1] + glue + second[1], first[2] + glue + second[2]


def segments_of(gsm7: bool, septets: int, units: int) -> int:
    """Septets for GSM-7, UTF-16 code units for UCS-2 (an emoji counts two), in segments."""
    n, single, multi = (septets, 160, 153) if gsm7 else (units, 70, 67)
    if n <= single:
        return 1 if n else 0
    return -(-n // multi)


def segments(text: str) -> int:
    return segments_of(*size(text))


def encoding(text: str) -> str:
    return "GSM-7" if is_gsm7(text) else "UCS-2"
