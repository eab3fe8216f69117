"""Floods and raids: no sender silences the hotline, no flood exhausts its staff (issue 11).
Real Redis, forking RQ workers and the local Twilio stand-in."""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from twilio.request_validator import RequestValidator

from bot import create_app
from bot.escalation import alarms, cases, jobs, queues
from bot.turn import hotline
from tests.conftest import AUTH_TOKEN, WEBHOOK, Phone
from tests.escalation.conftest import ON_CALL, Console, only_case, run_scheduled, work
from tests.support.clock import FixedClock
from tests.support.fake_twilio import FakeTwilio
from tests.web.test_webhook import messages

URGENT = "ICE is at my door"


def test_one_flooding_sender_cannot_silence_an_urgent_text(
    esc_app: Any, r: redis.Redis, twilio: FakeTwilio, say: Any
) -> None:
    flooder = Phone(esc_app.test_client(), number="+13475550100")
    for n in range(5000):
        flooder.send(f"hi {n}")
    person = Phone(esc_app.test_client(), number="+13475550199")
    [guidance, *_] = messages(person.send(URGENT))
    assert guidance.startswith(say("en", "door.now")[:40])
    case = only_case(r)
    work(r)
    assert [m["To"] for m in twilio.sent] == [ON_CALL[0]]
    assert case["id"] in twilio.sent[0]["Body"]
    assert alarms.raised(r) == []  # the flood was refused at the door, no replies spent


def spent_budget_app(esc_config: dict[str, Any], **settings: str) -> Any:
    return create_app(dict(esc_config, HOTLINE_REPLY_BUDGET_PER_HOUR="3", **settings))


def test_past_the_reply_budget_only_urgent_texts_are_answered(
    esc_config: dict[str, Any], r: redis.Redis, twilio: FakeTwilio, caplog: Any
) -> None:
    caplog.set_level(logging.ERROR)
    app = spent_budget_app(esc_config)
    for n in range(3):
        assert messages(Phone(app.test_client(), number=f"+1347555020{n}").send("hi"))
    late = Phone(app.test_client(), number="+13475550210")
    assert messages(late.send("hi")) == []
    assert messages(late.send("hello")) == []
    assert messages(late.send(URGENT))  # guidance, past the budget
    case = only_case(r)
    work(r)
    assert [m["To"] for m in twilio.sent] == [ON_CALL[0]] and case["id"] in twilio.sent[0]["Body"]
    errors = [rec for rec in caplog.records if rec.levelno == logging.ERROR]
    assert len(errors) == 1 and "reply budget is spent" in errors[0].getMessage()
    assert alarms.raised(r) == [alarms.EXPLAIN["replies"]]


def test_the_console_shows_a_banner_when_a_budget_is_spent(
    esc_config: dict[str, Any], r: redis.Redis, staffer: Console
) -> None:
    assert "reply budget" not in staffer.client.get("/console/").get_data(as_text=True)
    app = spent_budget_app(esc_config)
    for n in range(3):
        Phone(app.test_client(), number=f"+1347555020{n}").send("hi")
    page = staffer.client.get("/console/").get_data(as_text=True)
    assert 'role="alert">This hour&#39;s reply budget is spent' in page


def test_new_conversations_are_capped_per_hour_but_never_urgent_ones(
    esc_config: dict[str, Any], r: redis.Redis
) -> None:
    app = create_app(dict(esc_config, HOTLINE_NEW_CONVERSATIONS_PER_HOUR="2"))
    first, second = (Phone(app.test_client(), number=f"+1347555030{n}") for n in range(2))
    assert messages(first.send("hi")) and messages(second.send("hi"))
    third = Phone(app.test_client(), number="+13475550302")
    assert messages(third.send("hi")) == []
    assert messages(first.send("xyzzy"))  # conversations already started go on
    assert messages(third.send(URGENT))
    assert only_case(r)["urgency"] == "urgent"


def test_urgent_texts_from_a_person_with_an_open_case_join_it(
    esc_config: dict[str, Any], r: redis.Redis, twilio: FakeTwilio
) -> None:
    app = create_app(dict(esc_config, HOTLINE_RATE_PER_MINUTE="100"))
    person = Phone(app.test_client(), number="+13475550199")
    assert messages(person.send(URGENT))
    work(r)  # the first case is announced and paged
    for n in range(11):
        assert messages(person.send(f"{URGENT} {'!' * n}"))  # the guidance every time
    case = only_case(r)
    work(r)
    assert [m["To"] for m in twilio.sent] == [ON_CALL[0]]
    timeline = [e["what"] for e in cases.timeline(r, case["id"])]
    assert timeline.count("the person wrote again (urgent)") == 11


def test_a_raid_pages_each_provider_up_to_the_cap_then_one_digest(
    esc_config: dict[str, Any], r: redis.Redis, twilio: FakeTwilio, monkeypatch: Any
) -> None:
    # Past the window's start by the time it takes the digest job to be late: it must still
    # be due at the window's end, not that long after it.
    window_start = time.time() // 300 * 300
    monkeypatch.setattr(jobs, "time", FixedClock(window_start + 10))
    app = create_app(dict(esc_config, HOTLINE_PAGES_PER_WINDOW="5"))
    for n in range(100):
        assert messages(Phone(app.test_client(), number=f"+1347556{n:04d}").send(URGENT))
    work(r)
    assert len(cases.open_cases(r)) == 100  # every case in the console's queue
    pages = [m for m in twilio.sent if m["To"] == ON_CALL[0]]
    assert len(pages) == 5 and all(m["Body"].startswith("URGENT case") for m in pages)
    [due] = run_scheduled(r, "send_digest")
    assert due.timestamp() == window_start + 300  # at the window's end
    work(r)
    [digest] = twilio.sent[5:]
    assert digest["To"] == ON_CALL[0]
    assert digest["Body"].startswith("95 more urgent cases waiting: open the console")


def test_the_ack_escalation_pages_the_next_contact_once_per_case(
    person: Phone, r: redis.Redis, twilio: FakeTwilio
) -> None:
    person.send(URGENT)
    case_id = only_case(r)["id"]
    work(r)
    run_scheduled(r, "check_ack")
    queues.queue(r, queues.URGENT).enqueue(jobs.check_ack, case_id, 0)  # the same check again
    work(r)
    sent_to = sorted(m["To"] for m in twilio.sent)
    assert sent_to == sorted([ON_CALL[0], ON_CALL[1], "+13475550199"])
    assert len(run_scheduled(r, "check_ack")) == 1  # the next check, once


def test_escalation_sends_have_their_own_budget(
    esc_config: dict[str, Any], r: redis.Redis, twilio: FakeTwilio, monkeypatch: Any
) -> None:
    monkeypatch.setattr(jobs, "time", FixedClock(time.time()))  # one hour's budget throughout
    app = create_app(dict(esc_config, HOTLINE_ESCALATION_BUDGET_PER_HOUR="1"))
    for n in range(3):
        Phone(app.test_client(), number=f"+1347555040{n}").send(URGENT)
    work(r)
    assert len([m for m in twilio.sent if m["To"] == ON_CALL[0]]) == 1
    assert len(cases.open_cases(r)) == 3
    assert alarms.raised(r) == [alarms.EXPLAIN["escalation"]]


def test_an_alarm_is_one_error_line_an_hour(r: redis.Redis, caplog: Any) -> None:
    caplog.set_level(logging.ERROR)
    for _ in range(3):
        alarms.raise_alarm(r, "escalation")
    [line] = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.ERROR]
    assert line == f"alarm: {alarms.EXPLAIN['escalation']}"


def time_passes(r: redis.Redis, seconds: int) -> None:
    """Every key with a time to live ages by `seconds` (those past it are gone)."""
    for key in r.scan_iter("*"):
        ttl = r.pttl(key)
        if ttl > 0:
            r.pexpire(key, ttl - seconds * 1000) if ttl > seconds * 1000 else r.delete(key)


def test_a_replayed_signed_request_changes_nothing_after_20_minutes(
    person: Phone, r: redis.Redis, twilio: FakeTwilio
) -> None:
    captured = person.form(URGENT)
    first = person.post(captured)
    case_id = only_case(r)["id"]
    work(r)
    timeline = cases.timeline(r, case_id)
    time_passes(r, 20 * 60)
    replay = person.post(captured)
    assert replay.data == first.data
    work(r)
    assert cases.timeline(r, case_id) == timeline and len(cases.open_cases(r)) == 1
    assert [m["To"] for m in twilio.sent] == [ON_CALL[0]]


def reshaped(form: dict[str, str], into: str, absorbed: str) -> dict[str, str]:
    """`into` swallows the parameter `absorbed`: the string Twilio signs stays the same."""
    changed = dict(form)
    changed[into] += absorbed + changed.pop(absorbed)
    return changed


def test_reshaped_signed_requests_are_refused_by_the_format_checks(
    person: Phone, r: redis.Redis, logs: Any
) -> None:
    form = person.form(URGENT, FromCity="NEW YORK", NumMedia="0")
    del form["Body"]  # keys sort: MessageSid < NumMedia, From < FromCity
    variants = [reshaped(form, "MessageSid", "NumMedia"), reshaped(form, "From", "FromCity")]
    validator = RequestValidator(AUTH_TOKEN)
    for variant in variants:
        signature = validator.compute_signature(WEBHOOK, form)
        assert validator.validate(WEBHOOK, variant, signature)  # the attack: still signed
        response = person.post(variant, signature=signature)
        assert response.status_code == 200 and messages(response) == []
    assert r.keys("hl:s:*") == [] and cases.open_cases(r) == []
    warnings = [rec.getMessage() for rec in logs.records if rec.levelno == logging.WARNING]
    assert "webhook: malformed MessageSid; not answered" in warnings
    assert "webhook: malformed From; not answered" in warnings
    assert not any("3475550199" in w or "NEW YORK" in w for w in warnings)


def test_every_signed_inbound_is_scheduled_for_deletion_even_refused_ones(
    esc_config: dict[str, Any], r: redis.Redis
) -> None:
    app = create_app(dict(esc_config, HOTLINE_DELETE_TWILIO_RECORDS="1"))
    person = Phone(app.test_client(), number="+13475550199")
    for n in range(12):  # ten answered, one polite refusal, one silence
        person.send(f"hi {n}")
    assert messages(person.send("hi", SmsSid="SM" + "f" * 32)) == []  # refused: sids differ
    assert messages(person.send("hi", MessageSid="SM123")) == []  # refused, and no sid to give
    assert len(run_scheduled(r, "delete_record")) == 13


def test_past_the_senders_limit_a_first_emergency_still_gets_through(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, say: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(hotline, "time", FixedClock(time.time()))  # one minute's count
    for n in range(11):  # ten answered, then the polite word
        person.send(f"hello {n}")
    assert messages(person.send("and again")) == []  # silence
    [guidance, *_] = messages(person.send(URGENT))
    assert guidance.startswith(say("en", "door.now")[:40])
    case = only_case(r)
    assert messages(person.send(URGENT)) == []  # their case is open: silence again
    work(r)
    assert [m["To"] for m in twilio.sent] == [ON_CALL[0]] and case["id"] in twilio.sent[0]["Body"]
