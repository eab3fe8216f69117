"""Twilio's two webhooks, POST /twilio/messages and POST /twilio/status: verify the signature,
read the form, run one turn, answer in TwiML.

They are a plain WSGI app in front of Flask's. Every message passes here and nothing here uses
what Flask adds (routing, contexts, cookies, templates); its request and response layers cost
a fifth of a turn's CPU, more than the engine (bench/RESULTS.md, session 23). Flask keeps the
console, /metrics and /healthz."""

from __future__ import annotations

import base64
import hmac
import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape, quoteattr

import redis
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import (
    Forbidden,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    RequestEntityTooLarge,
)
from werkzeug.wsgi import get_content_length, get_host, get_input_stream

from bot.config import Settings
from bot.engine.sms import MAX_MESSAGE
from bot.escalation import delivery, jobs
from bot.turn import formats
from bot.turn import inbound as channels
from bot.turn.hotline import Hotline, Refusal
from bot.web import metrics

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)
MESSAGES, STATUS = "/twilio/messages", "/twilio/status"
FINAL = {"delivered", "undelivered", "failed", "read", "received", "canceled"}
FORM = "application/x-www-form-urlencoded"


class Reply(NamedTuple):
    """What a webhook answers: a status line and a body (TwiML, or nothing)."""

    status: str
    body: bytes = b""


NO_CONTENT = Reply("204 NO CONTENT")


class Webhooks:
    """The WSGI app: Twilio's two paths here, every other request to `rest` (Flask's)."""

    def __init__(self, extensions: Mapping[str, Any], limit: int, rest: WSGIApplication) -> None:
        self.extensions, self.limit, self.rest = extensions, limit, rest

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path != MESSAGES and path != STATUS:
            return self.rest(environ, start_response)
        try:
            if environ.get("REQUEST_METHOD") != "POST":
                raise MethodNotAllowed(["POST"])
            call = Call(environ, self.extensions, self.limit)
            reply = inbound(call) if path == MESSAGES else status(call)
        except HTTPException as refusal:  # 403, 405, 413: Werkzeug's own short pages
            return refusal(environ, start_response)
        except Exception:
            log.exception("webhook: request failed")
            return InternalServerError()(environ, start_response)
        headers = [("Content-Length", str(len(reply.body)))]
        if reply.body:
            headers.append(("Content-Type", "application/xml; charset=utf-8"))
        start_response(reply.status, headers)
        return [reply.body]


class Call:
    """One Twilio request: its WSGI environ and the app's resources."""

    __slots__ = ("environ", "hotline", "limit", "origin", "r", "settings")

    def __init__(self, environ: WSGIEnvironment, extensions: Mapping[str, Any], limit: int):
        self.environ, self.limit = environ, limit
        self.settings: Settings = extensions["settings"]
        self.hotline: Hotline = extensions["hotline"]
        self.r: redis.Redis = extensions["redis"]
        self.origin = _origin(environ, self.settings.public_url)

    def signed_url(self) -> str:
        """The URL Twilio signed (../shared/facts/twilio-rq.md §2)."""
        query = self.environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8", "replace")
        return self.origin + self.environ["PATH_INFO"] + (f"?{query}" if query else "")

    def pairs(self) -> list[tuple[str, str]]:
        """The urlencoded body's name-value pairs (UTF-8, errors replaced), read straight from
        the WSGI input: Twilio's forms are small, always urlencoded, sent with their length."""
        environ = self.environ
        if environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != FORM:
            return []
        length = get_content_length(environ)
        if length is None:  # chunked: Werkzeug's stream knows how to read it, within the limit
            body = get_input_stream(environ, max_content_length=self.limit).read()
        elif length > self.limit:
            raise RequestEntityTooLarge()
        else:
            body = environ["wsgi.input"].read(length)
        return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)

    def verified_form(self) -> dict[str, str]:
        """Twilio's form (the first value of each name); 403 unless X-Twilio-Signature holds.
        One HMAC for the URL as configured; the twilio library's full check (the URL with or
        without its port: Twilio signs either) only when that one fails."""
        header = self.environ.get("HTTP_X_TWILIO_SIGNATURE", "")
        if not header:
            log.warning("webhook: missing signature")
            raise Forbidden()
        cfg = self.settings
        url, pairs = self.signed_url(), self.pairs()
        if not hmac.compare_digest(signature(cfg.twilio_auth_token, url, pairs), header):
            validator = RequestValidator(cfg.twilio_auth_token)
            if not validator.validate(url, MultiDict(pairs), header):
                log.warning("webhook: invalid signature")
                raise Forbidden()
        form: dict[str, str] = {}
        for name, value in pairs:
            form.setdefault(name, value)
        account = cfg.twilio_account_sid
        if account and form.get("AccountSid") != account:
            log.warning("webhook: signed for another account")
            raise Forbidden()
        return form

    def twiml(self, texts: list[str]) -> Reply:
        """All replies in as few messages as fit, so they arrive together and in order. Built
        as a string: the replies are the only variable part, escaped."""
        # When Twilio's records are deleted, each reply reports its final status (and so its
        # sid) to /twilio/status, which schedules its deletion too.
        action = (
            f" action={quoteattr(self.origin + STATUS)}"
            if self.settings.delete_twilio_records
            else ""
        )
        messages, chunk = [], ""
        for text in texts:
            joined = f"{chunk}\n\n{text}" if chunk else text
            if len(joined) <= MAX_MESSAGE:
                chunk = joined
                continue
            if chunk:
                messages.append(chunk)
            chunk = text[:MAX_MESSAGE]
        if chunk:
            messages.append(chunk)
        body = "".join(f"<Message{action}>{escape(m)}</Message>" for m in messages)
        xml = f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'
        return Reply("200 OK", xml.encode())


def _origin(environ: WSGIEnvironment, public_url: str) -> str:
    """Where a request says it arrived, once per request (the signed URL and the replies'
    status callback both start with it): the configured public base (https behind a TLS
    proxy), else scheme, host with any port, and the app's root path."""
    base = public_url.rstrip("/")
    if base:
        return base
    root = environ.get("SCRIPT_NAME", "").encode("latin-1").decode("utf-8", "replace")
    return f"{environ['wsgi.url_scheme']}://{get_host(environ)}{root.rstrip('/')}"


def signature(token: str, url: str, pairs: list[tuple[str, str]]) -> str:
    """Twilio's X-Twilio-Signature (../shared/facts/twilio-rq.md §2): base64 HMAC-SHA1 of the
    URL followed by each name and value, sorted by name then value, repeats once."""
    signed = url + "".join(name + value for name, value in sorted(set(pairs)))
    return base64.b64encode(hmac.digest(token.encode(), signed.encode(), "sha1")).decode()


def status(call: Call) -> Reply:
    """Twilio's status callback: the status of a message sent for a case is recorded (no
    number); a final message's record can be deleted."""
    form = call.verified_form()
    sid, state = formats.message_sid(form), form.get("MessageStatus", "")
    if sid and state:
        delivery.record(call.r, sid, state, form.get("ErrorCode", ""))
    if state in FINAL and sid:
        jobs.forget_later(call.r, call.settings, sid)
    return NO_CONTENT


@metrics.WEBHOOK_SECONDS.time()
def inbound(call: Call) -> Reply:
    form = call.verified_form()
    try:
        malformed = formats.problem(form)
        if malformed:  # a reshaped or forged form: no value is logged
            log.warning("webhook: %s; not answered", malformed)
            return call.twiml([])
        try:
            msg = channels.parse(form)
        except channels.BadInbound as exc:
            log.warning("webhook: unusable form (%s)", exc)
            return call.twiml([])
        return _answer(call, msg)
    finally:  # every signed message, answered or refused, leaves no copy at Twilio
        _forget(call, formats.message_sid(form))


def _forget(call: Call, sid: str | None) -> None:
    """Schedule the deletion of Twilio's copy of a well-formed message sid."""
    if sid is None:
        return
    try:
        jobs.forget_later(call.r, call.settings, sid)
    except redis.RedisError:
        log.error("webhook: could not schedule the deletion of Twilio's copy")


def _answer(call: Call, msg: channels.InboundMessage) -> Reply:
    hl = call.hotline
    numbers = call.settings.numbers
    if numbers and msg.to.removeprefix("whatsapp:") not in numbers:
        log.warning("webhook: message to a number that is not the hotline's; not answered")
        return call.twiml([])
    try:
        outcome = hl.handle(msg)
        if outcome.refused:
            metrics.refused(call.r, outcome.refused.value)
        if outcome.refused == Refusal.FLOOD:  # one polite word, then silence
            return call.twiml([hl.notice("rate.limited", msg.text)])
        return call.twiml(outcome.texts)  # refused by a budget: silence, logged once by the limits
    except redis.RedisError:
        log.error("webhook: Redis unavailable; answered with the hotline numbers")
    except Exception:  # never a 5xx to Twilio: the person still gets numbers to call
        log.exception("webhook: turn failed; answered with the hotline numbers")
    return call.twiml([hl.notice("outage", msg.text)])
