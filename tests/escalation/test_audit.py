"""A day of scripted traffic, then `hotline privacy audit` over Redis and the log finds nothing;
the same audit finds a planted number or planted free text."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from click.testing import CliRunner

from bot.cli import audit, main
from bot.content.bundle import load as load_bundle
from bot.escalation import cases, jobs, queues
from bot.privacy import install_log_filter
from tests.conftest import ROOT, Phone
from tests.escalation.conftest import Console, only_case, run_scheduled, work

SCRIPTS = [  # (number, channel, texts)
    ("+17185550001", "sms", ["hola", "3", "2", "4", "MENU", "6", "1", "BORRAR"]),
    ("+17185550002", "whatsapp", ["ICE is at my door", "1", "4", "yes we are inside"]),
    ("+17185550003", "sms", ["my son was detained by ICE", "2", "7", "MORE"]),
    ("+17185550004", "sms", ["hi", "10", "1", "3", "1", "9", "11", "8"]),
    ("+17185550005", "sms", ["can I go to the hospital without papers", "LANG", "2", "5"]),
    ("+17185550006", "sms", ["", "STOP", "hello?", "START", "DELETE"]),
]


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "hotline.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    install_log_filter()
    yield path
    root.removeHandler(handler)
    root.setLevel(previous)
    handler.close()


def audit_cli(esc_config: dict[str, Any], *args: str) -> Any:
    env = {k: str(v) for k, v in esc_config.items()}
    return CliRunner().invoke(main, ["privacy", "audit", "--json", *args], env=env)


def test_a_day_of_traffic_leaves_nothing_identifying(
    esc_app: Any,
    esc_config: dict[str, Any],
    r: redis.Redis,
    staffer: Console,
    twilio: Any,
    log_file: Path,
) -> None:
    for number, channel, texts in SCRIPTS:
        phone = Phone(esc_app.test_client(), number=number, channel=channel)
        for text in texts:
            assert phone.send(text).status_code == 200
    work(r)
    for case in cases.open_cases(r):  # staff answer every case; one person answers back
        staffer.post(f"/console/cases/{case['id']}/claim")
        staffer.post(f"/console/cases/{case['id']}/reply", text="Hello, this is the hotline.")
    work(r)
    run_scheduled(r, "check_ack")
    work(r)
    Phone(esc_app.test_client(), number="+17185550002", channel="whatsapp").send(
        "thank you, they left"
    )
    first = only_case(r) if len(cases.open_cases(r)) == 1 else cases.open_cases(r)[0]
    staffer.post(f"/console/cases/{first['id']}/close")
    assert twilio.sent  # notifications and replies went out

    result = audit_cli(esc_config, "--log", str(log_file))
    report = json.loads(result.output)
    assert report == {"ok": True, "findings": []}, report
    assert result.exit_code == 0
    stored = b"".join(r.dump(k) or b"" for k in r.scan_iter())
    assert b"they left" not in stored and b"5550002" not in stored


def test_the_audit_finds_a_planted_number_and_free_text(
    esc_config: dict[str, Any], r: redis.Redis, tmp_path: Path
) -> None:
    r.set("hl:s:" + "a" * 64, json.dumps({"n": "menu", "v": {"note": "+1 718 555 0199"}}))
    r.set("hl:m:" + "b" * 32, json.dumps(["My neighbour Pedro was taken this morning"]))
    r.hset(cases.CASE + "K7Q2", mapping={"topic": "door", "who": "whatsapp:+17185550199"})
    log = tmp_path / "app.log"
    log.write_text("2026-11-25 10:00:00,123 INFO turn ok\nsending to 718-555-0199\n")
    result = audit_cli(esc_config, "--log", str(log))
    assert result.exit_code == 1
    findings = json.loads(result.output)["findings"]
    assert any("hl:s:" in f and "phone number" in f for f in findings)
    assert any("hl:m:" in f and "not the bot's own" in f for f in findings)
    assert any(f.startswith(cases.CASE + "K7Q2") and "WhatsApp id" in f for f in findings)
    assert any(f.endswith("app.log:2: something like a phone number") for f in findings)
    assert not any("app.log:1" in f for f in findings)  # a timestamp is not a number


def test_the_audit_finds_a_planted_a_number_like_a_phone_number(
    esc_config: dict[str, Any], r: redis.Redis, tmp_path: Path
) -> None:
    r.set("hl:s:" + "c" * 64, json.dumps({"n": "menu", "v": {"note": "A-123-456-789"}}))
    log = tmp_path / "app.log"
    log.write_text("2026-12-04 10:00:00,123 INFO turn ok\nhis number is A 12345678\n")
    result = audit_cli(esc_config, "--log", str(log))
    assert result.exit_code == 1
    findings = json.loads(result.output)["findings"]
    assert any("hl:s:" in f and "A-number" in f for f in findings), findings
    assert any(f.endswith("app.log:2: something like an A-number") for f in findings)
    assert not any("app.log:1" in f for f in findings)
    for text in ("A123456789", "a# 123-456-789", "123 456 789"):
        assert audit.A_NUMBER.search(text), text
    for text in ("I-205", "ICE at 26 Federal Plaza", "K7Q2", "Appellate Division 2018"):
        assert not audit.A_NUMBER.search(text), text


def test_job_payloads_carry_only_ids(r: redis.Redis) -> None:
    queues.enqueue(r, queues.URGENT, jobs.notify_staff, "K7Q2", 0)
    assert audit.audit_redis(r, load_bundle(ROOT)) == []
    queues.enqueue(r, queues.URGENT, jobs.notify_staff, "+17185550199", 0)
    found = audit.audit_redis(r, load_bundle(ROOT))
    assert any(f.startswith("rq:job:") for f in found)


def test_docs_privacy_md_matches_the_code() -> None:
    from bot.content import routing

    expected = audit.inventory_markdown(routing.load(ROOT))
    assert (ROOT / "docs" / "privacy.md").read_text() == expected
