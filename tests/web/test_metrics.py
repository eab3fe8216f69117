"""/metrics: refused without the token, scraped with it, and no label identifies anyone."""

from __future__ import annotations

import re
from typing import Any

import redis
from prometheus_client.parser import text_string_to_metric_families

from bot import create_app
from bot.escalation import cases
from tests.conftest import Phone

TOKEN = "metrics-token-for-tests"
CASE_ID = re.compile(f"^[{cases.ALPHABET}]{{4}}$")
PSEUDONYM = re.compile(r"[0-9a-f]{16,}")
NUMBER = re.compile(r"\d{7,}|\+\d")


def test_metrics_refuse_without_the_token(config: dict[str, Any], r: redis.Redis) -> None:
    client = create_app(dict(config, HOTLINE_METRICS_TOKEN=TOKEN)).test_client()
    assert client.get("/metrics").status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/metrics", headers=wrong).status_code == 401
    unset = create_app(config).test_client()  # not configured: no metrics at all
    assert unset.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_metrics_scrape_and_no_label_identifies_anyone(
    config: dict[str, Any], r: redis.Redis
) -> None:
    app = create_app(dict(config, HOTLINE_METRICS_TOKEN=TOKEN, HOTLINE_RATE_PER_MINUTE="2"))
    for n in range(3):
        person = Phone(app.test_client(), number=f"+1347555{n:04d}")
        person.send("hello")
        person.send("ICE is at my door")
    flooder = Phone(app.test_client(), number="+17185550000")
    for _ in range(4):
        flooder.send("hi")
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.get_data(True))}
    value = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in families.values()
        for s in f.samples
    }
    assert value[("hotline_redis_up", ())] == 1
    assert value[("hotline_queue_depth", (("queue", "urgent"),))] == 3
    assert value[("hotline_failed_jobs", (("queue", "urgent"),))] == 0
    assert value[("hotline_workers", ())] == 0
    assert value[("hotline_today", (("counter", "conversations"),))] == 4
    assert value[("hotline_today", (("counter", "cases_opened"),))] == 3
    assert value[("hotline_today", (("counter", "refused_flood"),))] == 1
    assert value[("hotline_webhook_seconds_count", ())] >= 10
    case_ids = {c["id"] for c in cases.open_cases(r)}
    labels = [v for f in families.values() for s in f.samples for v in s.labels.values()]
    assert labels
    for label in labels:
        assert label not in case_ids and not CASE_ID.match(label), label
        assert not PSEUDONYM.search(label) and not NUMBER.search(label), label


def test_redis_down_scrapes_as_down(config: dict[str, Any], r: redis.Redis) -> None:
    app = create_app(dict(config, HOTLINE_METRICS_TOKEN=TOKEN, REDIS_URL="redis://127.0.0.1:1/0"))
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert "hotline_redis_up 0.0" in response.get_data(True)


def test_the_sample_dashboard_queries_only_metrics_we_export(
    config: dict[str, Any], r: redis.Redis
) -> None:
    import json
    from pathlib import Path

    dashboard = json.loads((Path(__file__).parents[2] / "docs/grafana-dashboard.json").read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"hotline_\w+", target["expr"])
    }
    app = create_app(dict(config, HOTLINE_METRICS_TOKEN=TOKEN))
    text = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    exported = {
        s.name for f in text_string_to_metric_families(text.get_data(True)) for s in f.samples
    }
    assert queried and queried <= exported, queried - exported
