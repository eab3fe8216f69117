"""RQ queue names, in the order workers drain them, and how jobs are enqueued."""

from __future__ import annotations

from typing import Any

import redis
from rq import Queue, Retry

URGENT, HIGH, NORMAL = "urgent", "high", "normal"
PRIORITY = (URGENT, HIGH, NORMAL)  # `rq worker urgent high normal`: urgent work goes first
SERIALIZER = "json"  # job arguments are plain ids and strings; JSON cannot smuggle objects


def queue(r: redis.Redis, name: str) -> Queue:
    return Queue(name, connection=r, serializer=SERIALIZER)


def enqueue(r: redis.Redis, name: str, func: str, *args: Any, **options: Any) -> Any:
    """Enqueue by import path, with a description that never repeats the arguments."""
    options.setdefault("job_timeout", 30)
    options.setdefault("result_ttl", 0)
    options.setdefault("failure_ttl", 7 * 86400)
    options.setdefault("retry", Retry(max=3, interval=[5, 30, 120]))
    return queue(r, name).enqueue(func, *args, description=func.rsplit(".", 1)[-1], **options)
