"""Pseudonyms instead of addresses, and a log filter that keeps numbers and ids out of logs."""

from __future__ import annotations

import hmac
import logging
import re

# Phone numbers in any common spelling, WhatsApp ids, and Twilio's own address prefixes: an
# international number (+ then 8-15 digits, spaced or not), a North American one ((718)
# 555-0123, 718.555.0123) or a bare run of 10-15 digits; never digits inside a word or after a
# dot, so job ids, latencies (0:00:01.234567) and status codes ("200 1234") stay readable.
_PHONE = re.compile(
    r"(?<![\w.+])(?:(?:whatsapp:|messenger:)?\+\d[\d\s().\-]{6,18}\d"
    r"|\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]\d{4}|\d{10,15})(?![\w.]\d|\w)"
)
_WHATSAPP = re.compile(r"whatsapp:\S+", re.IGNORECASE)


def pseudonym(secret: bytes, address: str) -> str:
    """The only name a person has here: HMAC-SHA256 of their channel address."""
    return hmac.digest(secret, address.strip().encode(), "sha256").hex()


def message_key(secret: bytes, sid: str) -> str:
    """The name a MessageSid is remembered under (Twilio's retries are answered the same)."""
    return hmac.digest(secret, sid.encode(), "sha256").hex()[:32]


def short(pseudo: str) -> str:
    """What a log line may carry of a pseudonym: its first characters."""
    return pseudo[:6]


_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?")


def _number(match: re.Match[str]) -> str:
    # An IPv4 address with its port reads like a dotted number; it is not a person's.
    return match[0] if _IPV4.fullmatch(match[0]) else "[number]"


# Bidirectional controls (embeddings, overrides, isolates) make relayed text display in
# another order than it was written; staff must read what the person sent.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_bidi_controls(text: str) -> str:
    return _BIDI.sub("", text)


def redact(text: str) -> str:
    return _PHONE.sub(_number, _WHATSAPP.sub("[whatsapp]", text))


class RedactFilter(logging.Filter):
    """Rewrites every record so no phone number or WhatsApp id reaches a log sink."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def install_log_filter(*loggers: logging.Logger) -> None:
    """Attach the filter to the handlers of the given loggers (the root logger by default)."""
    targets = loggers or (logging.getLogger(),)
    for logger in targets:
        for handler in logger.handlers:
            if not any(isinstance(f, RedactFilter) for f in handler.filters):
                handler.addFilter(RedactFilter())
