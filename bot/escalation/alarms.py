"""Alarms organizers must see: a budget spent. Each is one error-level log line per hour and a
flag in Redis that the console shows as a banner while it lasts."""

from __future__ import annotations

import logging
import time

import redis

log = logging.getLogger(__name__)

ALARM = "hl:alarm:"  # + name -> the hour it was raised; gone after ALARM_TTL
ALARM_TTL = 3600
EXPLAIN = {
    "replies": "This hour's reply budget is spent: only urgent texts are answered (SMS pumping?).",
    "escalation": "This hour's escalation send budget is spent: pages and fallback texts stopped; "
    "check the queue here.",
}


def raise_alarm(r: redis.Redis, name: str, now: float | None = None) -> None:
    """Log at error level once per alarm and hour, and set the flag the console reads."""
    now = time.time() if now is None else now
    if r.set(ALARM + name, str(int(now // 3600)), nx=True, ex=ALARM_TTL):
        log.error("alarm: %s", EXPLAIN.get(name, name))


def raised(r: redis.Redis) -> list[str]:
    """What the console's banner says: each alarm raised within the last hour."""
    names = sorted(k.decode().removeprefix(ALARM) for k in r.scan_iter(ALARM + "*"))
    return [EXPLAIN.get(name, name) for name in names]
