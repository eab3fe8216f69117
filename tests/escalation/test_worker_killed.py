"""A worker killed in the middle of a job loses nothing: the next worker does the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import redis
from rq.registry import StartedJobRegistry

from bot.escalation import cases, queues
from tests.conftest import Phone
from tests.escalation.conftest import ON_CALL, only_case, work
from tests.support.fake_twilio import FakeTwilio


def test_a_killed_worker_loses_no_case_or_notification(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, esc_config: dict[str, Any]
) -> None:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    twilio.delay = 120  # Twilio hangs: the job is mid-send when the worker dies
    env = {**os.environ, **{k: str(v) for k, v in esc_config.items()}}
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot.escalation.worker"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while not any("/Messages.json" in path for path, _h, _b in twilio.posts):
            assert time.time() < deadline, "the worker never reached Twilio"
            time.sleep(0.05)
        started = StartedJobRegistry(queue=queues.queue(r, queues.URGENT))
        assert len(started.get_job_ids(cleanup=False)) == 1
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, no warm shutdown
        worker.wait()
    assert twilio.sent == []

    twilio.delay = 0
    # Later, the next worker's maintenance finds the job abandoned (its heartbeat lapsed) and
    # retries it; here time is moved on instead of waited for.
    started.cleanup(timestamp=time.time() + 3600)
    work(r)
    assert [m["To"] for m in twilio.sent] == [ON_CALL[0]]
    assert case_id in twilio.sent[0]["Body"]
    assert cases.get(r, case_id)["status"] == "open"
