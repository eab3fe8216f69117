"""POST /twilio/messages: verify the signature, read the form, run one turn, answer in TwiML."""

from __future__ import annotations

import logging

import redis
from flask import Blueprint, Response, abort, current_app, request, url_for
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.escalation.outbound import forget_later
from bot.turn import inbound as channels
from bot.web.state import get_redis, hotline

bp = Blueprint("webhook", __name__)
log = logging.getLogger(__name__)
MAX_BODY = 1600  # characters per <Message>, Twilio's limit


def _signed_url() -> str:
    """The URL Twilio signed: the configured public base, so a TLS proxy does not break it."""
    base = current_app.config["HOTLINE_PUBLIC_URL"].rstrip("/")
    if not base:
        return request.url
    query = request.query_string.decode()
    return base + request.path + (f"?{query}" if query else "")


def _verified() -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    if not validator.validate(_signed_url(), request.form, signature):
        return False
    account = current_app.config["TWILIO_ACCOUNT_SID"]
    return not account or request.form.get("AccountSid") == account


def twiml(texts: list[str]) -> Response:
    """All replies in as few messages as fit, so they arrive together and in order."""
    response = MessagingResponse()
    # When Twilio's records are deleted, each reply reports its final status (and so its sid)
    # to /twilio/status, which schedules its deletion too.
    action = (
        url_for("webhook.status", _external=True)
        if current_app.config["HOTLINE_DELETE_TWILIO_RECORDS"]
        else None
    )
    chunk = ""
    for text in texts:
        joined = f"{chunk}\n\n{text}" if chunk else text
        if len(joined) <= MAX_BODY:
            chunk = joined
            continue
        if chunk:
            response.message(chunk, action=action)
        chunk = text[:MAX_BODY]
    if chunk:
        response.message(chunk, action=action)
    return Response(str(response), mimetype="application/xml")


FINAL = {"delivered", "undelivered", "failed", "read", "received", "canceled"}


@bp.post("/twilio/status")
def status() -> Response:
    """Twilio's status callback: a final message's record can be deleted."""
    if not _verified():
        abort(403)
    if request.form.get("MessageStatus") in FINAL and request.form.get("MessageSid"):
        forget_later(current_app.config, request.form["MessageSid"], get_redis())
    return Response("", status=204)


@bp.post("/twilio/messages")
def inbound() -> Response:
    if not _verified():
        log.warning("webhook: invalid or missing signature")
        abort(403)
    try:
        msg = channels.parse(request.form)
    except channels.BadInbound as exc:
        log.warning("webhook: unusable form (%s)", exc)
        return twiml([])
    hl = hotline()
    numbers = current_app.config["HOTLINE_NUMBERS"]
    if numbers and msg.to.removeprefix("whatsapp:") not in numbers.split(","):
        log.warning("webhook: message to a number that is not the hotline's; not answered")
        return twiml([])
    try:
        outcome = hl.handle(msg)
        if outcome.refused == "flood":  # one polite word, then silence
            return twiml([hl.notice("rate.limited", msg.text)])
        if outcome.refused == "budget":
            log.error("webhook: this hour's reply budget is spent; not answering (SMS pumping?)")
        forget_later(current_app.config, msg.sid, get_redis())
        return twiml(outcome.texts)
    except redis.RedisError:
        log.error("webhook: Redis unavailable; answered with the hotline numbers")
    except Exception:  # never a 5xx to Twilio: the person still gets numbers to call
        log.exception("webhook: turn failed; answered with the hotline numbers")
    return twiml([hl.notice("outage", msg.text)])
