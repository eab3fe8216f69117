"""The engine's Inbound built from a text and the detector's verdict: one recipe for the
webhook, the transcript tests and `hotline flows try`, so all three take the same path."""

from __future__ import annotations

from typing import Literal

from bot.engine import Inbound
from bot.language import Detection

Channel = Literal["sms", "whatsapp", "chat"]


def inbound(
    text: str,
    detection: Detection | None,
    channel: Channel = "sms",
    *,
    media: int = 0,
    relay: bool = False,
    forwarded: bool = False,
    location: bool = False,
) -> Inbound:
    """What the engine sees of one message: its text, channel, media, language guess and the
    intent model's reading."""
    return Inbound(
        text=text,
        channel=channel,
        media=media,
        guess=(detection.variant or detection.lang) if detection else None,
        guess_sure=bool(detection and detection.lang and not detection.ambiguous),
        relay=relay,
        intent=(detection.read_intent or ()) if detection else (),
        forwarded=forwarded,
        location=location,
        romanized=bool(detection and detection.romanized),
        unsupported=bool(detection and detection.unsupported),
    )
