"""RQ queue names, in the order workers drain them, and how jobs are enqueued."""

from __future__ import annotations

from collections.abc import Callable
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


def retry(intervals: tuple[int, ...]) -> Retry:
    """Backoff between attempts (a worker with the scheduler runs delayed retries)."""
    return Retry(max=len(intervals), interval=list(intervals))


def _options(func: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    options.setdefault("job_timeout", 30)  # longer than the Twilio client's 10 s timeout
    options.setdefault("result_ttl", 0)
    options.setdefault("failure_ttl", 7 * 86400)
    # RQ's default description repeats the arguments; ours names the job only.
    options.setdefault("description", func.__name__)
    return options


def enqueue(r: redis.Redis, name: str, func: Callable[..., Any], *args: Any, **options: Any) -> Any:
    """Enqueue a job function; arguments are ids and plain values, never addresses or text."""
    return queue(r, name).enqueue(func, *args, **_options(func, options))


def enqueue_in(
    r: redis.Redis,
    name: str,
    delay: timedelta,
    func: Callable[..., Any],
    *args: Any,
    **options: Any,
) -> Any:
    return queue(r, name).enqueue_in(delay, func, *args, **_options(func, options))
