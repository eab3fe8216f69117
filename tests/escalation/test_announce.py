"""A saved case always reaches staff: the outbox and its sweep, ids unique within the commit,
on-call hours applied, and only what a session needs is stored."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis

from bot import create_app
from bot.db import Writes
from bot.escalation import cases, jobs
from bot.turn.inbound import InboundMessage
from tests.conftest import Phone
from tests.escalation.conftest import ON_CALL, only_case, through, work
from tests.support.fake_twilio import FakeTwilio

NEW_YORK = ZoneInfo("America/New_York")


def test_a_case_whose_announcement_failed_still_reaches_the_on_call_contact(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError("RQ could not build the job")

    monkeypatch.setattr(jobs, "announce", broken)
    reply = person.send("ICE is at my door").get_data(as_text=True)
    case = only_case(r)
    assert case["id"] in reply  # the person got the guidance and the case number, not the outage
    work(r)
    assert twilio.sent == []  # nothing queued yet: the announcement failed
    monkeypatch.undo()
    # Time passes: the case has waited in the outbox longer than the sweep allows.
    r.zadd(cases.OUTBOX, {case["id"]: time.time() - jobs.ANNOUNCE_WITHIN - 1})
    work(r)  # the worker's maintenance sweeps the outbox, then runs what it queued
    assert [m["To"] for m in twilio.sent] == [ON_CALL[0]]
    assert r.zscore(cases.OUTBOX, case["id"]) is None


def test_a_case_announced_twice_pages_once(
    person: Phone, r: redis.Redis, twilio: FakeTwilio
) -> None:
    person.send("ICE is at my door")
    case = only_case(r)
    jobs.announce(r, case["id"], case["urgency"])  # the sweep raced the web process
    work(r)
    assert [m["To"] for m in twilio.sent] == [ON_CALL[0]]


@pytest.fixture
def id_taken_meanwhile(r: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine picks the id AAAA twice, then BBBB; another person's case takes AAAA between
    the engine's choice and the commit."""
    ids: Iterator[str] = iter(["AAAA", "AAAA", "BBBB"])
    monkeypatch.setattr(cases, "new_id", lambda: next(ids))
    real_commit = Writes.commit

    def racing_commit(self: Writes, *args: Any) -> Any:
        r.hsetnx(cases.CASE + "AAAA", "topic", "someone_else")
        return real_commit(self, *args)

    monkeypatch.setattr(Writes, "commit", racing_commit)


@pytest.mark.usefixtures("id_taken_meanwhile")
@pytest.mark.parametrize("before", [[], ["hi"]], ids=["first text", "guessed turn"])
def test_a_case_id_taken_before_the_commit_is_not_reused(
    person: Phone, r: redis.Redis, before: list[str]
) -> None:
    for text in before:  # the process then runs the urgent turn on the session it wrote
        person.send(text)
    reply = person.send("ICE is at my door").get_data(as_text=True)
    assert r.hgetall(cases.CASE + "AAAA") == {b"topic": b"someone_else"}
    assert r.hget(cases.CASE + "BBBB", "topic") == b"ice_at_door"
    assert "BBBB" in reply and "AAAA" not in reply


@pytest.mark.usefixtures("id_taken_meanwhile")
def test_a_case_and_its_job_are_saved_in_one_commit(person: Phone, r: redis.Redis) -> None:
    """The job that pages staff is written with the case, before any worker runs; a commit
    that is refused (the id was taken meanwhile) leaves no job behind."""
    from rq import Queue

    from bot.escalation import queues

    person.send("ICE is at my door")
    [job_id] = Queue(queues.URGENT, connection=r, serializer=queues.SERIALIZER).job_ids
    assert job_id.startswith(f"{queues.CASE_JOB}BBBB-")
    assert list(r.scan_iter(f"rq:job:{queues.CASE_JOB}AAAA-*")) == []


ROUTING_WITH_HOURS = """
spec_version: 1
ack_minutes: 10
timezone: America/New_York
topics: {ice_at_door: ICE at the door}
providers:
  - id: weekdays
    name: Weekday team
    topics: [ice_at_door]
    on_call: {days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}
    contacts: ["+12125550111"]
  - id: evenings
    name: Evening team
    topics: [ice_at_door]
    on_call: {days: [mon, tue, wed, thu, fri], from: "17:00", to: "22:00"}
    contacts: ["+12125550122"]
"""


@pytest.fixture
def hours_app(esc_config: dict[str, Any], r: redis.Redis, twilio: FakeTwilio) -> Any:
    content = Path(esc_config["HOTLINE_CONTENT_DIR"])
    (content / "flows" / "routing.yaml").write_text(ROUTING_WITH_HOURS)
    app = create_app(esc_config)
    twilio.post_status = through(app)
    return app


def _urgent_at(app: Any, when: dt.datetime, number: str) -> str:
    msg = InboundMessage("sms", number, "ICE is at my door", 0, "SM" + number[-10:] * 3, "+1")
    app.extensions["hotline"].handle(msg, now=when.timestamp())
    [case_id] = [raw.decode() for raw in app.extensions["redis"].zrange(cases.OUTBOX, 0, -1)]
    return case_id


@pytest.mark.parametrize(
    ("when", "provider", "paged"),
    [
        (dt.datetime(2026, 12, 2, 10, 30, tzinfo=NEW_YORK), "weekdays", "+12125550111"),
        (dt.datetime(2026, 12, 2, 19, 0, tzinfo=NEW_YORK), "evenings", "+12125550122"),
    ],
)
def test_on_call_hours_choose_whom_to_page(
    hours_app: Any, r: redis.Redis, twilio: FakeTwilio, when: dt.datetime, provider: str, paged: str
) -> None:
    case_id = _urgent_at(hours_app, when, "+13475550160")
    assert cases.get(r, case_id)["provider"] == provider
    work(r)
    assert [m["To"] for m in twilio.sent] == [paged]


def test_outside_every_providers_hours_the_person_gets_the_numbers_at_once(
    hours_app: Any, r: redis.Redis, twilio: FakeTwilio
) -> None:
    saturday_night = dt.datetime(2026, 12, 5, 23, 30, tzinfo=NEW_YORK)
    case_id = _urgent_at(hours_app, saturday_night, "+13475550161")
    assert cases.get(r, case_id)["provider"] == ""
    work(r)
    [fallback] = twilio.sent
    assert fallback["To"] == "+13475550161"  # the person, not a staff member
    assert "911" in fallback["Body"] or "311" in fallback["Body"]
    assert any("nobody on call" in e["what"] for e in cases.timeline(r, case_id))


def test_a_stored_session_holds_no_unused_fields(person: Phone, r: redis.Redis) -> None:
    person.send("hi")
    [key] = r.keys("hl:s:*")
    stored = json.loads(r.get(key) or b"{}")
    assert set(stored) <= {"n", "l", "v", "s", "a", "t", "d", "m"}
    assert "f" not in stored  # the flows' version was written and never read
