"""Urgent text -> case -> on-call SMS -> staff reply -> the person -> close, on real parts:
Redis, forking RQ workers, the twilio client against a local Twilio-like server."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import redis
from rq.registry import FailedJobRegistry

from bot.escalation import cases, queues
from bot.web.console import staff
from tests.conftest import Phone
from tests.escalation.conftest import (
    ON_CALL,
    PASSWORD,
    Console,
    only_case,
    run_scheduled,
    work,
)
from tests.support.fake_twilio import FakeTwilio
from tests.turn.test_privacy import everything_in_redis

STATUS_URL = "http://localhost/twilio/status"


def test_urgent_text_reaches_on_call_staff_without_personal_data(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, provider_hook: FakeTwilio
) -> None:
    person.send("ICE is at my door")
    case = only_case(r)
    assert case["provider"] == "rapid" and case["urgency"] == "urgent"
    before = int(time.time())
    work(r)
    [notice] = twilio.sent
    assert notice["To"] == ON_CALL[0] and notice["From"] == "+12125550000"
    assert notice["Body"].startswith(f"URGENT case {case['id']} (English, ICE at the door)")
    assert f"/console/cases/{case['id']}" in notice["Body"]
    assert "3475550199" not in json.dumps(twilio.sent)
    [(_path, headers, body)] = provider_hook.posts
    summary = json.loads(body)
    assert summary["case"] == case["id"] and summary["topic"] == "ice_at_door"
    signed_at = headers["X-Hotline-Timestamp"]
    assert before <= int(signed_at) <= time.time()  # when it was sent
    expected = hmac.new(b"provider-signing-key", f"{signed_at}.".encode() + body, hashlib.sha256)
    assert headers["X-Hotline-Signature"] == f"sha256={expected.hexdigest()}"
    assert "3475550199" not in body.decode()


def test_staff_claims_replies_and_the_person_answers_then_close_purges(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, staffer: Console, logs: Any
) -> None:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    work(r)
    page = staffer.client.get("/console/").get_data(as_text=True)
    assert case_id in page
    assert staffer.post(f"/console/cases/{case_id}/claim").status_code == 302
    assert cases.get(r, case_id)["status"] == "claimed"
    staffer.post(f"/console/cases/{case_id}/reply", text="Soy Maria, abogada. ¿Están adentro?")
    work(r)
    reply = twilio.sent[-1]
    assert reply["To"] == "+13475550199" and reply["From"] == "+15559990000"
    assert reply["Body"] == "Soy Maria, abogada. ¿Están adentro?"

    answer = person.send("Si, estamos adentro con los niños")
    assert b"<Message>" not in answer.data  # the human is talking: no menu in between
    page = staffer.client.get(f"/console/cases/{case_id}").get_data(as_text=True)
    assert "Si, estamos adentro con los niños" in page
    assert "Soy Maria, abogada." in page
    assert "+13475550199" not in page and "3475550199" not in page

    menu = person.send("MENU")  # commands still work while a case is claimed
    assert b"<Message>" in menu.data

    stored = everything_in_redis(r)
    log_text = "\n".join(rec.getMessage() for rec in logs.records)
    for secret in ("3475550199", "estamos adentro", "Soy Maria"):
        assert secret.encode() not in stored
        assert secret not in log_text

    assert staffer.post(f"/console/cases/{case_id}/close").status_code == 302
    assert r.keys(f"{cases.CASE}{case_id}*") == []
    assert f'data-case="{case_id}"' not in staffer.client.get("/console/").get_data(as_text=True)
    audit = [json.loads(x) for x in r.lrange(cases.AUDIT, 0, -1)]
    assert [a["action"] for a in reversed(audit)] == ["login", "claim", "reply", "close"]
    assert all(set(a) == {"t", "staff", "action", "case"} for a in audit)


def test_unclaimed_urgent_case_goes_to_the_next_contact_and_the_person_gets_numbers(
    person: Phone, r: redis.Redis, twilio: FakeTwilio
) -> None:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    opened = time.time()
    work(r)
    assert [m["To"] for m in twilio.sent] == [ON_CALL[0]]
    [due] = run_scheduled(r, "check_ack")
    assert 9 * 60 <= due.timestamp() - opened <= 11 * 60  # the acknowledgement time
    work(r)
    sent_to = [m["To"] for m in twilio.sent]
    assert sent_to[1:] == [ON_CALL[1], "+13475550199"] or sent_to[1:] == [
        "+13475550199",
        ON_CALL[1],
    ]
    fallback = next(m for m in twilio.sent if m["To"] == "+13475550199")
    assert "311" in fallback["Body"]
    assert "not claimed within 10 minutes" in json.dumps(cases.timeline(r, case_id))


def test_a_claimed_case_is_not_escalated_again(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, staffer: Console
) -> None:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    work(r)
    staffer.post(f"/console/cases/{case_id}/claim")
    run_scheduled(r, "check_ack")
    work(r)
    assert [m["To"] for m in twilio.sent] == [ON_CALL[0]]


def test_twilio_failure_is_retried_and_lands(
    person: Phone, r: redis.Redis, twilio: FakeTwilio
) -> None:
    twilio.fail_next = 2  # two 503s, then success: within the two retries
    person.send("ICE is at my door")
    work(r)
    assert twilio.failures == 2
    assert [m["To"] for m in twilio.sent] == [ON_CALL[0]]


def test_after_the_last_retry_the_job_is_in_the_console_failed_list(
    person: Phone, r: redis.Redis, twilio: FakeTwilio, staffer: Console
) -> None:
    twilio.fail_next = 100
    person.send("ICE is at my door")
    work(r)
    assert twilio.failures == 3  # the first try and two retries
    failed = FailedJobRegistry(queue=queues.queue(r, queues.URGENT)).get_job_ids()
    assert len(failed) == 1
    page = staffer.client.get("/console/jobs").get_data(as_text=True)
    assert "notify_staff" in page and only_case(r)["id"] in page
    twilio.fail_next = 0
    job_id = failed[0]
    staffer.post(f"/console/jobs/{job_id}/requeue")
    work(r)
    assert [m["To"] for m in twilio.sent] == [ON_CALL[0]]


def test_whatsapp_reply_after_24_hours_goes_as_the_template_then_the_held_reply(
    esc_app: Any, r: redis.Redis, twilio: FakeTwilio, staffer: Console
) -> None:
    wa = Phone(esc_app.test_client(), number="+13475550177", channel="whatsapp")
    wa.send("ICE is at my door")
    case_id = only_case(r)["id"]
    work(r)
    r.hset(cases.CASE + case_id, "last_inbound", f"{time.time() - 25 * 3600:.0f}")
    staffer.post(f"/console/cases/{case_id}/reply", text="Estamos aquí para ayudar.")
    work(r)
    template = twilio.sent[-1]
    assert template["To"] == "whatsapp:+13475550177"
    assert template["ContentSid"].startswith("HX") and "Body" not in template
    wa.send("OK")
    work(r)
    held = twilio.sent[-1]
    assert held["Body"] == "Estamos aquí para ayudar." and held["To"] == "whatsapp:+13475550177"


def test_delete_erases_the_case_and_its_way_back(person: Phone, r: redis.Redis) -> None:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    person.send("DELETE")
    assert r.keys(f"{cases.CASE}{case_id}*") == []
    work(r)  # the queued job finds nothing, and sends nothing
    assert cases.open_cases(r) == []


# --- console security -------------------------------------------------------------------


def test_no_console_page_without_login(esc_app: Any) -> None:
    client = esc_app.test_client()
    for path in ("/console/", "/console/jobs", "/console/cases/K7Q2"):
        response = client.get(path)
        assert response.status_code == 302 and "/console/login" in response.location


def test_forms_need_the_csrf_token(person: Phone, r: redis.Redis, staffer: Console) -> None:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    response = staffer.client.post(f"/console/cases/{case_id}/claim", data={})
    assert response.status_code == 400
    response = staffer.client.post(f"/console/cases/{case_id}/claim", data={"csrf": "forged"})
    assert response.status_code == 400
    assert cases.get(r, case_id)["status"] == "open"


def test_staff_cannot_see_another_providers_cases(
    esc_app: Any, person: Phone, r: redis.Redis
) -> None:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    staff.add(r, "lee", PASSWORD, "intake", "staff")
    other = Console(esc_app, "lee")
    other.login()
    assert case_id not in other.client.get("/console/").get_data(as_text=True)
    assert other.client.get(f"/console/cases/{case_id}").status_code == 404
    assert other.post(f"/console/cases/{case_id}/claim").status_code == 404
    staff.add(r, "ana", PASSWORD, "intake", "organizer")
    organizer = Console(esc_app, "ana")
    organizer.login()
    assert case_id in organizer.client.get("/console/").get_data(as_text=True)


def test_wrong_passwords_are_slowed_down_not_locked(esc_app: Any, r: redis.Redis) -> None:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    console = Console(esc_app, "maria")
    codes = [console.login("wrong password!").status_code for _ in range(6)]
    assert codes == [401] * 6  # five free tries, then one per growing delay (this one)
    for key in r.scan_iter(staff.THROTTLE + "*wait"):
        r.expire(key, 60)  # a slow machine must not see the 1 s delay pass before the next tries
    assert console.login("wrong password!").status_code == 429
    assert console.login(PASSWORD).status_code == 429  # from here, wait a moment
    for key in r.scan_iter(staff.THROTTLE + "*wait"):
        r.delete(key)  # the delay passes
    assert console.login(PASSWORD).status_code == 302


def test_passwords_are_hashed(r: redis.Redis) -> None:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    assert PASSWORD.encode() not in everything_in_redis(r)


def test_twilio_records_are_deleted_once_final(
    esc_config: dict[str, Any], r: redis.Redis, twilio: FakeTwilio, monkeypatch: Any
) -> None:
    from bot import create_app

    monkeypatch.setenv("HOTLINE_DELETE_TWILIO_RECORDS", "1")
    app = create_app(dict(esc_config, HOTLINE_DELETE_TWILIO_RECORDS="1"))
    phone = Phone(app.test_client(), number="+13475550155")
    response = phone.post(phone.form("ICE is at my door", sid="SM" + "7" * 32))
    assert b'action="http://localhost/twilio/status"' in response.data
    work(r)  # the on-call SMS goes out
    notice_sid = f"SM{1:032x}"
    status = Phone(app.test_client(), number="+13475550155", url=STATUS_URL)
    status.post(
        {
            "MessageSid": "SM" + "8" * 32,
            "MessageStatus": "delivered",
            "AccountSid": "AC" + "0" * 32,
        },
        path="/twilio/status",
    )
    due = run_scheduled(r, "delete_record")
    assert len(due) == 3  # the inbound text, the on-call SMS, the TwiML reply
    twilio.fail_next = 0
    work(r)
    assert sorted(twilio.deleted) == sorted(["SM" + "7" * 32, notice_sid, "SM" + "8" * 32])


def test_cases_list_for_staff_without_a_browser(
    person: Phone, r: redis.Redis, esc_config: dict[str, Any]
) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    person.send("ICE is at my door")
    env = {k: str(v) for k, v in esc_config.items()}
    result = CliRunner().invoke(main, ["cases", "list", "--json"], env=env)
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert row["id"] == only_case(r)["id"] and row["urgency"] == "urgent"
    assert "3475550199" not in result.output
    text = CliRunner().invoke(main, ["cases", "list"], env=env).output
    assert row["id"] in text and "ice_at_door" in text
