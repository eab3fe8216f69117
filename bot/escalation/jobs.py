"""RQ jobs: module-level functions taking case ids and indexes, never addresses or text.

Everything a job needs to reach a person is read, encrypted, from beside the case.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import time
import urllib.request
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import redis
from rq import get_current_job

from bot import config
from bot.content import routing
from bot.content.live import LiveContent
from bot.engine import Bundle
from bot.escalation import cases, outbound, queues
from bot.escalation.vault import fernet

log = logging.getLogger(__name__)
WHATSAPP_WINDOW = 24 * 3600  # free-form WhatsApp messages only within 24 h of the person's last
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "zh": "Chinese",
    "ru": "Russian",
    "bn": "Bengali",
    "ht": "Haitian Creole",
    "ko": "Korean",
    "ar": "Arabic",
    "ur": "Urdu",
    "fr": "French",
    "pl": "Polish",
}


def settings() -> dict[str, Any]:
    return config.load()  # read each time: cheap, and a worker follows its environment


@lru_cache(maxsize=4)
def _live(root: str, review_days: int) -> LiveContent:
    return LiveContent(Path(root), review_days)


def content() -> tuple[Bundle, routing.Routing]:
    cfg = settings()
    current = _live(cfg["HOTLINE_CONTENT_DIR"], int(cfg["HOTLINE_REVIEW_DAYS"])).get()
    return current.bundle, current.routing


def _redis() -> redis.Redis:
    job = get_current_job()
    return job.connection if job is not None else redis.Redis.from_url(os.environ["REDIS_URL"])


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
    """Route a new case: notify on-call staff, post to the provider, watch for a claim."""
    found = _find(case_id)
    if found is None:
        return "erased"
    r, case, route, provider = found
    cases.note(r, case_id, f"queued for {provider.name if provider else 'staff'}")
    queue = queues.for_urgency(case["urgency"])
    if provider and provider.contacts:
        queues.enqueue(r, queue, "bot.escalation.jobs.notify_staff", case_id, 0)
    if provider and provider.webhook:
        queues.enqueue(r, queue, "bot.escalation.jobs.post_to_provider", case_id)
    if case["urgency"] == queues.URGENT:
        queues.enqueue_in(
            r,
            queue,
            timedelta(minutes=route.ack_minutes),
            "bot.escalation.jobs.check_ack",
            case_id,
            0,
        )
    return "routed"


def notify_staff(case_id: str, contact: int) -> str:
    """SMS one on-call contact: the case id, its urgency and summary, and where to open it."""
    found = _find(case_id)
    if found is None:
        return "gone"
    r, case, _route, provider = found
    if provider is None or contact >= len(provider.contacts):
        return "no contact"
    cfg = settings()
    link = (cfg["HOTLINE_PUBLIC_URL"].rstrip("/") or "") + f"/console/cases/{case_id}"
    body = f"{case['urgency'].upper()} case {case_id} ({summary(case)}) - open the console: {link}"
    outbound.send(cfg, provider.contacts[contact], cfg["HOTLINE_FROM_NUMBER"], body)
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
    signature = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        provider.webhook.url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Hotline-Signature": signature},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # non-2xx raises: retried
        status = response.status
    cases.note(r, case_id, f"posted to {provider.name}")
    return f"posted {status}"


def check_ack(case_id: str, contact: int) -> str:
    """Nobody claimed an urgent case in time: the next contact, and the person gets numbers."""
    found = _find(case_id)
    if found is None or found[1]["status"] != cases.OPEN:
        return "claimed or closed"
    r, case, route, provider = found
    cases.note(r, case_id, f"not claimed within {route.ack_minutes} minutes")
    queue = queues.for_urgency(case["urgency"])
    if contact == 0:
        queues.enqueue(r, queue, "bot.escalation.jobs.send_fallback", case_id)
    if provider and contact + 1 < len(provider.contacts):
        queues.enqueue(r, queue, "bot.escalation.jobs.notify_staff", case_id, contact + 1)
        queues.enqueue_in(
            r,
            queue,
            timedelta(minutes=route.ack_minutes),
            "bot.escalation.jobs.check_ack",
            case_id,
            contact + 1,
        )
    return "escalated"


def _send_to_person(r: redis.Redis, case_id: str, body: str) -> str | None:
    cfg = settings()
    way_back = cases.handle(r, fernet(cfg), case_id)
    if way_back is None:
        cases.note(r, case_id, "could not write back: the reply handle has expired")
        return None
    return outbound.send(cfg, way_back["address"], way_back["hotline"], body)


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
        outbound.send(
            cfg,
            way_back["address"],
            way_back["hotline"],
            content_sid=cfg["HOTLINE_WHATSAPP_TEMPLATE_SID"] or None,
            body=None if cfg["HOTLINE_WHATSAPP_TEMPLATE_SID"] else entry["text"],
        )
        cases.set_message(r, f, case_id, index, {**entry, "held": True})
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
    if delivered:
        cases.note(r, case_id, f"{delivered} held repl{'y' if delivered == 1 else 'ies'} sent")
    return f"delivered {delivered}"


def delete_record(sid: str) -> str:
    """Delete Twilio's copy of one message once it is final (retried while it is not)."""
    outbound.delete(settings(), sid)
    return "deleted"
