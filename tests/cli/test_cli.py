"""The `hotline` command: chat through the real engine and store, and the worker's job."""

from __future__ import annotations

import json
from typing import Any

import redis
from click.testing import CliRunner
from rq import Worker

from bot.cli import main
from bot.escalation import cases, queues


def chat(config: dict[str, Any], text: str, *args: str) -> list[dict[str, Any]]:
    env = {k: str(v) for k, v in config.items()}
    result = CliRunner().invoke(main, ["chat", "--json", *args], input=text, env=env)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_hola_answers_in_spanish(config: dict[str, Any], r: redis.Redis) -> None:
    [turn] = chat(config, "hola\n")
    assert turn["language"] == "es"
    assert turn["node"] == "menu"
    assert turn["keys"][0] == "welcome"
    assert {"replies", "language", "node", "events"} <= set(turn)
    assert turn["events"][0]["type"] == "language_changed"


def test_hi_then_1_answers_in_english_and_enters_the_first_topic(
    config: dict[str, Any], r: redis.Redis
) -> None:
    first, second = chat(config, "hi\n1\n")
    assert first["language"] == "en" and first["node"] == "menu"
    assert second["language"] == "en"
    assert "door.now" in second["keys"]
    assert any(e["type"] == "case_opened" for e in second["events"])


def test_chat_leaves_nothing_behind(config: dict[str, Any], r: redis.Redis) -> None:
    chat(config, "hi\n1\n")
    assert r.keys("hl:s:*") == [] and r.keys("hl:case:*") == []


def test_whatsapp_chat(config: dict[str, Any], r: redis.Redis) -> None:
    [turn] = chat(config, "hello\n", "--channel", "whatsapp")
    assert turn["language"] == "en"


def test_urgent_case_is_taken_by_a_real_worker(phone: Any, r: redis.Redis) -> None:
    phone.send("ICE is at my door")
    [case] = cases.open_cases(r)
    assert queues.queue(r, queues.URGENT).count == 1
    worker = Worker(
        [queues.queue(r, n) for n in queues.PRIORITY], connection=r, serializer=queues.SERIALIZER
    )
    worker.work(burst=True)
    [opened, queued] = cases.timeline(r, case["id"])
    assert opened["what"] == "opened" and queued["what"].startswith("queued for")
    assert case["urgency"] == "urgent" and case["topic"] == "ice_at_door"
    assert case["status"] == "open" and case["provider"] == "rapid_response"
