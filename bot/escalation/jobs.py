"""RQ jobs: module-level functions taking ids, never addresses or message text."""

from __future__ import annotations

import logging
import os
import time

import redis

from . import cases

log = logging.getLogger(__name__)


def _redis() -> redis.Redis:
    from rq import get_current_job

    job = get_current_job()
    return job.connection if job is not None else redis.Redis.from_url(os.environ["REDIS_URL"])


def case_opened(case_id: str) -> str:
    """Mark a new case as waiting for staff on its timeline.

    The escalation work (notifying on-call staff, provider webhooks) builds on this job.
    """
    r = _redis()
    if not r.exists(cases.CASE + case_id):
        log.info("case %s was erased before it was queued", case_id)
        return "erased"
    r.rpush(cases.CASE + case_id + ":timeline", f"{time.time():.0f} queued for staff")
    log.info("case %s queued for staff", case_id)
    return "queued"
