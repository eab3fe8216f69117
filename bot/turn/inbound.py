"""Twilio's inbound form, checked and typed at the door: channel, address, text, media."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.engine.sms import MAX_MESSAGE

MAX_TEXT = MAX_MESSAGE  # anything longer than Twilio allows is cut here


class BadInbound(ValueError):
    """The form lacks what a message needs; the reason never includes the form's values."""


@dataclass(frozen=True)
class InboundMessage:
    channel: Literal["sms", "whatsapp", "chat"]
    address: str  # the full Twilio address, e.g. "whatsapp:+15551234567": never stored or logged
    text: str
    media: int
    sid: str
    to: str
    media_types: tuple[str, ...] = ()  # MediaContentType0..: audio/ogg, image/jpeg, text/vcard
    location: bool = False  # a WhatsApp location pin (Latitude/Longitude; never kept)
    forwarded: bool = False  # WhatsApp's Forwarded or FrequentlyForwarded mark

    def __repr__(self) -> str:  # keep the address and text out of any traceback or log
        return (
            f"InboundMessage(channel={self.channel!r}, media={self.media}, chars={len(self.text)})"
        )


def _clean(text: str) -> str:
    # Control characters other than line breaks and tabs are noise from broken clients.
    cleaned = "".join(c for c in text if c in "\n\t" or c >= " " and c != "\x7f")
    return cleaned.strip()[:MAX_TEXT]


def parse(form: Mapping[str, str]) -> InboundMessage:
    """Turn a Twilio webhook form (SMS or WhatsApp) into an InboundMessage."""
    address = (form.get("From") or "").strip()
    if not address:
        raise BadInbound("missing From")
    sid = (form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
    if not sid:
        raise BadInbound("missing MessageSid")
    try:
        media = max(0, int(form.get("NumMedia") or 0))
    except ValueError:
        raise BadInbound("NumMedia is not a number") from None
    channel: Literal["sms", "whatsapp"] = (
        "whatsapp" if address.lower().startswith("whatsapp:") else "sms"
    )
    types = tuple(
        (form.get(f"MediaContentType{i}") or "").strip().lower() for i in range(min(media, 10))
    )
    # A tapped quick-reply button sends its text as Body; some senders leave Body empty and
    # put the button's words in ButtonText or ButtonPayload only.
    body = form.get("Body") or form.get("ButtonText") or form.get("ButtonPayload") or ""
    return InboundMessage(
        channel,
        address,
        _clean(body),
        media,
        sid,
        (form.get("To") or "").strip(),
        media_types=types,
        location=bool(form.get("Latitude") and form.get("Longitude")),
        forwarded=_true(form.get("Forwarded")) or _true(form.get("FrequentlyForwarded")),
    )


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"
