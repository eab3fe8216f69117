"""Outbound messages through the real Twilio client, with a base URL that can point elsewhere."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import redis
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.config import Settings
from bot.escalation import local_outbox

TWILIO_API = "https://api.twilio.com"
# Twilio errors that no retry can fix: unsubscribed recipient, region not allowed, outside the
# WhatsApp window, invalid number, unreachable number, not a mobile number. Any other 4xx but
# 429 (too many requests) is final too: the same request would be refused again.
FINAL_ERRORS = {21610, 21408, 63016, 21211, 21612, 21614}
STATUS_PATH = "/twilio/status"
log = logging.getLogger(__name__)


class TwilioError(RuntimeError):
    """A Twilio refusal worth a retry, with its code only: Twilio's own message can quote the
    number it refused, and RQ keeps a failed job's exception."""

    def __init__(self, status: int | None, code: int | None) -> None:
        super().__init__(f"twilio refused the request: HTTP {status}, error {code}")
        self.status, self.code = status, code


def is_final(exc: TwilioRestException) -> bool:
    status = exc.status or 0
    return exc.code in FINAL_ERRORS or (400 <= status < 500 and status != 429)


class _Redirecting(TwilioHttpClient):
    """Sends what the Twilio client builds to another base URL (the local Twilio-like server)."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=10, max_retries=0)  # RQ retries, with backoff, not urllib3
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if self.base_url and url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def client(settings: Settings) -> Client:
    account = settings.twilio_account_sid or "AC" + "0" * 32
    return Client(
        account,
        settings.twilio_auth_token,
        http_client=_Redirecting(settings.twilio_api_url),
    )


NOT_FINAL = 20009  # "Cannot delete this resource before it is complete": try again later


def delete(settings: Settings, sid: str) -> None:
    """Delete Twilio's record of a message (and its media); raises to be retried if too early."""
    try:
        client(settings).messages(sid).delete()
    except TwilioRestException as exc:
        if exc.status == 404:
            return  # already gone
        raise TwilioError(exc.status, exc.code) from None


@dataclass(frozen=True)
class Sent:
    """What became of one send: Twilio's sid, or the error code it refused it with for good."""

    sid: str = ""
    error: int | None = None


def status_callback(settings: Settings) -> str | None:
    """Where Twilio reports each message's status (signed like every webhook), when the hotline
    has a public URL."""
    base = settings.public_url.rstrip("/")
    return base + STATUS_PATH if base else None


def send(
    settings: Settings,
    r: redis.Redis,
    to: str,
    from_: str,
    body: str | None = None,
    content_sid: str | None = None,
    content_variables: str | None = None,
) -> Sent:
    """Send one message with a status callback; in development without a Twilio account, into
    the local outbox instead. Raises on errors worth a retry."""
    if settings.local_outbox:
        return Sent(local_outbox.put(settings, r, to, body, content_sid))
    options: dict[str, Any] = {"to": to, "from_": from_}
    if content_sid:
        options.update(content_sid=content_sid, content_variables=content_variables)
    else:
        options["body"] = body
    callback = status_callback(settings)
    if callback:
        options["status_callback"] = callback
    if settings.twilio_redaction:  # Twilio keeps neither the text nor the full number
        options.update(content_retention="discard", address_retention="obfuscate")
    try:
        sid = client(settings).messages.create(**options).sid
    except TwilioRestException as exc:
        if is_final(exc):
            log.warning("twilio refused a message for good (error %s)", exc.code)
            return Sent(error=exc.code)
        # Anything else is worth a retry (RQ schedules it); `from None` keeps Twilio's text,
        # which can quote the number, out of the traceback RQ stores.
        raise TwilioError(exc.status, exc.code) from None
    return Sent(sid or "")
