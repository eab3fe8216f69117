"""POST /twilio/messages: verify the signature, read the form, run one turn, answer in TwiML."""

from __future__ import annotations

import base64
import hmac
import logging
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape, quoteattr

import redis
from flask import Blueprint, Response, abort, request, url_for
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from bot.config import Settings
from bot.engine.sms import MAX_MESSAGE
from bot.escalation import delivery, jobs
from bot.turn import formats
from bot.turn import inbound as channels
from bot.turn.hotline import Refusal
from bot.web import metrics
from bot.web.state import get_redis, hotline, settings

bp = Blueprint("webhook", __name__)
log = logging.getLogger(__name__)
FINAL = {"delivered", "undelivered", "failed", "read", "received", "canceled"}


def _signed_url(cfg: Settings) -> str:
    """The URL Twilio signed: the configured public base, so a TLS proxy does not break it;
    else the URL as this request arrived (scheme, host with any port, path, query)."""
    base = cfg.public_url.rstrip("/")
    if not base:
        base = f"{request.scheme}://{request.host}{request.script_root}"
    query = request.query_string.decode()
    return base + request.path + (f"?{query}" if query else "")


def _public_url(path: str) -> str:
    """A URL Twilio calls back: on HOTLINE_PUBLIC_URL (https behind a TLS proxy), not on the
    scheme and host this request happened to arrive with."""
    base = settings().public_url.rstrip("/")
    return base + path if base else request.host_url.rstrip("/") + path


def _pairs() -> list[tuple[str, str]]:
    """The urlencoded body's name-value pairs, as Werkzeug would decode them (UTF-8, errors
    replaced), read straight from the WSGI input: Twilio's forms are small, always urlencoded
    and sent with their length; Werkzeug's stream and form layers cost more than the turn's
    engine reading a menu choice."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return []
    length, limit = request.content_length, request.max_content_length
    if length is None:  # chunked: Werkzeug's stream knows how to read it
        body = request.get_data()
    elif limit is not None and length > limit:
        raise RequestEntityTooLarge()
    else:
        body = request.environ["wsgi.input"].read(length)
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


def signature(token: str, url: str, pairs: list[tuple[str, str]]) -> str:
    """Twilio's X-Twilio-Signature (../shared/facts/twilio-rq.md §2): base64 HMAC-SHA1 of the
    URL followed by each name and value, sorted by name then value, repeats once."""
    signed = url + "".join(name + value for name, value in sorted(set(pairs)))
    return base64.b64encode(hmac.digest(token.encode(), signed.encode(), "sha1")).decode()


def _verified_form() -> dict[str, str] | None:
    """Twilio's form (the first value of each name) when X-Twilio-Signature holds, else None.
    One HMAC for the URL as configured; the twilio library's full check (the URL with or
    without its port: Twilio signs either) only when that one fails."""
    header = request.headers.get("X-Twilio-Signature", "")
    if not header:
        return None
    cfg = settings()
    url, pairs = _signed_url(cfg), _pairs()
    if not hmac.compare_digest(signature(cfg.twilio_auth_token, url, pairs), header):
        validator = RequestValidator(cfg.twilio_auth_token)
        if not validator.validate(url, MultiDict(pairs), header):
            return None
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    account = cfg.twilio_account_sid
    return form if not account or form.get("AccountSid") == account else None


def twiml(texts: list[str]) -> Response:
    """All replies in as few messages as fit, so they arrive together and in order. Built as a
    string: the replies are the only variable part, escaped."""
    # When Twilio's records are deleted, each reply reports its final status (and so its sid)
    # to /twilio/status, which schedules its deletion too.
    action = (
        f" action={quoteattr(_public_url(url_for('webhook.status')))}"
        if settings().delete_twilio_records
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
    return Response(xml, mimetype="application/xml")


@bp.post("/twilio/status")
def status() -> Response:
    """Twilio's status callback: the status of a message sent for a case is recorded (no
    number); a final message's record can be deleted."""
    form = _verified_form()
    if form is None:
        abort(403)
    sid, status = formats.message_sid(form), form.get("MessageStatus", "")
    if sid and status:
        delivery.record(get_redis(), sid, status, form.get("ErrorCode", ""))
    if status in FINAL and sid:
        jobs.forget_later(get_redis(), settings(), sid)
    return Response("", status=204)


@bp.post("/twilio/messages")
@metrics.WEBHOOK_SECONDS.time()
def inbound() -> Response:
    form = _verified_form()
    if form is None:
        log.warning("webhook: invalid or missing signature")
        abort(403)
    try:
        malformed = formats.problem(form)
        if malformed:  # a reshaped or forged form: no value is logged
            log.warning("webhook: %s; not answered", malformed)
            return twiml([])
        try:
            msg = channels.parse(form)
        except channels.BadInbound as exc:
            log.warning("webhook: unusable form (%s)", exc)
            return twiml([])
        return _answer(msg)
    finally:  # every signed message, answered or refused, leaves no copy at Twilio
        _forget(formats.message_sid(form))


def _forget(sid: str | None) -> None:
    """Schedule the deletion of Twilio's copy of a well-formed message sid."""
    if sid is None:
        return
    try:
        jobs.forget_later(get_redis(), settings(), sid)
    except redis.RedisError:
        log.error("webhook: could not schedule the deletion of Twilio's copy")


def _answer(msg: channels.InboundMessage) -> Response:
    hl = hotline()
    numbers = settings().numbers
    if numbers and msg.to.removeprefix("whatsapp:") not in numbers:
        log.warning("webhook: message to a number that is not the hotline's; not answered")
        return twiml([])
    try:
        outcome = hl.handle(msg)
        if outcome.refused:
            metrics.refused(get_redis(), outcome.refused.value)
        if outcome.refused == Refusal.FLOOD:  # one polite word, then silence
            return twiml([hl.notice("rate.limited", msg.text)])
        return twiml(outcome.texts)  # refused by a budget: silence, logged once by the limits
    except redis.RedisError:
        log.error("webhook: Redis unavailable; answered with the hotline numbers")
    except Exception:  # never a 5xx to Twilio: the person still gets numbers to call
        log.exception("webhook: turn failed; answered with the hotline numbers")
    return twiml([hl.notice("outage", msg.text)])
