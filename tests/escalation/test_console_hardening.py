"""Console hardening: strict headers on every page, no inline script, failed jobs and requeue
only for the provider's own cases, an audit page for organizers."""

from __future__ import annotations

import re
from typing import Any

import redis
from rq.registry import FailedJobRegistry

from bot import create_app
from bot.escalation import jobs, queues
from bot.web.console import staff
from tests.conftest import Phone
from tests.escalation.conftest import PASSWORD, Console, only_case

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def assert_hardened(response: Any) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    page = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script"
    assert not re.search(r"\son[a-z]+=", page), "inline event handler"
    assert "<style" not in page


def test_every_console_page_is_hardened(person: Phone, r: redis.Redis, esc_app: Any) -> None:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    staff.add(r, "ana", PASSWORD, "rapid", "organizer")
    ana = Console(esc_app, "ana")
    assert_hardened(ana.client.get("/console/login"))
    first = ana.password()
    assert_hardened(ana.client.get(first.location))  # the QR code page
    ana.login()
    for path in ("/console/", f"/console/cases/{case_id}", "/console/jobs", "/console/simulator"):
        response = ana.client.get(path)
        assert response.status_code == 200, path
        assert_hardened(response)
    assert "Strict-Transport-Security" not in ana.client.get("/console/").headers


def test_hsts_in_production(config: dict[str, Any], r: redis.Redis) -> None:
    app = create_app(
        dict(
            config,
            HOTLINE_ENV="production",
            HOTLINE_SECRET="p" * 40,
            TWILIO_AUTH_TOKEN="0123456789abcdef" * 2,
            HOTLINE_PUBLIC_URL="https://hotline.example.org",
        )
    )
    response = app.test_client().get("/console/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def plant_failed_job(r: redis.Redis, case_id: str) -> str:
    job = queues.enqueue(
        r, queues.URGENT, jobs.notify_staff, case_id, 0, job_id=queues.case_job_id(case_id)
    )
    queues.queue(r, queues.URGENT).remove(job)
    FailedJobRegistry(queue=queues.queue(r, queues.URGENT)).add(job, exc_string="boom")
    return str(job.id)


def test_failed_jobs_of_other_providers_or_closed_cases_stay_hidden(
    person: Phone, r: redis.Redis, esc_app: Any, staffer: Console
) -> None:
    person.send("ICE is at my door")  # routed to rapid, maria's provider
    case_id = only_case(r)["id"]
    mine = plant_failed_job(r, case_id)
    closed = plant_failed_job(r, "GONE")  # a case that no longer exists: could be anyone's
    staff.add(r, "lee", PASSWORD, "intake", "staff")
    lee = Console(esc_app, "lee", address="10.0.0.5")
    lee.login()
    page = lee.client.get("/console/jobs").get_data(as_text=True)
    assert mine not in page and closed not in page
    assert lee.post(f"/console/jobs/{mine}/requeue").status_code == 404
    assert lee.post(f"/console/jobs/{closed}/requeue").status_code == 404
    failed = FailedJobRegistry(queue=queues.queue(r, queues.URGENT)).get_job_ids()
    assert mine in failed and closed in failed
    page = staffer.client.get("/console/jobs").get_data(as_text=True)
    assert mine in page and closed not in page


def test_organizers_see_an_audit_without_text(
    person: Phone, r: redis.Redis, esc_app: Any, staffer: Console
) -> None:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    staffer.post(f"/console/cases/{case_id}/claim")
    staffer.post(f"/console/cases/{case_id}/reply", text="Secret words of the reply")
    Console(esc_app, "maria", address="10.9.9.9").login("wrong password!")
    assert staffer.client.get("/console/audit").status_code == 403  # staff, not organizer
    staff.add(r, "ana", PASSWORD, "intake", "organizer")
    ana = Console(esc_app, "ana", address="10.0.0.6")
    ana.login()
    page = ana.client.get("/console/audit").get_data(as_text=True)
    for action in ("login", "login failed", "claim", "reply"):
        assert f"<td>{action}</td>" in page, action
    assert "Secret words" not in page


def test_bidi_controls_in_relayed_text_are_not_shown_to_staff(
    person: Phone, r: redis.Redis, staffer: Console
) -> None:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    staffer.post(f"/console/cases/{case_id}/claim")
    person.send("pay \u202eevil\u202c now \u2066x\u2069")
    page = staffer.client.get(f"/console/cases/{case_id}").get_data(as_text=True)
    assert "pay evil now x" in page
    assert not any(c in page for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_outbound_messages_ask_twilio_to_keep_no_copy_when_configured(
    esc_config: dict[str, Any], r: redis.Redis, twilio: Any
) -> None:
    from tests.escalation.conftest import work

    app = create_app(dict(esc_config, HOTLINE_TWILIO_REDACTION="1"))
    Phone(app.test_client(), number="+13475550155").send("ICE is at my door")
    work(r)
    assert twilio.sent and twilio.sent[0]["ContentRetention"] == "discard"
    assert twilio.sent[0]["AddressRetention"] == "obfuscate"
