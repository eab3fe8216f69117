"""The RQ worker process: queues in priority order, JSON jobs, no job descriptions in logs."""

from __future__ import annotations

import argparse
import logging

from rq import Worker

from . import config, db, privacy
from .escalation import queues


def build(burst_url: str | None = None) -> Worker:
    settings = config.load()
    r = db.connect(burst_url or settings["REDIS_URL"], settings["HOTLINE_DATA_DIR"], worker=True)
    return Worker([queues.queue(r, name) for name in queues.PRIORITY], connection=r,
                  serializer=queues.SERIALIZER, log_job_description=False)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run an RQ worker for the hotline's queues.")
    parser.add_argument("--burst", action="store_true", help="quit when the queues are empty")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    privacy.install_log_filter()
    from .escalation import jobs  # noqa: F401  imported before forking, so each job does not pay for it

    build().work(burst=args.burst, with_scheduler=True)


if __name__ == "__main__":
    main()
