"""A newcomer's first run, with no Twilio account: `hotline serve`, an urgent text, the on-call
page and a staff reply in the local outbox, delivered; and serve keeps its worker alive."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pyotp
import pytest

from bot.config import DEV_AUTH_TOKEN
from tests.cli.test_serve import post
from tests.conftest import _free_port

PERSON = "+15551230000"
PASSWORD = "correct horse battery"


class Served:
    """`hotline serve` in a subprocess, its output collected as it comes."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k != "REDIS_URL" and not k.startswith(("HOTLINE", "TWILIO"))
        }
        self.env["HOTLINE_DATA_DIR"] = str(tmp_path / "data")
        self.env["HOTLINE_ENV"] = "development"  # as `make run` says
        self.output: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)

    def hotline(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.base + "/healthz", timeout=5) as response:
            return dict(json.load(response))

    def worker(self) -> psutil.Process | None:
        children = psutil.Process(self.proc.pid).children(recursive=True)
        found = [c for c in children if "bot.escalation.worker" in " ".join(c.cmdline())]
        return next((c for c in found if c.status() != psutil.STATUS_ZOMBIE), None)


def until(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = check()
        except (OSError, ValueError):
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"within {seconds} s: {what}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = Served(tmp_path)
    try:
        until(lambda: running.health()["status"] == "ok", 60, "serve and its worker are up")
        yield running
    finally:
        running.proc.send_signal(signal.SIGTERM)
        running.proc.wait(timeout=60)


def _outbox(served: Served) -> list[dict[str, Any]]:
    return list(json.loads(served.hotline("outbox", "list", "--json")))


def _console(served: Served) -> Callable[[str, dict[str, str] | None], str]:
    """A browser's cookie jar over real HTTP: returns a page, posting with the CSRF token."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    token: list[str] = []

    def go(path: str, form: dict[str, str] | None = None) -> str:
        data = None
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrf": token[-1]}).encode()
        with opener.open(served.base + path, data=data, timeout=10) as response:
            page = str(response.read().decode())
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        if found:
            token.append(found[1])
        return page

    return go


def test_a_first_run_shows_the_on_call_page_and_a_delivered_reply_in_the_outbox(
    served: Served,
) -> None:
    started = "".join(served.output)
    assert f"{served.base}/console/" in started
    assert "hotline staff add NAME --provider rapid_response" in started
    form = {
        "MessageSid": "SM" + "2" * 32,
        "AccountSid": "AC" + "2" * 32,
        "From": PERSON,
        "To": "+15550000000",
        "Body": "ICE is at my door",
        "NumMedia": "0",
    }
    status, _twiml = post(served.base + "/twilio/messages", form, DEV_AUTH_TOKEN)
    assert status == 200
    [page] = until(lambda: _outbox(served), 30, "the on-call page is in the outbox")
    case_id = re.search(r"case (\w{4})", page["body"])[1]  # type: ignore[index]
    assert page["to"].endswith("00") and "2125550100" not in json.dumps(page)
    assert page["status"] == "delivered"

    added = served.hotline(
        "staff", "add", "maria", "--provider", "rapid_response", "--password", PASSWORD
    )
    secret = re.search(r"secret=([A-Z2-7]+)", added)[1]  # type: ignore[index]
    go = _console(served)
    go("/console/login", None)
    go("/console/login", {"name": "maria", "password": PASSWORD})  # on to the second factor
    go("/console/login/code", {"code": pyotp.TOTP(secret).now()})
    go(f"/console/cases/{case_id}", None)
    go(f"/console/cases/{case_id}/reply", {"text": "Hola, soy Maria"})

    def reply() -> dict[str, Any] | None:
        return next((m for m in _outbox(served) if m["body"] == "Hola, soy Maria"), None)

    sent = until(reply, 30, "the staff reply is in the outbox")
    assert sent["status"] == "delivered" and PERSON[2:] not in json.dumps(_outbox(served))
    assert sent["to"].endswith("00") and "•" in sent["to"]
    shown = until(
        lambda: 'data-status="delivered"' in go(f"/console/cases/{case_id}", None),
        10,
        "the case page shows the reply delivered",
    )
    assert shown


def test_serve_restarts_a_dead_worker_and_healthz_says_which_part_is_down(
    served: Served,
) -> None:
    first = served.worker()
    assert first is not None
    first.kill()
    began = time.monotonic()
    said = until(lambda: served.health()["down"] == ["worker"], 10, "healthz says: worker down")
    assert said
    second = until(
        lambda: (w := served.worker()) is not None and w.pid != first.pid and w,
        10,
        "a new worker is running",
    )
    assert time.monotonic() - began < 10 and second.is_running()
    assert "killed by signal 9" in until(
        lambda: "".join(served.output) if "restarting" in "".join(served.output) else None,
        5,
        "serve logged why",
    )
    until(lambda: served.health()["status"] == "ok", 30, "healthz sees the new worker")
