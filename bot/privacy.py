"""Pseudonyms instead of addresses, and a log filter that keeps numbers and ids out of logs."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re

# Phone numbers in any common spelling, WhatsApp ids, and Twilio's own address prefixes.
_PHONE = re.compile(r"(?:whatsapp:|messenger:)?\+?\d[\d\s().\-]{6,}\d")
_WHATSAPP = re.compile(r"whatsapp:\S+", re.IGNORECASE)


def pseudonym(secret: bytes, address: str) -> str:
    """The only name a person has here: HMAC-SHA256 of their channel address."""
    return hmac.new(secret, address.strip().encode(), hashlib.sha256).hexdigest()


def message_key(secret: bytes, sid: str) -> str:
    """The name a MessageSid is remembered under (Twilio's retries are answered the same)."""
    return hmac.new(secret, sid.encode(), hashlib.sha256).hexdigest()[:32]


def short(pseudo: str) -> str:
    """What a log line may carry of a pseudonym: its first characters."""
    return pseudo[:6]


_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?")


def _number(match: re.Match[str]) -> str:
    # An IPv4 address with its port reads like a dotted number; it is not a person's.
    return match[0] if _IPV4.fullmatch(match[0]) else "[number]"


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
