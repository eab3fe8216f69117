"""Twilio's inbound form, checked for shape before anything reads it.

Twilio signs the URL followed by each parameter's name and value, sorted and joined without
separators, so a signed request can be reshaped: `MessageSid` may absorb `NumMedia0`, `From`
may absorb `FromCity...`, and the signature still holds. Strict formats refuse every such
variant. A problem names the field, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")
ACCOUNT_SID = re.compile(r"AC[0-9a-f]{32}")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# WhatsApp's username-based user ids (business-scoped): a country code, a dot, digits.
WHATSAPP_USER = re.compile(r"[A-Z]{2}\.[0-9]{6,40}")
SID_FIELDS = ("MessageSid", "SmsSid", "SmsMessageSid")


def message_sid(form: Mapping[str, str]) -> str | None:
    """The message's sid when it is well formed (only then may it be given to Twilio's API)."""
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    return sid if MESSAGE_SID.fullmatch(sid) else None


def address_ok(value: str) -> bool:
    if value.startswith("whatsapp:"):
        value = value.removeprefix("whatsapp:")
        return bool(E164.fullmatch(value) or WHATSAPP_USER.fullmatch(value))
    return bool(E164.fullmatch(value))


def problem(form: Mapping[str, str]) -> str | None:
    """What is malformed in an inbound message's form (a field name), or None."""
    sids = [form[name] for name in SID_FIELDS if name in form]
    if not sids or not all(MESSAGE_SID.fullmatch(sid) for sid in sids):
        return "malformed MessageSid"
    if len(set(sids)) > 1:
        return "MessageSid and SmsSid differ"
    if not ACCOUNT_SID.fullmatch(form.get("AccountSid", "")):
        return "malformed AccountSid"
    for name in ("From", "To"):
        if not address_ok(form.get(name, "")):
            return f"malformed {name}"
    return None
