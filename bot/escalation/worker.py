"""The RQ worker process: queues in priority order, JSON jobs, no job descriptions in logs, and
a sweep of the outbox for cases saved but never announced."""

from __future__ import annotations

import argparse
import logging
from datetime import UTC, datetime
from typing import Any

from rq import Worker

from bot import config, db, privacy, reports
from bot.config import Settings
from bot.escalation import jobs, outbound, queues, signing

SWEEP_SECONDS = 15  # how often an idle worker wakes to sweep the outbox
HEARTBEAT_FRESH = 60  # seconds: a worker silent longer than this is taken for dead


class HotlineWorker(Worker):
    """Runs jobs with the settings it was built with, keeps the flows and routing loaded in the
    parent (so each forked job starts with them), and sweeps the outbox between jobs."""

    def __init__(self, *args: Any, settings: Settings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        jobs.use(settings)
        reports.use(settings.reports_days)

    def work(self, burst: bool = False, **kwargs: Any) -> bool:  # type: ignore[override]
        self._burst = burst
        return bool(super().work(burst=burst, **kwargs))

    def subscribe(self) -> None:
        """A burst run (tests, a one-off drain) takes no commands, so it starts no pub/sub
        thread: stopping one can wait out its 60-second read."""
        if not getattr(self, "_burst", False):
            super().subscribe()

    @property
    def dequeue_timeout(self) -> int:
        """An idle worker wakes this often, so the sweep runs even when no job comes."""
        return SWEEP_SECONDS

    def unsubscribe(self) -> None:
        """RQ unsubscribes, then stops its listening thread; by then the thread has read the
        unsubscribe's answer and waits out a 60 s poll, and every worker's exit (each burst in
        the tests, each restart) takes a minute. Stop the thread first, so that answer ends it."""
        if self.pubsub_thread:
            self.pubsub_thread.stop(timeout=0)
        super().unsubscribe()

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        jobs.sweep_outbox(self.connection)

    def handle_job_failure(
        self,
        job: Any,
        queue: Any,
        started_job_registry: Any = None,
        exc_string: str = "",
        execution: Any = None,
    ) -> None:
        """What RQ stores of a failure (the job's exc_info and its result, kept for
        failure_ttl and shown in the console) has every number shape taken out first."""
        super().handle_job_failure(
            job,
            queue,
            started_job_registry=started_job_registry,
            exc_string=privacy.redact(exc_string),
            execution=execution,
        )

    def execute_job(self, job: Any, queue: Any) -> Any:
        jobs.content()  # reloads here, before the fork, when an organizer changed a file
        return super().execute_job(job, queue)


def alive(r: Any, now: datetime | None = None) -> list[Any]:
    """Workers on the hotline's queues whose RQ heartbeat is fresh (an idle one beats every
    SWEEP_SECONDS; a killed one leaves its registration behind for minutes, but no beat)."""
    now = now or datetime.now(UTC)
    found = Worker.all(connection=r, serializer=queues.SERIALIZER)
    return [
        w
        for w in found
        if w.last_heartbeat is not None
        and (now - w.last_heartbeat.replace(tzinfo=UTC)).total_seconds() < HEARTBEAT_FRESH
        and not w.death_date
    ]


def bury(r: Any, pid: int) -> None:
    """Register the death of a worker process that was killed (it could not say so itself),
    so /healthz tells at once that nothing reaches staff."""
    for found in Worker.all(connection=r, serializer=queues.SERIALIZER):
        if found.pid == pid:
            found.register_death()


def build(settings: Settings, r: Any = None) -> HotlineWorker:
    """A worker on the hotline's queues; with `r`, on that connection (tests, burst runs)."""
    r = r or db.connect(
        settings.redis_url,
        settings.data_dir,
        worker=True,
        sentinels=settings.redis_sentinels,
        master=settings.redis_sentinel_master,
    )
    return HotlineWorker(
        [queues.queue(r, name) for name in queues.PRIORITY],
        connection=r,
        serializer=queues.SERIALIZER,
        log_job_description=False,
        settings=settings,
        maintenance_interval=SWEEP_SECONDS,  # the maintenance runs the outbox sweep
    )


def setup_logging() -> None:
    """One handler, the root's, which redacts (a Twilio error message can quote the number it
    refused). RQ's loggers pass their lines up to it: RQ adds a handler of its own only where
    none is found up the hierarchy, so it adds none, and no line is written twice."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    privacy.install_log_filter()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run an RQ worker for the hotline's queues.")
    parser.add_argument("--burst", action="store_true", help="quit when the queues are empty")
    args = parser.parse_args()
    setup_logging()
    settings = config.load()
    # Load before forking what every job needs, so no job pays for it: the flows and routing,
    # and the Twilio client's lazily imported API modules (no request is made here).
    jobs.use(settings)
    _bundle, route = jobs.content()
    unsigned = signing.webhook_problems(route.providers, production=settings.production)
    if unsigned:
        raise SystemExit("refusing to start:\n" + "\n".join(f"  - {p}" for p in unsigned))
    outbound.client(settings).messages  # noqa: B018
    build(settings).work(burst=args.burst, with_scheduler=True)


if __name__ == "__main__":
    main()
