"""Escalation cases in Redis: topic, urgency, language and answers; never a name or number."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import redis

from . import queues

CASE = "hl:case:"  # + id -> hash of the case's fields
QUEUE = "hl:cases:"  # + urgency -> sorted set of open case ids by opening time
OWNED = "hl:p:"  # + pseudonym -> set of that person's case ids, so DELETE can find them
OWNED_TTL = 30 * 86400  # a case left open longer than this is no longer findable by DELETE
# Case ids are read aloud and typed by staff: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"


def new_id(length: int = 4) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def open_case(pipe: redis.client.Pipeline, pseudo: str, event: dict[str, Any],
              now: float | None = None) -> str:
    """Write the case and queue it; called inside the turn's transaction."""
    now = time.time() if now is None else now
    case_id = event["case"]
    pipe.hset(CASE + case_id, mapping={
        "id": case_id, "topic": event["topic"], "urgency": event["urgency"],
        "lang": event["lang"], "channel": event["channel"], "node": event["node"],
        "answers": json.dumps(event.get("answers", {})), "status": "open",
        "opened_at": f"{now:.0f}",
    })
    pipe.zadd(QUEUE + event["urgency"], {case_id: now})
    pipe.sadd(OWNED + pseudo, case_id)
    pipe.expire(OWNED + pseudo, OWNED_TTL)
    return case_id


def announce(r: redis.Redis, case_id: str, urgency: str) -> None:
    """Hand the case to the workers on the queue of its urgency."""
    queues.enqueue(r, urgency if urgency in queues.PRIORITY else queues.NORMAL,
                   "bot.escalation.jobs.case_opened", case_id)


def get(r: redis.Redis, case_id: str) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in r.hgetall(CASE + case_id).items()}


def erase_person(r: redis.Redis, pipe: redis.client.Pipeline, pseudo: str) -> None:
    """DELETE: every case this person opened, its queue entry and the index go at once."""
    for raw in r.smembers(OWNED + pseudo):
        case_id = raw.decode()
        pipe.delete(CASE + case_id, CASE + case_id + ":timeline")
        for urgency in queues.PRIORITY:
            pipe.zrem(QUEUE + urgency, case_id)
    pipe.delete(OWNED + pseudo)
