"""The RQ worker process: queues in priority order, JSON jobs, no job descriptions in logs."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from rq import Worker

from bot import config, db, privacy
from bot.escalation import queues


class HotlineWorker(Worker):
    """Keeps the flows and routing loaded in the parent, so each forked job starts with them
    instead of parsing every YAML file again (that made a notification wait seconds)."""

    def execute_job(self, job: Any, queue: Any) -> Any:
        from bot.escalation import jobs

        jobs.content()  # reloads here, before the fork, when an organizer changed a file
        return super().execute_job(job, queue)


def build(burst_url: str | None = None) -> Worker:
    settings = config.load()
    r = db.connect(burst_url or settings["REDIS_URL"], settings["HOTLINE_DATA_DIR"], worker=True)
    return HotlineWorker(
        [queues.queue(r, name) for name in queues.PRIORITY],
        connection=r,
        serializer=queues.SERIALIZER,
        log_job_description=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Run an RQ worker for the hotline's queues.")
    parser.add_argument("--burst", action="store_true", help="quit when the queues are empty")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    privacy.install_log_filter()
    # RQ's loggers do not propagate and add their own handler unless one is there: give them
    # one that redacts (a Twilio error message can quote the number it refused).
    for name in ("rq.worker", "rq.scheduler", "rq.job", "rq.queue"):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handler.addFilter(privacy.RedactFilter())
        logging.getLogger(name).addHandler(handler)
    from bot.escalation import jobs, outbound

    # Load before forking what every job needs, so no job pays for it: the flows and routing,
    # and the Twilio client's lazily imported API modules (no request is made here).
    jobs.content()
    outbound.client(config.load()).messages  # noqa: B018
    build().work(burst=args.burst, with_scheduler=True)


if __name__ == "__main__":
    main()
