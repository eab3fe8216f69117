"""Scale out: two web processes and two workers on one Redis under concurrent load. No urgent
case is paged twice or lost, and every person's session counts every message."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis

from bot import create_app
from bot.escalation import cases
from bot.privacy import pseudonym
from bot.turn.sessions import SessionStore
from tests.conftest import SECRET, Phone
from tests.escalation.conftest import ON_CALL
from tests.support.fake_twilio import FakeTwilio
from tests.web.test_webhook import messages

PEOPLE = 16  # half of them urgent
TEXTS = ["hello", "menu", "9", "menu"]  # red card: no case


def test_two_web_processes_and_two_workers_page_each_case_once(
    esc_config: dict[str, Any], r: redis.Redis, twilio: FakeTwilio
) -> None:
    # Pages are not capped here (tests/escalation/test_abuse.py tests the cap): each case pages.
    settings = dict(esc_config, HOTLINE_RATE_PER_MINUTE="1000", HOTLINE_PAGES_PER_WINDOW="100")
    webs = [create_app(settings), create_app(settings)]

    def person(n: int) -> tuple[str, int]:
        """One person; each text goes to the other web process, two of them at once."""
        phones = [Phone(web.test_client(), number=f"+1347555{n:04d}") for web in webs]
        for k, phone in enumerate(phones):
            phone.count = n * 100 + k * 50  # distinct MessageSids across both processes
        texts = ["ICE is at my door", *TEXTS] if n % 2 else TEXTS
        for i, text in enumerate(texts):
            assert messages(phones[i % 2].send(text))
        with ThreadPoolExecutor(2) as both:  # the same person, on both processes at once
            answers = list(both.map(lambda p: p.send("help"), phones))
        assert all(a.status_code == 200 and messages(a) for a in answers)
        return phones[0].address, len(texts) + 2

    with ThreadPoolExecutor(8) as load:
        sent = list(load.map(person, range(PEOPLE)))

    opened = {c["id"] for c in cases.open_cases(r)}
    assert len(opened) == PEOPLE // 2
    r.zadd(cases.OUTBOX, dict.fromkeys(opened, 0))  # both workers' sweeps race the jobs too
    env = {**os.environ, **{k: str(v) for k, v in settings.items()}}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.escalation.worker", "--burst"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    for worker in workers:
        assert worker.wait(timeout=120) == 0

    paged = Counter(
        case_id
        for m in twilio.sent
        if m["To"] == ON_CALL[0]
        for case_id in opened
        if f" case {case_id} " in m["Body"]
    )
    assert paged == dict.fromkeys(opened, 1), "every case paged once: none lost, none twice"
    for address, count in sent:
        session = SessionStore.parse(r.get(SessionStore.key(pseudonym(SECRET.encode(), address))))
        assert session is not None and session.turns == count, "no message lost or doubled"
