"""A promise kept: the person is told their provider's target time to a first reply and what
to do if none comes; the queue shows the time left and marks a missed target."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
from click.testing import CliRunner

from bot import create_app
from bot.cli import main
from bot.escalation import cases
from bot.turn.inbound import InboundMessage
from tests.escalation.conftest import ROUTING, Console

WEDNESDAY_MORNING = dt.datetime(2026, 12, 2, 10, 30, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def promise_app(esc_config: dict[str, Any], r: redis.Redis) -> Any:
    content = Path(esc_config["HOTLINE_CONTENT_DIR"])
    routing = ROUTING.replace("PROVIDER_URL", "http://127.0.0.1:9/none").replace(
        "    contacts:", "    reply_minutes: 20\n    contacts:", 1
    )
    (content / "flows" / "routing.yaml").write_text(routing)
    return create_app(esc_config)


def _text(app: Any, number: str, body: str, when: float) -> Any:
    msg = InboundMessage("sms", number, body, 0, "SM" + number[-10:] * 3, "+15559990000")
    return app.extensions["hotline"].handle(msg, now=when)


def test_the_person_is_told_the_providers_target_in_their_language(
    promise_app: Any, r: redis.Redis, say: Any
) -> None:
    outcome = _text(
        promise_app, "+13475550171", "ICE está en mi puerta", WEDNESDAY_MORNING.timestamp()
    )
    promise = outcome.texts[-1]
    assert promise == say("es", "case.promise").replace("{reply_minutes}", "20")
    assert "20 minutos" in promise and "311" in promise
    [case] = cases.open_cases(r)
    assert int(case["reply_by"]) == int(WEDNESDAY_MORNING.timestamp()) + 20 * 60


def test_a_question_that_is_not_urgent_promises_nothing(promise_app: Any, r: redis.Redis) -> None:
    outcome = _text(promise_app, "+13475550172", "hola", WEDNESDAY_MORNING.timestamp())
    assert not any("minutos" in t for t in outcome.texts)


def test_the_queue_shows_time_left_and_marks_a_missed_target(
    promise_app: Any, r: redis.Redis
) -> None:
    from bot.web.console import staff
    from tests.escalation.conftest import PASSWORD

    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    console = Console(promise_app, "maria")
    console.login()
    _text(promise_app, "+13475550173", "ICE is at my door", WEDNESDAY_MORNING.timestamp())
    _text(promise_app, "+13475550174", "ICE is at my door", time.time() - 5 * 60)
    late, fresh = sorted(cases.open_cases(r), key=lambda c: c["opened_at"])
    rows = console.client.get("/console/queue.json").get_json()["rows"]
    late_row = rows.split(f'data-case="{late["id"]}"')[1].split("</tr>")[0]
    fresh_row = rows.split(f'data-case="{fresh["id"]}"')[1].split("</tr>")[0]
    assert "first reply target missed" in late_row and "late" in late_row
    assert "min left" in fresh_row and "missed" not in fresh_row
    assert console.client.get("/console/queue.json").get_json()["missed"] == 1
    env = {k: str(v) for k, v in promise_app.extensions["settings"].environ().items()}
    listed = CliRunner().invoke(main, ["cases", "list"], env=env).output
    assert "1 urgent case(s) past the first-reply target" in listed
    console.post(f"/console/cases/{late['id']}/reply", text="Hola")
    rows = console.client.get("/console/queue.json").get_json()["rows"]
    assert "missed" not in rows.split(f'data-case="{late["id"]}"')[1].split("</tr>")[0]
    assert console.client.get("/console/queue.json").get_json()["missed"] == 0
