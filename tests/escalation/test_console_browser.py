"""The whole escalation as staff live it, in a real headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import redis
from playwright.sync_api import expect
from werkzeug.serving import make_server

from bot.db import Writes
from bot.escalation import cases
from bot.web.console import staff
from tests.conftest import Phone
from tests.escalation.conftest import ON_CALL, PASSWORD, only_case, totp_code, work
from tests.support.fake_twilio import FakeTwilio

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# In CI (CI=true) a missing browser is a failure, not a skip: .ci/run installs it.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (apt-get install chromium); .ci/run installs it",
    ),
]


def log_in(page: Any, r: redis.Redis, name: str) -> None:
    """Name and password, then the second factor: the first time the page shows the QR code
    to enroll the authenticator app, and its code completes the login."""
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login")
    if not staff.enrolled(r, name):
        expect(page.locator("#qr svg")).to_have_count(1)  # waits for the page to load
        assert page.inner_text("#otpauth").startswith("otpauth://totp/")
    page.fill("input[name=code]", totp_code(r, name))
    page.click("#verify")
    # click() returns once the next page commits; wait until the page after login has loaded.
    page.wait_for_url(lambda url: "/console/login" not in url, wait_until="load")


@pytest.fixture
def live(esc_app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, esc_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page(live: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(base_url=live)
        yield page
        browser.close()


def test_console_takes_an_urgent_case_from_text_to_close(
    page: Any, person: Phone, r: redis.Redis, twilio: FakeTwilio
) -> None:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    work(r)
    assert twilio.sent[0]["To"] == ON_CALL[0] and case_id in twilio.sent[0]["Body"]

    page.goto(f"/console/cases/{case_id}")  # the link in the SMS: log in first
    log_in(page, r, "maria")
    assert page.inner_text("#case-id") == case_id
    page.click("#claim")
    expect(page.locator("#status")).to_contain_text("claimed (maria)")

    page.fill("#reply-text", "Hola, soy Maria de la línea legal. ¿Está a salvo?")
    page.click("#send")
    work(r)
    reply = twilio.sent[-1]
    assert reply["To"] == "+13475550199"
    assert reply["Body"] == "Hola, soy Maria de la línea legal. ¿Está a salvo?"

    person.send("Sí, no abrimos la puerta")
    page.reload()
    assert "Sí, no abrimos la puerta" in page.inner_text("#thread")
    assert "3475550199" not in page.content()

    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#close")
    expect(page.locator("main")).to_contain_text(f"Case {case_id} closed")
    assert r.keys(f"{cases.CASE}{case_id}*") == []


def test_queue_lists_urgent_first_then_oldest(page: Any, r: redis.Redis) -> None:
    staff.add(r, "ana", PASSWORD, "intake", "organizer")
    writes = Writes()
    for n, (case_id, urgency) in enumerate(
        [("NNNN", "normal"), ("UUU3", "urgent"), ("UUU4", "urgent"), ("HHHH", "high")]
    ):
        event = {
            "case": case_id,
            "topic": "report",
            "urgency": urgency,
            "lang": "es",
            "channel": "sms",
            "node": "report",
            "answers": {"borough": "queens"},
        }
        cases.open_case(writes, "p" * 64, event, "intake", b"sealed", 60, now=1_000_000 + n)
    writes.apply(r)
    page.goto("/console/login")
    log_in(page, r, "ana")
    expect(page.locator("#queue tbody tr")).to_have_count(4)
    order = page.locator("#queue tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.case)"
    )
    assert order == ["UUU3", "UUU4", "HHHH", "NNNN"]
    assert "Queens" in page.inner_text("#queue")


def test_a_page_on_another_port_cannot_frame_the_console(page: Any, live: str) -> None:
    framing = f'<!doctype html><iframe id="f" src="{live}/console/login"></iframe>'.encode()

    class Sibling(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(framing)))
            self.end_headers()
            self.wfile.write(framing)

        def log_message(self, *args: Any) -> None:
            pass

    sibling = ThreadingHTTPServer(("127.0.0.1", 0), Sibling)
    threading.Thread(target=sibling.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{sibling.server_address[1]}/")  # waits for the frame too
        assert page.locator("#f").count() == 1
        assert page.frame_locator("#f").locator("#login").count() == 0
        page.goto(f"{live}/console/login")
        assert page.locator("#login").count() == 1  # the page itself is there
    finally:
        sibling.shutdown()
        sibling.server_close()
