"""RQ jobs: module-level functions taking case ids and indexes, never addresses or text. The
only module that names job functions: the rest of the hotline calls `announce`, `reply`,
`release_held` and `forget_later` here.

Everything a job needs to reach a person is read, encrypted, from beside the case.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import time
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import redis
from rq import Retry, get_current_job

from bot import config
from bot.config import Settings
from bot.content import routing
from bot.content.live import LiveContent
from bot.engine import Bundle
from bot.escalation import cases, outbound, queues, signing
from bot.escalation.cases import CaseStatus
from bot.escalation.vault import fernet
from bot.language.codes import NAMES as LANGUAGE_NAMES

log = logging.getLogger(__name__)
WHATSAPP_WINDOW = 24 * 3600  # free-form WhatsApp messages only within 24 h of the person's last
ANNOUNCE_WITHIN = 30  # seconds: a case still in the outbox after this is announced by the sweep
DELETE_AFTER = timedelta(minutes=2)
_settings: list[Settings] = []  # the worker's settings, set once at its start


def use(settings: Settings) -> None:
    """The settings jobs run with: the worker passes its own, the ones the web app uses."""
    _settings[:] = [settings]


def settings() -> Settings:
    if not _settings:
        _settings.append(config.load())
    return _settings[0]


@lru_cache(maxsize=4)
def _live(root: str, review_days: int) -> LiveContent:
    return LiveContent(Path(root), review_days)


def content() -> tuple[Bundle, routing.Routing]:
    cfg = settings()
    current = _live(str(cfg.content_dir), cfg.review_days).get()
    return current.bundle, current.routing


def _for_case(func: Callable[..., Any], args: tuple[Any, ...], opts: dict[str, Any]) -> None:
    """A job whose first argument is a case id gets an id naming it, so closing the case or
    the person's DELETE removes the job, its results and any failure with it."""
    if args and next(iter(inspect.signature(func).parameters), "") == "case_id":
        opts.setdefault("job_id", queues.case_job_id(str(args[0])))


def _enqueue(r: redis.Redis, queue: str, func: Callable[..., Any], *args: Any, **opts: Any) -> Any:
    opts.setdefault("retry", queues.retry(settings().retry_intervals))
    _for_case(func, args, opts)
    return queues.enqueue(r, queue, func, *args, **opts)


def _enqueue_in(
    r: redis.Redis, queue: str, delay: timedelta, func: Callable[..., Any], *args: Any, **opts: Any
) -> Any:
    opts.setdefault("retry", queues.retry(settings().retry_intervals))
    _for_case(func, args, opts)
    return queues.enqueue_in(r, queue, delay, func, *args, **opts)


# --- What the rest of the hotline asks of the workers --------------------------------------


def announce(r: redis.Redis, case_id: str, urgency: str) -> None:
    """Hand a new case to the workers. Its outbox entry, written in the turn's commit, stays
    until `case_opened` runs, so a failure here is repaired by `sweep_outbox`."""
    _enqueue(r, queues.for_urgency(urgency), case_opened, case_id)


def sweep_outbox(r: redis.Redis, now: float | None = None) -> list[str]:
    """Announce every case that has waited in the outbox longer than ANNOUNCE_WITHIN seconds
    (the web process saved it but could not queue it). Returns their ids."""
    now = time.time() if now is None else now
    late = [raw.decode() for raw in r.zrangebyscore(cases.OUTBOX, 0, now - ANNOUNCE_WITHIN)]
    for case_id in late:
        urgency = r.hget(cases.CASE + case_id, "urgency")
        if urgency is None:  # erased before it was announced
            r.zrem(cases.OUTBOX, case_id)
            continue
        log.warning("case %s was saved but not announced; announcing it now", case_id)
        announce(r, case_id, urgency.decode())
    return late


def reply(r: redis.Redis, case_id: str, urgency: str, index: int) -> None:
    """Send the staff reply at `index` of the case's thread."""
    _enqueue(r, queues.for_urgency(urgency), send_reply, case_id, index)


def release_held(r: redis.Redis, case_id: str, urgency: str) -> None:
    """The person wrote again: replies held for WhatsApp's window can go."""
    _enqueue(r, queues.for_urgency(urgency), deliver_held, case_id)


def forget_later(r: redis.Redis, cfg: Settings, sid: str) -> None:
    """When configured, schedule the deletion of Twilio's copy of a message."""
    if not cfg.delete_twilio_records or not sid:
        return
    # Twilio refuses to delete a record before it is final (error 20009): wait, then back off.
    retry = Retry(max=5, interval=[60, 300, 900, 3600, 86400])
    _enqueue_in(r, queues.NORMAL, DELETE_AFTER, delete_record, sid, retry=retry)


# --- The jobs -------------------------------------------------------------------------------


def _redis() -> redis.Redis:
    job = get_current_job()
    return job.connection if job is not None else redis.Redis.from_url(os.environ["REDIS_URL"])


def _send(
    r: redis.Redis, to: str, from_: str, body: str | None = None, **options: str | None
) -> str | None:
    """Send through Twilio and, when configured, schedule the deletion of Twilio's copy."""
    cfg = settings()
    sid = outbound.send(cfg, to, from_, body, **options)
    if sid:
        forget_later(r, cfg, sid)
    return sid


def summary(case: dict[str, str]) -> str:
    """How staff see a case, in a notification: no personal data, ever."""
    _bundle, route = content()
    where = case.get("borough", "").replace("_", " ").title()
    parts = [LANGUAGE_NAMES.get(case["lang"], case["lang"]), where, route.label(case["topic"])]
    return ", ".join(p for p in parts if p)


def _find(
    case_id: str,
) -> tuple[redis.Redis, dict[str, str], routing.Routing, routing.Provider | None] | None:
    """The case (None once closed or erased), the routing in force and its provider."""
    r = _redis()
    case = cases.get(r, case_id)
    if not case:
        return None
    _bundle, route = content()
    return r, case, route, route.provider(case.get("provider", ""))


def case_opened(case_id: str) -> str:
    """Route a new case once: notify on-call staff, post to the provider, watch for a claim.
    Taking the case out of the outbox and queueing its jobs is one transaction, so a retry or
    a second announcement (the sweep) never pages twice and a crash never pages nobody."""
    found = _find(case_id)
    if found is None:
        return "erased"
    r, case, route, provider = found
    queue = queues.for_urgency(case["urgency"])
    with r.pipeline() as pipe:
        while True:
            try:
                pipe.watch(cases.CASE + case_id)
                if pipe.zscore(cases.OUTBOX, case_id) is None:
                    return "already announced"
                pipe.multi()
                pipe.zrem(cases.OUTBOX, case_id)
                if provider and provider.contacts:
                    _enqueue(r, queue, notify_staff, case_id, 0, pipeline=pipe)
                if provider and provider.webhook:
                    _enqueue(r, queue, post_to_provider, case_id, pipeline=pipe)
                if provider is None:  # nobody covers this hour: the person gets numbers now
                    _enqueue(r, queue, send_fallback, case_id, pipeline=pipe)
                elif case["urgency"] == queues.URGENT:
                    wait = timedelta(minutes=route.ack_minutes)
                    _enqueue_in(r, queue, wait, check_ack, case_id, 0, pipeline=pipe)
                whom = provider.name if provider else "nobody on call: fallback numbers sent"
                cases.note(pipe, case_id, f"queued for {whom}")
                pipe.execute()
                return "routed"
            except redis.WatchError:
                continue


def notify_staff(case_id: str, contact: int) -> str:
    """SMS one on-call contact: the case id, its urgency and summary, and where to open it."""
    found = _find(case_id)
    if found is None:
        return "gone"
    r, case, _route, provider = found
    if provider is None or contact >= len(provider.contacts):
        return "no contact"
    cfg = settings()
    link = cfg.public_url.rstrip("/") + f"/console/cases/{case_id}"
    body = f"{case['urgency'].upper()} case {case_id} ({summary(case)}) - open the console: {link}"
    _send(r, provider.contacts[contact], cfg.from_number, body)
    cases.note(r, case_id, f"on-call contact {contact + 1} notified")
    log.info("case %s: on-call contact %d notified", case_id, contact + 1)
    return "notified"


def post_to_provider(case_id: str) -> str:
    """POST the case summary to the provider's webhook, signed with HMAC-SHA256."""
    found = _find(case_id)
    if found is None:
        return "gone"
    r, case, _route, provider = found
    if provider is None or provider.webhook is None:
        return "no webhook"
    body = json.dumps(
        {
            "case": case_id,
            "topic": case["topic"],
            "urgency": case["urgency"],
            "language": case["lang"],
            "borough": case.get("borough", ""),
            "answers": json.loads(case.get("answers", "{}")),
            "opened_at": int(case["opened_at"]),
        }
    ).encode()
    key = os.environ.get(provider.webhook.secret_env, "").encode()
    if not key:  # never sign with an empty key: anyone could forge it
        raise RuntimeError(f"provider {provider.id}: {provider.webhook.secret_env} is not set")
    timestamp = int(time.time())
    request = urllib.request.Request(
        provider.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Hotline-Timestamp": str(timestamp),
            "X-Hotline-Signature": signing.sign(key, timestamp, body),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # non-2xx raises: retried
        status = response.status
    cases.note(r, case_id, f"posted to {provider.name}")
    return f"posted {status}"


def check_ack(case_id: str, contact: int) -> str:
    """Nobody claimed an urgent case in time: the next contact, and the person gets numbers."""
    found = _find(case_id)
    if found is None or found[1]["status"] != CaseStatus.OPEN:
        return "claimed or closed"
    r, case, route, provider = found
    cases.note(r, case_id, f"not claimed within {route.ack_minutes} minutes")
    queue = queues.for_urgency(case["urgency"])
    if contact == 0:
        _enqueue(r, queue, send_fallback, case_id)
    if provider and contact + 1 < len(provider.contacts):
        _enqueue(r, queue, notify_staff, case_id, contact + 1)
        wait = timedelta(minutes=route.ack_minutes)
        _enqueue_in(r, queue, wait, check_ack, case_id, contact + 1)
    return "escalated"


def _send_to_person(r: redis.Redis, case_id: str, body: str) -> str | None:
    cfg = settings()
    way_back = cases.handle(r, fernet(cfg), case_id)
    if way_back is None:
        cases.note(r, case_id, "could not write back: the reply handle has expired")
        return None
    return _send(r, way_back["address"], way_back["hotline"], body)


def send_fallback(case_id: str) -> str:
    """Tell the person, in their language, whom to call now."""
    r = _redis()
    case = cases.get(r, case_id)
    if not case:
        return "gone"
    bundle, _route = content()
    sid = _send_to_person(r, case_id, bundle.text("case.fallback", case["lang"])[0])
    cases.note(r, case_id, "fallback numbers sent to the person" if sid else "fallback not sent")
    return "sent" if sid else "not sent"


def send_reply(case_id: str, index: int) -> str:
    """Send a staff reply; on WhatsApp past the 24-hour window, send the template and hold it."""
    r = _redis()
    case = cases.get(r, case_id)
    if not case:
        return "gone"
    cfg = settings()
    f = fernet(cfg)
    entry = cases.thread(r, f, case_id)[index]
    late = time.time() - float(case.get("last_inbound", 0)) > WHATSAPP_WINDOW
    if case["channel"] == "whatsapp" and late:
        way_back = cases.handle(r, f, case_id)
        if way_back is None:
            cases.note(r, case_id, "could not write back: the reply handle has expired")
            return "no handle"
        template = cfg.whatsapp_template_sid
        _send(
            r,
            way_back["address"],
            way_back["hotline"],
            body=None if template else entry["text"],
            content_sid=template or None,
        )
        cases.set_message(r, f, case_id, index, {**entry, "held": True})
        cases.mark_held(r, case_id, True)
        cases.note(r, case_id, "past WhatsApp's 24 hours: template sent, reply held")
        return "held"
    sid = _send_to_person(r, case_id, entry["text"])
    cases.note(r, case_id, "staff reply sent" if sid else "staff reply not sent")
    return "sent" if sid else "not sent"


def deliver_held(case_id: str) -> str:
    """The person answered the template: the held replies follow."""
    r = _redis()
    f = fernet(settings())
    delivered = 0
    for index, entry in enumerate(cases.thread(r, f, case_id)):
        if entry.get("held"):
            if _send_to_person(r, case_id, entry["text"]):
                cases.set_message(r, f, case_id, index, {**entry, "held": False})
                delivered += 1
    cases.mark_held(r, case_id, False)
    if delivered:
        cases.note(r, case_id, f"{delivered} held repl{'y' if delivered == 1 else 'ies'} sent")
    return f"delivered {delivered}"


def delete_record(sid: str) -> str:
    """Delete Twilio's copy of one message once it is final (retried while it is not)."""
    outbound.delete(settings(), sid)
    return "deleted"
