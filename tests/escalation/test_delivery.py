"""Every message sent for a case reports its delivery: the thread, the time line and the queue
tell staff the truth, failures in plain words; status data holds no number and goes with the
case."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis
from twilio.request_validator import RequestValidator

from bot.escalation import cases, delivery, jobs
from tests.conftest import AUTH_TOKEN, Phone
from tests.escalation.conftest import ON_CALL, Console, only_case, run_scheduled, work
from tests.support.fake_twilio import FakeTwilio
from tests.turn.test_privacy import everything_in_redis

PERSON = "+13475550199"
CALLBACK = "http://localhost/twilio/status"


def _reply(person: Phone, r: redis.Redis, staffer: Console, text: str = "Hola, soy Maria") -> str:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    work(r)
    staffer.post(f"/console/cases/{case_id}/reply", text=text)
    return case_id


def _page(staffer: Console, case_id: str) -> str:
    return str(staffer.client.get(f"/console/cases/{case_id}").get_data(as_text=True))


def test_every_message_asks_twilio_for_a_signed_status_callback(
    person: Phone, r: redis.Redis, twilio: FakeTwilio
) -> None:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    work(r)
    run_scheduled(r, "check_ack")  # nobody claimed it: the next contact, and the numbers
    work(r)
    assert sorted(m["To"] for m in twilio.sent) == sorted([*ON_CALL, PERSON])
    assert all(m["StatusCallback"] == CALLBACK for m in twilio.sent)
    tracked = delivery.for_case(r, case_id)
    assert {ref: e["status"] for ref, e in tracked.items()} == {
        "page:0": "delivered",
        "page:1": "delivered",
        "fallback": "delivered",
    }


def test_a_whatsapp_template_reports_its_status_too(
    esc_app: Any, r: redis.Redis, twilio: FakeTwilio, staffer: Console
) -> None:
    person = Phone(esc_app.test_client(), number="+13475550177", channel="whatsapp")
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    r.hset(cases.CASE + case_id, "last_inbound", "0")  # their last message was long ago
    work(r)
    staffer.post(f"/console/cases/{case_id}/reply", text="Hola")
    work(r)
    template = twilio.sent[-1]
    assert template["ContentSid"].startswith("HX") and template["StatusCallback"] == CALLBACK
    assert delivery.for_case(r, case_id)["template:0"]["status"] == "delivered"


def test_a_delivered_reply_shows_delivered_in_the_thread_and_time_line(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, staffer: Console
) -> None:
    case_id = _reply(person, r, staffer)
    assert 'data-status="queued"' in _page(staffer, case_id)  # waiting for the worker
    work(r)
    page = _page(staffer, case_id)
    assert 'data-ref="reply:0" data-status="delivered"' in page
    timeline = [e["what"] for e in cases.timeline(r, case_id)]
    assert "reply 1: delivered" in timeline
    assert "on-call page to contact 1: delivered" in timeline
    status = staffer.client.get(f"/console/cases/{case_id}/status.json").get_json()
    assert status["reply:0"]["status"] == "delivered" and status["reply:0"]["reason"] == ""


def test_a_reply_twilio_refuses_with_21612_shows_failed_with_what_to_do(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, staffer: Console
) -> None:
    twilio.refuse[PERSON] = 21612
    case_id = _reply(person, r, staffer)
    work(r)
    page = _page(staffer, case_id)
    assert 'data-ref="reply:0" data-status="failed"' in page
    assert "cannot be reached by SMS" in page and "Wait for the person to write again" in page
    assert "reply 1: failed (error 21612)" in [e["what"] for e in cases.timeline(r, case_id)]
    queue = staffer.client.get("/console/").get_data(as_text=True)
    assert "last reply failed" in queue
    assert "last reply failed" in staffer.client.get("/console/queue.json").get_json()["rows"]


def test_a_carrier_failure_reported_later_shows_undelivered_in_plain_words(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, staffer: Console
) -> None:
    twilio.final = ("undelivered", "30005")
    case_id = _reply(person, r, staffer)
    work(r)
    page = _page(staffer, case_id)
    assert 'data-status="undelivered"' in page
    assert "carrier could not deliver" in page


def test_a_reply_that_never_reached_twilio_shows_failed_not_sent(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, staffer: Console
) -> None:
    case_id = _reply(person, r, staffer)
    twilio.fail_next = 10  # every try of the reply answers 503
    work(r)
    run_scheduled(r, "send_reply")
    work(r)
    run_scheduled(r, "send_reply")
    work(r)
    page = _page(staffer, case_id)
    assert 'data-ref="reply:0" data-status="failed"' in page
    assert "could not reach Twilio after every retry" in page
    assert "staff reply sent" not in json.dumps(cases.timeline(r, case_id))


def test_a_late_callback_never_moves_a_status_back(r: redis.Redis, esc_app: Any) -> None:
    r.hset(cases.CASE + "AAAA", "id", "AAAA")
    delivery.track(r, "AAAA", "reply:0", "SM" + "a" * 32, now=1)
    delivery.record(r, "SM" + "a" * 32, "delivered", now=2)
    delivery.record(r, "SM" + "a" * 32, "sent", now=3)
    assert delivery.for_case(r, "AAAA")["reply:0"]["status"] == "delivered"


def test_status_callbacks_must_be_signed(person: Phone, r: redis.Redis, esc_app: Any) -> None:
    r.hset(cases.CASE + "AAAA", "id", "AAAA")
    delivery.track(r, "AAAA", "reply:0", "SM" + "b" * 32)
    form = {"MessageSid": "SM" + "b" * 32, "MessageStatus": "failed", "ErrorCode": "30003"}
    form["AccountSid"] = "AC" + "0" * 32
    wrong = RequestValidator("not-the-token").compute_signature(CALLBACK, form)
    client = esc_app.test_client()
    headers = {"X-Twilio-Signature": wrong}
    assert client.post("/twilio/status", data=form, headers=headers).status_code == 403
    assert delivery.for_case(r, "AAAA")["reply:0"]["status"] == "queued"
    right = RequestValidator(AUTH_TOKEN).compute_signature(CALLBACK, form)
    headers = {"X-Twilio-Signature": right}
    assert client.post("/twilio/status", data=form, headers=headers).status_code == 204
    assert delivery.for_case(r, "AAAA")["reply:0"]["status"] == "failed"


def test_closing_with_a_reply_in_flight_asks_first_and_status_goes_with_the_case(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, staffer: Console
) -> None:
    case_id = _reply(person, r, staffer)
    asked = staffer.post(f"/console/cases/{case_id}/close")
    assert asked.status_code == 200 and "still on its way" in asked.get_data(as_text=True)
    assert cases.get(r, case_id)  # not closed
    work(r)
    assert r.keys(delivery.SID + "*")
    stored = everything_in_redis(r)
    assert PERSON[2:].encode() not in stored and ON_CALL[0][2:].encode() not in stored
    closed = staffer.post(f"/console/cases/{case_id}/close", confirmed="yes")
    assert closed.status_code == 302
    assert r.keys(f"{cases.CASE}{case_id}*") == [] and r.keys(delivery.SID + "*") == []


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("21610", "opted out"),
        ("21614", "cannot receive SMS"),
        ("63016", "template is being sent"),
        ("30003", "carrier could not deliver"),
        ("30008", "carrier could not deliver"),
    ],
)
def test_each_failure_is_explained(code: str, words: str) -> None:
    assert words in delivery.explain(code)


def test_the_case_prefix_is_the_same_in_both_modules() -> None:
    assert delivery.CASE == cases.CASE
    assert jobs.OUTSIDE_WINDOW == 63016


def test_a_reply_twilio_says_is_outside_the_whatsapp_window_goes_as_the_template(
    esc_app: Any, r: redis.Redis, twilio: FakeTwilio, staffer: Console
) -> None:
    person = Phone(esc_app.test_client(), number="+13475550178", channel="whatsapp")
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    work(r)
    twilio.refuse["+13475550178"] = 63016  # our clock says inside 24 h; Twilio knows better
    staffer.post(f"/console/cases/{case_id}/reply", text="Hola")
    work(r)
    assert twilio.sent[-1]["ContentSid"].startswith("HX")
    tracked = delivery.for_case(r, case_id)
    assert tracked["reply:0"]["code"] == "63016" and tracked["template:0"]["status"] == "delivered"
    assert "template is being sent" in _page(staffer, case_id)
    assert cases.get(r, case_id)["held"] == "1"


def test_failed_jobs_say_in_plain_words_what_went_wrong(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, staffer: Console
) -> None:
    twilio.fail_next = 100
    person.send("ICE is at my door")
    work(r)
    page = staffer.client.get("/console/jobs").get_data(as_text=True)
    assert "Twilio answered with an error. Retry once Twilio is working again." in page


def test_a_status_for_a_closed_case_leaves_nothing_behind(r: redis.Redis, esc_app: Any) -> None:
    r.hset(cases.CASE + "AAAA", "id", "AAAA")
    delivery.track(r, "AAAA", "reply:0", "SM" + "c" * 32)
    cases.close(r, "AAAA", "maria")
    assert delivery.record(r, "SM" + "c" * 32, "delivered") is None  # its sid map went too
    delivery.pending(r, "AAAA", "reply:1")
    assert r.keys(cases.CASE + "AAAA*") == []
