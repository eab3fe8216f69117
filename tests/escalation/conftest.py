"""A hotline with a routing file that notifies, a Twilio-like server, staff, and a worker."""

from __future__ import annotations

import re
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
import redis
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from bot import create_app
from bot.escalation import cases, jobs, queues, worker
from bot.web.console import staff
from tests.conftest import ROOT, Phone
from tests.support.fake_twilio import FakeTwilio

ON_CALL = ["+12125550101", "+12125550102"]
PASSWORD = "correct horse battery"
ROUTING = f"""
spec_version: 1
ack_minutes: 10
handle_days: 7
thread_hours: 72
topics: {{ice_at_door: ICE at the door, detained: someone detained}}
providers:
  - id: rapid
    name: Rapid response
    topics: [ice_at_door, detained]
    contacts: {ON_CALL}
    webhook: {{url: "PROVIDER_URL", secret_env: HOTLINE_TEST_PROVIDER_KEY}}
  - id: intake
    name: Legal intake
    topics: [any]
"""


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def provider_hook(twilio: FakeTwilio) -> Iterator[FakeTwilio]:
    """A second local server standing in for the provider's webhook (records its POSTs)."""
    hook = FakeTwilio().start()
    yield hook
    hook.stop()


@pytest.fixture
def esc_config(
    config: dict[str, Any],
    tmp_path: Path,
    twilio: FakeTwilio,
    provider_hook: FakeTwilio,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "flows", content / "flows")
    shutil.copytree(ROOT / "locales", content / "locales")
    (content / "flows" / "routing.yaml").write_text(
        ROUTING.replace("PROVIDER_URL", provider_hook.url + "/hotline-cases")
    )
    settings = dict(
        config,
        HOTLINE_CONTENT_DIR=str(content),
        HOTLINE_TWILIO_API_URL=twilio.url,
        HOTLINE_RETRY_INTERVALS="0,0",
        HOTLINE_FROM_NUMBER="+12125550000",
        HOTLINE_PUBLIC_URL="http://localhost",
        HOTLINE_WHATSAPP_TEMPLATE_SID="HX" + "a" * 32,
    )
    monkeypatch.setenv("HOTLINE_TEST_PROVIDER_KEY", "provider-signing-key")
    return settings


@pytest.fixture
def esc_app(esc_config: dict[str, Any], r: redis.Redis, twilio: FakeTwilio) -> Any:
    app = create_app(esc_config)
    twilio.auth_token = esc_config["TWILIO_AUTH_TOKEN"]
    twilio.post_status = through(app)
    return app


def through(app: Any) -> Any:
    """Status callbacks posted to the app through Flask's test client (its public URL,
    http://localhost, is not a server)."""

    def post(url: str, form: dict[str, str], signature: str) -> int:
        path = urllib.parse.urlsplit(url).path
        sent = app.test_client().post(path, data=form, headers={"X-Twilio-Signature": signature})
        return int(sent.status_code)

    return post


@pytest.fixture
def person(esc_app: Any) -> Phone:
    return Phone(esc_app.test_client(), number="+13475550199")


def work(r: redis.Redis) -> None:
    """A real forking RQ worker, in burst mode, on the queues in priority order, with the
    settings of the app the test made (as `hotline serve` and the Procfile's worker have)."""
    burst = worker.build(jobs.settings(), r)
    # No command channel: its thread sleeps up to 60 s in redis-py and stopping it waits for
    # that (a burst run takes no commands anyway).
    burst.subscribe = lambda: None  # type: ignore[method-assign]
    burst.work(burst=True, with_scheduler=False)


def run_scheduled(r: redis.Redis, func: str) -> list[datetime]:
    """Time passes: move scheduled jobs of `func` to their queues now; returns when due."""
    due = []
    for name in queues.PRIORITY:
        queue = queues.queue(r, name)
        registry = ScheduledJobRegistry(queue=queue)
        for job_id in registry.get_job_ids():
            job = Job.fetch(job_id, connection=r, serializer=queues.SERIALIZER)
            if job.func_name.endswith(func):
                due.append(registry.get_scheduled_time(job_id))
                registry.remove(job)
                queue.enqueue_job(job)
    return due


def totp_code(r: redis.Redis, name: str, offset: int | None = None) -> str:
    """What the staffer's authenticator app shows now (the secret read from Redis); by default
    a code not used yet: now's, or the next one's when now's opened a session already (a code
    works once)."""
    secret = r.hget(staff.STAFF + name, "totp")
    assert secret, f"no account {name!r}"
    totp, now = pyotp.TOTP(secret.decode()), time.time()
    if offset is None:
        last = int(r.hget(staff.STAFF + name, "totp_step") or -1)
        offset = 0 if int(now // totp.interval) > last else 1
    return totp.at(now, counter_offset=offset)


class Console:
    """A staff member's browser session through Flask's test client, from one address."""

    def __init__(self, app: Any, name: str, address: str = "127.0.0.1") -> None:
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = address
        self.name = name
        self.r = app.extensions["redis"]

    def csrf(self, path: str = "/console/login") -> str:
        page = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf" value="([^"]+)"', page)
        assert match, page
        return match[1]

    def password(self, password: str = PASSWORD, path: str = "/console/login") -> Any:
        """The first step alone: name and password."""
        return self.client.post(
            path, data={"name": self.name, "password": password, "csrf": self.csrf(path)}
        )

    def login(self, password: str = PASSWORD, code: str | None = None) -> Any:
        """Both steps, the second with the authenticator's current code unless given one."""
        first = self.password(password)
        if first.status_code != 302 or "/login/code" not in first.location:
            return first
        return self.second_factor(first.location, code or totp_code(self.r, self.name))

    def second_factor(self, path: str, code: str) -> Any:
        return self.client.post(path, data={"code": code, "csrf": self.csrf(path)})

    def post(self, path: str, **data: str) -> Any:
        return self.client.post(path, data={"csrf": self.csrf("/console/"), **data})


@pytest.fixture
def staffer(esc_app: Any, r: redis.Redis) -> Console:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    console = Console(esc_app, "maria")
    assert console.login().status_code == 302
    return console


def only_case(r: redis.Redis) -> dict[str, str]:
    [case] = cases.open_cases(r)
    return case


def now() -> datetime:
    return datetime.now(UTC)
