"""Outbound messages through the real Twilio client, with a base URL that can point elsewhere."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"
DELETE_AFTER = timedelta(minutes=2)
# Twilio errors that no retry can fix: unsubscribed recipient, region not allowed, outside the
# WhatsApp window, invalid number.
FINAL_ERRORS = {21610, 21408, 63016, 21211, 21614}
log = logging.getLogger(__name__)


class _Redirecting(TwilioHttpClient):
    """Sends what the Twilio client builds to another base URL (the local Twilio-like server)."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=10, max_retries=0)  # RQ retries, with backoff, not urllib3
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if self.base_url and url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def client(config: dict[str, Any]) -> Client:
    account = config["TWILIO_ACCOUNT_SID"] or "AC" + "0" * 32
    return Client(
        account,
        config["TWILIO_AUTH_TOKEN"],
        http_client=_Redirecting(config["HOTLINE_TWILIO_API_URL"]),
    )


NOT_FINAL = 20009  # "Cannot delete this resource before it is complete": try again later


def delete(config: dict[str, Any], sid: str) -> None:
    """Delete Twilio's record of a message (and its media); raises to be retried if too early."""
    try:
        client(config).messages(sid).delete()
    except TwilioRestException as exc:
        if exc.status == 404:
            return  # already gone
        raise


def send(
    config: dict[str, Any],
    to: str,
    from_: str,
    body: str | None = None,
    content_sid: str | None = None,
    content_variables: str | None = None,
) -> str | None:
    """Send one message; returns its sid, or None when Twilio refused it for good."""
    options: dict[str, Any] = {"to": to, "from_": from_}
    if content_sid:
        options.update(content_sid=content_sid, content_variables=content_variables)
    else:
        options["body"] = body
    try:
        sid = client(config).messages.create(**options).sid
    except TwilioRestException as exc:
        if exc.code in FINAL_ERRORS:
            log.warning("twilio refused a message for good (error %s)", exc.code)
            return None
        raise  # anything else is worth a retry: RQ schedules it
    forget_later(config, sid)
    return sid


def forget_later(config: dict[str, Any], sid: str, r: Any = None) -> None:
    """When configured, schedule the deletion of Twilio's copy of a message."""
    if not config.get("HOTLINE_DELETE_TWILIO_RECORDS") or not sid:
        return
    from rq import Retry, get_current_job

    from bot.db import connect
    from bot.escalation import queues

    job = get_current_job()
    r = r or (job.connection if job else connect(config["REDIS_URL"], config["HOTLINE_DATA_DIR"]))
    # Twilio refuses to delete a record before it is final (error 20009): wait, then back off.
    queues.enqueue_in(
        r,
        queues.NORMAL,
        DELETE_AFTER,
        "bot.escalation.jobs.delete_record",
        sid,
        retry=Retry(max=5, interval=[60, 300, 900, 3600, 86400]),
    )
