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
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import redis
from rq import Retry, get_current_job

from bot import config
from bot.config import Settings
from bot.content import routing
from bot.content.live import LiveContent
from bot.db import Writes
from bot.engine import Bundle
from bot.escalation import alarms, cases, delivery, outbound, queues, signing
from bot.escalation.cases import CaseStatus
from bot.escalation.vault import fernet
from bot.language.codes import NAMES as LANGUAGE_NAMES

log = logging.getLogger(__name__)
OUTSIDE_WINDOW = 63016  # Twilio's error for a free-form WhatsApp message past the window
WHATSAPP_WINDOW = 24 * 3600  # free-form WhatsApp messages only within 24 h of the person's last
ANNOUNCE_WITHIN = 30  # seconds: a case still in the outbox after this is announced by the sweep
DELETE_AFTER = timedelta(minutes=2)
ONCE = "hl:once:"  # + what was done (a page, an escalation, a digest) -> set once; ids only
ONCE_TTL = 7 * 86400
PAGES = "hl:pages:"  # + provider + window -> pages asked for in that window
SENT = "hl:esc:sent:"  # + hour -> automatic sends this hour
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


def _defaults(func: Callable[..., Any], args: tuple[Any, ...], opts: dict[str, Any]) -> None:
    """Every job retries at the configured intervals; a job whose first argument is a case id
    gets an id naming it, so closing the case or the person's DELETE removes the job, its
    results and any failure with it."""
    opts.setdefault("retry", queues.retry(settings().retry_intervals))
    if args and _first_parameter(func) == "case_id":
        opts.setdefault("job_id", queues.case_job_id(str(args[0])))


@lru_cache(maxsize=64)
def _first_parameter(func: Callable[..., Any]) -> str:
    return next(iter(inspect.signature(func).parameters), "")


def _enqueue(r: redis.Redis, queue: str, func: Callable[..., Any], *args: Any, **opts: Any) -> Any:
    _defaults(func, args, opts)
    return queues.enqueue(r, queue, func, *args, **opts)


def _schedule(
    r: redis.Redis,
    queue: str,
    when: datetime | timedelta,
    func: Callable[..., Any],
    *args: Any,
    **opts: Any,
) -> Any:
    """As _enqueue, to run at `when` (a time) or after it (a delay)."""
    _defaults(func, args, opts)
    return queues.schedule(r, queue, when, func, *args, **opts)


# --- What the rest of the hotline asks of the workers --------------------------------------


def announce(r: redis.Redis, case_id: str, urgency: str, writes: Writes | None = None) -> None:
    """Hand a new case to the workers. With `writes`, RQ's calls join the turn's commit: the
    case and its job are saved together, with no round trip of their own. Without, they go out
    now on one pipeline (the sweep). The case's outbox entry stays until `case_opened` runs, so
    a case saved without its job is announced by `sweep_outbox`."""
    with r.pipeline() as pipe:
        _enqueue(r, queues.for_urgency(urgency), case_opened, case_id, pipeline=pipe)
        if writes is None:
            pipe.execute()
        else:
            writes.take(pipe)


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
    _schedule(r, queues.NORMAL, DELETE_AFTER, delete_record, sid, retry=retry)


# --- The jobs -------------------------------------------------------------------------------


def _redis() -> redis.Redis:
    job = get_current_job()
    return job.connection if job is not None else redis.Redis.from_url(os.environ["REDIS_URL"])


def _last_try() -> bool:
    job = get_current_job()
    return job is None or not job.retries_left


def _send(
    r: redis.Redis,
    case_id: str,
    ref: str,
    to: str,
    from_: str,
    body: str | None = None,
    **options: str | None,
) -> outbound.Sent:
    """Send through Twilio, record the message's delivery status under the case as `ref`, and,
    when configured, schedule the deletion of Twilio's copy."""
    cfg = settings()
    try:
        sent = outbound.send(cfg, r, to, from_, body, **options)
    except Exception:
        if _last_try():  # every retry spent: staff see it failed, not "queued" forever
            delivery.refused(r, case_id, ref, "unreachable")
        raise
    if sent.sid:
        delivery.track(r, case_id, ref, sent.sid)
        forget_later(r, cfg, sent.sid)
    else:
        delivery.refused(r, case_id, ref, str(sent.error))
    return sent


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
                    _schedule(r, queue, wait, check_ack, case_id, 0, pipeline=pipe)
                whom = provider.name if provider else "nobody on call: fallback numbers sent"
                cases.note(pipe, case_id, f"queued for {whom}")
                pipe.execute()
                return "routed"
            except redis.WatchError:
                continue


def _done(r: redis.Redis, what: str) -> bool:
    """`what` (a page, an escalation, a digest) was done already: a retried or repeated job
    does not do it again. Marked only once done, so a worker killed midway loses nothing."""
    return bool(r.exists(ONCE + what))


def _mark(r: Any, what: str) -> None:
    r.set(ONCE + what, "1", ex=ONCE_TTL)


def _within_budget(r: redis.Redis) -> bool:
    """Count one automatic send against the hour's escalation budget; past it, the alarm."""
    key = f"{SENT}{int(time.time() // 3600)}"
    pipe = r.pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, 7200)
    if int(pipe.execute()[0]) <= settings().escalation_budget_per_hour:
        return True
    alarms.raise_alarm(r, "escalation")
    return False


def _page_slot(r: redis.Redis, provider: str, now: float) -> bool:
    """A page to `provider` fits this window's cap; the first one past it schedules the
    window's digest (one SMS at the window's end counting all it held back)."""
    cfg = settings()
    window = int(now // cfg.page_window)
    key = f"{PAGES}{provider}:{window}"
    pipe = r.pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, 3 * cfg.page_window)
    count = int(pipe.execute()[0])
    if count <= cfg.pages_per_window:
        return True
    if count == cfg.pages_per_window + 1:
        # At the window's end by the clock, however late this job ran.
        end = datetime.fromtimestamp((window + 1) * cfg.page_window, UTC)
        _schedule(r, queues.URGENT, end, send_digest, provider, window)
    return False


def notify_staff(case_id: str, contact: int) -> str:
    """SMS one on-call contact, once per case and contact: the case id, its urgency and
    summary, and where to open it. Past the provider's pages for this window, the case waits
    for the window's digest (it is in the console's queue all along)."""
    found = _find(case_id)
    if found is None:
        return "gone"
    r, case, _route, provider = found
    if provider is None or contact >= len(provider.contacts):
        return "no contact"
    page = f"page:{case_id}:{contact}"
    if _done(r, page):
        return "already paged"
    if not _page_slot(r, provider.id, time.time()):
        _mark(r, page)
        cases.note(r, case_id, f"on-call contact {contact + 1}: in the digest (page cap)")
        return "in digest"
    if not _within_budget(r):
        _mark(r, page)
        cases.note(r, case_id, "not paged: this hour's escalation budget is spent")
        return "over budget"
    cfg = settings()
    link = cfg.public_url.rstrip("/") + f"/console/cases/{case_id}"
    body = f"{case['urgency'].upper()} case {case_id} ({summary(case)}) - open the console: {link}"
    _send(r, case_id, f"page:{contact}", provider.contacts[contact], cfg.from_number, body)
    _mark(r, page)
    cases.note(r, case_id, f"on-call contact {contact + 1} notified")
    log.info("case %s: on-call contact %d notified", case_id, contact + 1)
    return "notified"


def send_digest(provider_id: str, window: int) -> str:
    """One SMS to the provider's first on-call contact for the pages a window held back."""
    r = _redis()
    cfg = settings()
    _bundle, route = content()
    provider = route.provider(provider_id)
    held = int(r.get(f"{PAGES}{provider_id}:{window}") or 0) - cfg.pages_per_window
    if provider is None or not provider.contacts or held <= 0:
        return "nothing to send"
    digest = f"digest:{provider_id}:{window}"
    if _done(r, digest):
        return "already sent"
    if not _within_budget(r):
        return "over budget"
    link = cfg.public_url.rstrip("/") + "/console/"
    body = f"{held} more urgent cases waiting: open the console: {link}"
    sent = outbound.send(cfg, r, provider.contacts[0], cfg.from_number, body)  # for no one case
    if sent.sid:
        forget_later(r, cfg, sent.sid)
    _mark(r, digest)
    log.info("digest to %s: %d cases held back", provider_id, held)
    return f"digest {held}"


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
    escalation = f"ack:{case_id}:{contact}"
    if _done(r, escalation):  # a retry or a second copy: escalated already
        return "already escalated"
    queue = queues.for_urgency(case["urgency"])
    with r.pipeline() as pipe:  # marked and queued together: never twice, never lost
        pipe.watch(cases.CASE + case_id)  # claimed meanwhile: the retry sees it
        pipe.multi()
        cases.note(pipe, case_id, f"not claimed within {route.ack_minutes} minutes")
        if contact == 0:
            _enqueue(r, queue, send_fallback, case_id, pipeline=pipe)
        if provider and contact + 1 < len(provider.contacts):
            _enqueue(r, queue, notify_staff, case_id, contact + 1, pipeline=pipe)
            wait = timedelta(minutes=route.ack_minutes)
            _schedule(r, queue, wait, check_ack, case_id, contact + 1, pipeline=pipe)
        _mark(pipe, escalation)
        pipe.execute()
    return "escalated"


def _send_to_person(r: redis.Redis, case_id: str, ref: str, body: str) -> str | None:
    """Send to the person; their message's sid, or None when it was not sent."""
    cfg = settings()
    way_back = cases.handle(r, fernet(cfg), case_id)
    if way_back is None:
        cases.note(r, case_id, "could not write back: the reply handle has expired")
        return None
    return _send(r, case_id, ref, way_back["address"], way_back["hotline"], body).sid or None


def send_fallback(case_id: str) -> str:
    """Tell the person, in their language, whom to call now."""
    r = _redis()
    case = cases.get(r, case_id)
    if not case:
        return "gone"
    bundle, _route = content()
    if not _within_budget(r):
        cases.note(r, case_id, "fallback not sent: this hour's escalation budget is spent")
        return "over budget"
    sid = _send_to_person(r, case_id, "fallback", bundle.text("case.fallback", case["lang"])[0])
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
        return _send_template(r, case_id, index, entry)
    ref = f"reply:{index}"
    way_back = cases.handle(r, f, case_id)
    if way_back is None:
        cases.note(r, case_id, "could not write back: the reply handle has expired")
        delivery.refused(r, case_id, ref, "expired")
        return "no handle"
    sent = _send(r, case_id, ref, way_back["address"], way_back["hotline"], entry["text"])
    if sent.error == OUTSIDE_WINDOW and case["channel"] == "whatsapp":
        return _send_template(r, case_id, index, entry)  # Twilio knows the window better
    cases.note(r, case_id, "staff reply sent" if sent.sid else "staff reply not sent")
    return "sent" if sent.sid else "not sent"


def _send_template(r: redis.Redis, case_id: str, index: int, entry: dict[str, Any]) -> str:
    """Past WhatsApp's 24 hours: the approved template goes, and the reply waits for an answer."""
    cfg = settings()
    f = fernet(cfg)
    way_back = cases.handle(r, f, case_id)
    if way_back is None:
        cases.note(r, case_id, "could not write back: the reply handle has expired")
        return "no handle"
    template = cfg.whatsapp_template_sid
    _send(
        r,
        case_id,
        f"template:{index}",
        way_back["address"],
        way_back["hotline"],
        body=None if template else entry["text"],
        content_sid=template or None,
    )
    cases.set_message(r, f, case_id, index, {**entry, "held": True})
    cases.mark_held(r, case_id, True)
    cases.note(r, case_id, "past WhatsApp's 24 hours: template sent, reply held")
    return "held"


def deliver_held(case_id: str) -> str:
    """The person answered the template: the held replies follow."""
    r = _redis()
    f = fernet(settings())
    delivered = 0
    for index, entry in enumerate(cases.thread(r, f, case_id)):
        if entry.get("held"):
            if _send_to_person(r, case_id, f"reply:{index}", entry["text"]):
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
