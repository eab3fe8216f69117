"""RQ queue names, in the order workers drain them, and how jobs are enqueued."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import redis
from rq import Queue, Retry
from rq.job import Job

from bot.db import on_client

URGENT, HIGH, NORMAL = "urgent", "high", "normal"
PRIORITY = (URGENT, HIGH, NORMAL)  # `rq worker urgent high normal`: urgent work goes first
SERIALIZER = "json"  # job arguments are plain ids and strings; JSON cannot smuggle objects
FAILURE_TTL = 86400  # a failed job stays a day for staff to see and requeue, then goes
CASE_JOB = "case-"  # job ids of a case's jobs start with this and the case id


def queue(r: redis.Redis, name: str) -> Queue:
    """The queue `name` on this client, made once: making one checks its serializer against a
    runtime Protocol, about a third of the CPU of an enqueue (an urgent turn enqueues one)."""
    made = on_client(r, "queues")
    found: Queue | None = made.get(name)
    if found is None:
        found = made[name] = Queue(name, connection=r, serializer=SERIALIZER)
    return found


def for_urgency(urgency: str) -> str:
    return urgency if urgency in PRIORITY else NORMAL


def case_job_id(case_id: str) -> str:
    """A job id that names its case, so closing or erasing the case finds its jobs."""
    return f"{CASE_JOB}{case_id}-{uuid.uuid4().hex}"


def remove_case_jobs(r: redis.Redis, case_id: str) -> int:
    """Delete every job of a case, queued, scheduled, failed or finished, with its results
    (a failure's traceback among them). Returns how many went."""
    removed = 0
    for key in r.scan_iter(match=f"rq:job:{CASE_JOB}{case_id}-*", count=1000):
        job_id = key.decode().removeprefix("rq:job:")
        if ":" in job_id:  # a job's dependents or dependencies set, not the job
            continue
        try:
            Job.fetch(job_id, connection=r, serializer=SERIALIZER).delete()
        except Exception:  # NoSuchJobError, or a job RQ cannot read: delete its keys anyway
            r.delete(key, f"rq:results:{job_id}")
        removed += 1
    return removed


def retry(intervals: tuple[int, ...]) -> Retry:
    """Backoff between attempts (a worker with the scheduler runs delayed retries)."""
    return Retry(max=len(intervals), interval=list(intervals))


def _options(func: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    options.setdefault("job_timeout", 30)  # longer than the Twilio client's 10 s timeout
    options.setdefault("result_ttl", 0)
    options.setdefault("failure_ttl", FAILURE_TTL)
    # RQ's default description repeats the arguments; ours names the job only.
    options.setdefault("description", func.__name__)
    return options


def enqueue(r: redis.Redis, name: str, func: Callable[..., Any], *args: Any, **options: Any) -> Any:
    """Enqueue a job function; arguments are ids and plain values, never addresses or text."""
    return queue(r, name).enqueue(func, *args, **_options(func, options))


def schedule(
    r: redis.Redis,
    name: str,
    when: datetime | timedelta,
    func: Callable[..., Any],
    *args: Any,
    **options: Any,
) -> Any:
    """Enqueue a job to run at `when` (a time) or after it (a delay)."""
    q, opts = queue(r, name), _options(func, options)
    if isinstance(when, datetime):
        return q.enqueue_at(when, func, *args, **opts)
    return q.enqueue_in(when, func, *args, **opts)
