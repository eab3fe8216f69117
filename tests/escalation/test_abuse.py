"""Floods and raids: no sender silences the hotline, no flood exhausts its staff (issue 11).
Real Redis, forking RQ workers and the local Twilio stand-in."""

from __future__ import annotations

import logging
from typing import Any

import redis

from bot import create_app
from bot.escalation import alarms
from tests.conftest import Phone
from tests.escalation.conftest import ON_CALL, Console, only_case, work
from tests.support.fake_twilio import FakeTwilio
from tests.test_webhook import messages

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
