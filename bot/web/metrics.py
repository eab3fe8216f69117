"""GET /metrics for Prometheus, behind a bearer token: webhook latency, queues, failed jobs,
workers, Redis reachability, and today's aggregate counts.

No label carries a pseudonym, case id, number or text: labels are queue names and fixed counter
names. Today's counts are exposed as totals only (conversations, cases opened, ...), not by
language, topic or agency: a time series scraped every few seconds would date a single
Bengali conversation to the minute. Those breakdowns are in `hotline reports`, per day at the
finest and with small cells suppressed.

Under gunicorn each worker process keeps its own latency histogram; set
PROMETHEUS_MULTIPROC_DIR (an empty folder) for the processes to share one (prometheus_client's
multiprocess mode).
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

import redis
from flask import Blueprint, Flask, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from rq import Worker
from rq.registry import FailedJobRegistry

from bot import reports
from bot.escalation import queues
from bot.web.state import get_redis, settings

bp = Blueprint("metrics", __name__)
log = logging.getLogger(__name__)
_process = CollectorRegistry(auto_describe=True)  # this process's own metrics
WEBHOOK_SECONDS = Histogram(
    "hotline_webhook_seconds",
    "Time to answer a Twilio webhook (signature check, turn, TwiML)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
    registry=_process,
)
# Today's totals, by a fixed name: (metric label, report field).
TODAY = (
    ("conversations", reports.CONVERSATIONS),
    ("cases_opened", "case.opened:*"),
    ("cases_claimed", "case.claimed:*"),
    ("cases_closed", "case.closed:*"),
    ("fallbacks_sent", "fallback:*"),
    ("refused_flood", "refused:flood"),
    ("refused_budget", "refused:budget"),
    ("refused_silence", "refused:silence"),
)


def init_app(app: Flask) -> None:
    """Serve /metrics (the webhook view is timed by `WEBHOOK_SECONDS.time()`: a decorator on
    the one view, not a hook every request would run)."""
    app.register_blueprint(bp)


def refused(r: redis.Redis, why: str) -> None:
    """A message refused by the limits, counted for the reports; never fails the reply."""
    try:
        pipe = r.pipeline(transaction=False)
        reports.count_refused(pipe, why, time.time())
        pipe.execute()
    except redis.RedisError:
        log.warning("metrics: could not count a refused message")


class RedisCollector:
    """Read at each scrape: queues, failed jobs, workers, reachability, today's totals."""

    def __init__(self, r: redis.Redis) -> None:
        self.r = r

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("hotline_redis_up", "1 when Redis answers a PING")
        try:
            self.r.ping()
        except redis.RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily("hotline_queue_depth", "Jobs waiting", labels=["queue"])
        failed = GaugeMetricFamily("hotline_failed_jobs", "Jobs failed", labels=["queue"])
        for name in queues.PRIORITY:
            queue = queues.queue(self.r, name)
            depth.add_metric([name], queue.count)
            failed.add_metric([name], FailedJobRegistry(queue=queue).count)
        yield depth
        yield failed
        workers = GaugeMetricFamily("hotline_workers", "RQ workers alive")
        workers.add_metric([], Worker.count(connection=self.r))
        yield workers
        yield self._today()

    def _today(self) -> Metric:
        family = GaugeMetricFamily(
            "hotline_today", "Totals of the hotline's local day so far", labels=["counter"]
        )
        day = reports.local_day(time.time())
        totals = reports.with_totals(reports.read_days(self.r, [day])[day])
        for label, field in TODAY:
            family.add_metric([label], totals.get(field, 0))
        return family


def _authorized() -> bool:
    token = settings().metrics_token
    if not token:
        abort(404)  # not configured: no metrics at all
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@bp.get("/metrics")
def scrape() -> Any:
    if not _authorized():
        return Response("", status=401, headers={"WWW-Authenticate": "Bearer"})
    shared = CollectorRegistry(auto_describe=False)
    shared.register(RedisCollector(get_redis()))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process = CollectorRegistry()
        MultiProcessCollector(process)
    else:
        process = _process
    body = generate_latest(process) + generate_latest(shared)
    return Response(body, content_type=CONTENT_TYPE_LATEST)
