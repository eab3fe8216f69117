"""Redis that survives a server: the master dies under traffic, Sentinel promotes the replica,
and the hotline follows. Every text gets an answer throughout, and no acknowledged case is lost."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import create_app, db
from bot.escalation import cases
from tests.conftest import Phone
from tests.escalation.conftest import ON_CALL
from tests.support.fake_twilio import FakeTwilio
from tests.support.sentinel import MASTER_NAME, SentinelCluster
from tests.web.test_webhook import messages

CASE_NUMBER = re.compile(r"Your case number is (\w+)\.")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[SentinelCluster]:
    started = SentinelCluster(tmp_path / "redis").start()
    yield started
    started.stop()


def test_the_master_dies_under_traffic_and_no_acknowledged_case_is_lost(
    esc_config: dict[str, Any], cluster: SentinelCluster, twilio: FakeTwilio, say: Any
) -> None:
    settings = dict(
        esc_config,
        REDIS_URL="",
        REDIS_SENTINELS=cluster.sentinels,
        REDIS_SENTINEL_MASTER=MASTER_NAME,
        HOTLINE_RATE_PER_MINUTE="1000",
        HOTLINE_PAGES_PER_WINDOW="100",  # every case pages (the cap is tested in test_abuse.py)
    )
    app = create_app(settings)
    r = db.connect(
        "", "", worker=True, sentinels=tuple(cluster.sentinels.split(",")), master=MASTER_NAME
    )
    talkers = [Phone(app.test_client(), number=f"+1347555{i:04d}") for i in range(4)]
    urgent_count = 0
    acknowledged: list[str] = []  # case numbers the person was told
    outage_answers = 0

    def urgent() -> None:
        nonlocal urgent_count, outage_answers
        urgent_count += 1
        phone = Phone(app.test_client(), number=f"+1718555{urgent_count:04d}")
        response = phone.send("ICE is at my door")
        assert response.status_code == 200
        texts = messages(response)
        assert texts, "every text gets guidance"
        found = CASE_NUMBER.search(" ".join(texts))
        if found:
            acknowledged.append(found[1])
        else:
            assert texts == [say("en", "outage")]
            outage_answers += 1

    def chat(phone: Phone, body: str) -> bool:
        """One text; True when Redis answered (not the outage notice)."""
        nonlocal outage_answers
        response = phone.send(body)
        assert response.status_code == 200
        texts = messages(response)
        assert texts, "every text gets guidance"
        if texts == [say("en", "outage")]:
            outage_answers += 1
            return False
        return True

    for phone in talkers:  # conversations under way before the kill
        assert chat(phone, "hello")
    for _ in range(3):
        urgent()
    first = cluster.master_port_now()

    cluster.kill_master()
    killed = time.monotonic()
    answered_again = None
    while answered_again is None:  # traffic continues through the switch
        assert time.monotonic() - killed < 30, "no failover within 30 s"
        urgent()
        if all([chat(phone, "1") for phone in talkers]) and cluster.master_port_now() != first:
            answered_again = time.monotonic()
        time.sleep(0.1)
    seconds_without_redis = answered_again - killed
    assert cluster.master_port_now() == cluster.replica_port

    for phone in talkers:  # conversations continue on the new master
        assert chat(phone, "2")
    for _ in range(3):
        urgent()

    # The Procfile's worker, through the Sentinels too (with its scheduler, in burst mode).
    env = {**os.environ, **{k: str(v) for k, v in settings.items()}}
    worker = subprocess.run(
        [sys.executable, "-m", "bot.escalation.worker", "--burst"], env=env, capture_output=True
    )
    assert worker.returncode == 0, worker.stderr.decode()[-2000:]
    paged = " ".join(m["Body"] for m in twilio.sent if m["To"] in ON_CALL)
    lost = [case_id for case_id in acknowledged if case_id not in paged]
    print(
        f"\nfailover: {seconds_without_redis:.1f} s without Redis, {outage_answers} outage "
        f"answers, {len(acknowledged)} cases acknowledged, {len(lost)} lost"
    )
    assert len(acknowledged) >= 6
    assert lost == []
    assert {c["id"] for c in cases.open_cases(r)} >= set(acknowledged)
    r.close()
