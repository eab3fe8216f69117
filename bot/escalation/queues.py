"""RQ queue names, in the order workers drain them, and how jobs are enqueued."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import redis
from rq import Queue, Retry

URGENT, HIGH, NORMAL = "urgent", "high", "normal"
PRIORITY = (URGENT, HIGH, NORMAL)  # `rq worker urgent high normal`: urgent work goes first
SERIALIZER = "json"  # job arguments are plain ids and strings; JSON cannot smuggle objects


def queue(r: redis.Redis, name: str) -> Queue:
    return Queue(name, connection=r, serializer=SERIALIZER)


def for_urgency(urgency: str) -> str:
    return urgency if urgency in PRIORITY else NORMAL


def retry() -> Retry:
    """Backoff between attempts (a worker with the scheduler runs delayed retries)."""
    raw = os.environ.get("HOTLINE_RETRY_INTERVALS", "5,30,120")
    intervals = [int(x) for x in raw.split(",") if x.strip()]
    return Retry(max=len(intervals), interval=intervals)


def _options(func: str, options: dict[str, Any]) -> dict[str, Any]:
    options.setdefault("job_timeout", 30)  # longer than the Twilio client's 10 s timeout
    options.setdefault("result_ttl", 0)
    options.setdefault("failure_ttl", 7 * 86400)
    options.setdefault("retry", retry())
    # RQ's default description repeats the arguments; ours names the job only.
    options.setdefault("description", func.rsplit(".", 1)[-1])
    return options


def enqueue(r: redis.Redis, name: str, func: str, *args: Any, **options: Any) -> Any:
    """Enqueue by import path; arguments are ids and plain values, never addresses or text."""
    return queue(r, name).enqueue(func, *args, **_options(func, options))


def enqueue_in(
    r: redis.Redis, name: str, delay: timedelta, func: str, *args: Any, **options: Any
) -> Any:
    return queue(r, name).enqueue_in(delay, func, *args, **_options(func, options))
