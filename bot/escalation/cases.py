"""Escalation cases in Redis: topic, urgency, language and answers; never a name or number.

The only ways back to the person are the reply handle (their encrypted address) and the thread
(encrypted messages), both beside the case and both purged when it closes.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import redis
from cryptography.fernet import Fernet

from bot import reports
from bot.db import Writes
from bot.escalation import delivery, queues
from bot.escalation.vault import seal, unseal

CASE = "hl:case:"  # + id -> hash of the case's fields
QUEUE = "hl:cases:"  # + urgency -> sorted set of open case ids by opening time
OUTBOX = "hl:outbox"  # case id -> when it was saved; removed once announced to the workers
OWNED = "hl:p:"  # + pseudonym -> set of that person's case ids, so DELETE can find them
AUDIT = "hl:audit"  # staff actions: who claimed, replied, closed, reviewed (never message text)
OWNED_TTL = 30 * 86400  # a case left open longer than this is no longer findable by DELETE
AUDIT_KEEP = 10_000
# Case ids are read aloud and typed by staff: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"


def new_id(length: int = 4) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def _timeline(pipe: Any, case_id: str, what: str, now: float) -> None:
    pipe.rpush(CASE + case_id + ":timeline", json.dumps({"t": round(now), "what": what}))


def open_case(
    pipe: Writes,
    pseudo: str,
    event: dict[str, Any],
    provider: str,
    handle: bytes,
    handle_ttl: int,
    now: float | None = None,
    reply_minutes: int | None = None,
) -> str:
    """Write the case, its reply handle, its queue entry and its outbox entry, inside the
    turn's commit; the commit refuses the turn if the id is taken (the turn runs again)."""
    now = time.time() if now is None else now
    case_id = event["case"]
    answers = event.get("answers", {})
    pipe.hset(
        CASE + case_id,
        mapping={
            "id": case_id,
            "topic": event["topic"],
            "urgency": event["urgency"],
            "lang": event["lang"],
            "channel": event["channel"],
            "node": event["node"],
            "answers": json.dumps(answers),
            "borough": answers.get("borough", ""),
            "status": CaseStatus.OPEN.value,
            "provider": provider,
            "opened_at": f"{now:.0f}",
            "last_inbound": f"{now:.0f}",
            # the first reply promised to the person, by then (urgent cases with a provider)
            "reply_by": f"{now + reply_minutes * 60:.0f}" if reply_minutes else "",
        },
    )
    pipe.set(CASE + case_id + ":handle", handle, ex=handle_ttl)
    pipe.zadd(QUEUE + event["urgency"], {case_id: now})
    pipe.sadd(OWNED + pseudo, case_id)
    pipe.expire(OWNED + pseudo, OWNED_TTL)
    pipe.zadd(OUTBOX, {case_id: now})
    pipe.require_absent(CASE + case_id)
    reports.count_opened(pipe, provider, event, now)
    _timeline(pipe, case_id, "opened", now)
    return case_id


def joined(pipe: Writes, case_id: str, urgency: str, now: float) -> None:
    """The person with this open case wrote about an emergency again: it joins the case's
    timeline (inside the turn's commit); no second case, no second page."""
    _timeline(pipe, case_id, f"the person wrote again ({urgency})", now)


def get(r: redis.Redis, case_id: str) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in r.hgetall(CASE + case_id).items()}


def update_answers(pipe: Any, case_id: str, answers: dict[str, str]) -> None:
    pipe.hset(
        CASE + case_id,
        mapping={"answers": json.dumps(answers), "borough": answers.get("borough", "")},
    )


def timeline(r: redis.Redis, case_id: str) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in r.lrange(CASE + case_id + ":timeline", 0, -1)]


def note(r: redis.Redis, case_id: str, what: str) -> None:
    """A timeline entry, if the case still exists (it may have been closed or erased); on a
    pipeline, inside its transaction."""
    if isinstance(r, redis.client.Pipeline) or r.exists(CASE + case_id):
        _timeline(r, case_id, what, time.time())


def open_cases(r: redis.Redis, provider: str | None = None) -> list[dict[str, str]]:
    """The queue as staff see it: urgent first, then oldest first."""
    found = []
    for urgency in queues.PRIORITY:
        for raw in r.zrange(QUEUE + urgency, 0, -1):
            case = get(r, raw.decode())
            if case and (provider is None or case.get("provider") == provider):
                found.append(case)
    return found


def missed_target(case: dict[str, str], now: float) -> bool:
    """An urgent case with no staff reply past the time its provider promised the person."""
    reply_by = case.get("reply_by")
    return bool(reply_by) and not case.get("replied_at") and now > float(reply_by or 0)


def audit(r: redis.Redis, staff: str, action: str, case_id: str, **about: str) -> None:
    """Who did what to which case or job; `about` names a text instead (lang, key), never
    with any message's text."""
    entry = {"t": round(time.time()), "staff": staff, "action": action, "case": case_id, **about}
    pipe = r.pipeline()
    pipe.lpush(AUDIT, json.dumps(entry))
    pipe.ltrim(AUDIT, 0, AUDIT_KEEP - 1)
    pipe.execute()


def claim(r: redis.Redis, case_id: str, staff: str) -> bool:
    """Take a case; False when someone else holds it or it is gone."""
    key = CASE + case_id
    with r.pipeline() as pipe:
        try:
            pipe.watch(key)
            status = pipe.hget(key, "status")
            if status is None or status.decode() == CaseStatus.CLOSED:
                return False
            holder = pipe.hget(key, "assignee")
            if status.decode() == CaseStatus.CLAIMED and holder and holder.decode() != staff:
                return False
            provider, opened_at = pipe.hmget(key, "provider", "opened_at")
            pipe.multi()
            if status.decode() == CaseStatus.OPEN:  # the first claim counts, not a repeat
                reports.count_claimed(
                    pipe, (provider or b"").decode(), float(opened_at or 0), time.time()
                )
            pipe.hset(
                key,
                mapping={
                    "status": CaseStatus.CLAIMED.value,
                    "assignee": staff,
                    "claimed_at": f"{time.time():.0f}",
                },
            )
            _timeline(pipe, case_id, f"claimed by {staff}", time.time())
            pipe.execute()
        except redis.WatchError:
            return False
    audit(r, staff, "claim", case_id)
    return True


def add_message(
    target: redis.Redis | Writes,
    f: Fernet,
    case_id: str,
    sender: str,
    text: str,
    ttl: int,
    now: float | None = None,
    by: str = "",
) -> int | None:
    """Append to the encrypted thread, directly (returns the message's index in it) or as part
    of a turn's commit (returns None)."""
    key = CASE + case_id + ":thread"
    now = time.time() if now is None else now
    entry = {"t": round(now), "from": sender, "by": by, "text": text, "held": False}
    length = target.rpush(key, seal(f, entry))
    target.expire(key, ttl)
    if sender == "staff" and isinstance(target, redis.Redis):
        _count_first_reply(target, case_id, now)
    return None if length is None else int(length) - 1


def _count_first_reply(r: redis.Redis, case_id: str, now: float) -> None:
    """The first staff reply on a case counts in the reports' time-to-first-reply buckets."""
    if r.hsetnx(CASE + case_id, "first_reply_at", f"{now:.0f}"):
        provider, opened_at = r.hmget(CASE + case_id, "provider", "opened_at")
        pipe = r.pipeline(transaction=False)
        reports.count_replied(pipe, (provider or b"").decode(), float(opened_at or now), now)
        pipe.execute()


def mark_held(r: redis.Redis, case_id: str, held: bool) -> None:
    """Whether replies wait for the person to reopen WhatsApp's window: a turn reads this flag
    instead of decrypting the whole thread."""
    r.hset(CASE + case_id, "held", "1" if held else "")


def thread(r: redis.Redis, f: Fernet, case_id: str) -> list[dict[str, Any]]:
    entries = (unseal(f, raw) for raw in r.lrange(CASE + case_id + ":thread", 0, -1))
    return [e for e in entries if e is not None]


def set_message(r: redis.Redis, f: Fernet, case_id: str, index: int, entry: dict[str, Any]) -> None:
    r.lset(CASE + case_id + ":thread", index, seal(f, entry))


def handle(r: redis.Redis, f: Fernet, case_id: str) -> dict[str, str] | None:
    """The way back to the person: only the send jobs call this."""
    raw = r.get(CASE + case_id + ":handle")
    return unseal(f, raw) if raw else None


def _purge(r: redis.Redis, pipe: Writes, case_ids: Iterable[str]) -> None:
    for case_id in case_ids:
        pipe.delete(
            CASE + case_id,
            CASE + case_id + ":timeline",
            CASE + case_id + ":thread",
            CASE + case_id + ":handle",
            CASE + case_id + delivery.DELIVERY,
            *(delivery.SID + e["sid"] for e in delivery.for_case(r, case_id).values() if e["sid"]),
        )
        for urgency in queues.PRIORITY:
            pipe.zrem(QUEUE + urgency, case_id)
        pipe.zrem(OUTBOX, case_id)


def close(r: redis.Redis, case_id: str, staff: str) -> None:
    """Closing purges the case, its thread and its handle; the audit keeps who closed it."""
    writes = Writes()
    provider = r.hget(CASE + case_id, "provider")
    if provider is not None:  # a case closed twice counts once
        reports.count_closed(writes, provider.decode(), time.time())
    _purge(r, writes, [case_id])
    writes.apply(r)
    queues.remove_case_jobs(r, case_id)
    audit(r, staff, "close", case_id)


def erase_person(r: redis.Redis, pipe: Writes, pseudo: str) -> None:
    """DELETE: every case this person opened, with its thread and handle, goes at once."""
    owned = [raw.decode() for raw in r.smembers(OWNED + pseudo)]
    _purge(r, pipe, owned)
    pipe.delete(OWNED + pseudo)
    for case_id in owned:  # their jobs, results and failures: a failure can quote a number
        queues.remove_case_jobs(r, case_id)
