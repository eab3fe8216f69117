"""The console on a 390 px phone, live: no sideways scrolling, touch targets of 44 px, a queue
that updates itself and alerts, and reply statuses that arrive without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from playwright.sync_api import expect

from bot.web.console import staff
from tests.conftest import Phone
from tests.escalation.conftest import PASSWORD, only_case, work
from tests.escalation.test_console_browser import CHROMIUM, live, log_in, pytestmark  # noqa: F401
from tests.support.fake_twilio import FakeTwilio

PERSON = "+13475550199"
# Records notifications instead of showing them (headless Chromium has no notification centre).
NOTIFICATIONS = """
window.__notes = [];
window.Notification = class {
  constructor(title, options) { window.__notes.push({title, body: (options || {}).body}); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""
SMALL_TARGETS = """
() => [...document.querySelectorAll('button, header a, td a, input:not([type=hidden]), select')]
  .filter(e => e.offsetParent !== null)
  .map(e => [e.id || e.textContent.trim() || e.name, e.getBoundingClientRect().height])
  .filter(([_, h]) => h < 44)
"""


@pytest.fixture
def phone_page(live: str) -> Iterator[Any]:  # noqa: F811
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        context = browser.new_context(
            base_url=live, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        context.add_init_script(NOTIFICATIONS)
        yield context.new_page()
        browser.close()


def _login(page: Any, r: redis.Redis, name: str) -> None:
    page.goto("/console/login")
    log_in(page, r, name)


def _fits(page: Any, path: str) -> None:
    assert page.goto(path).ok, path
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide"
    assert page.evaluate(SMALL_TARGETS) == [], f"{path} has touch targets under 44 px"


def test_every_console_page_fits_a_390_px_phone(
    phone_page: Any, person: Phone, r: redis.Redis, twilio: FakeTwilio
) -> None:
    staff.add(r, "ana", PASSWORD, "rapid", "organizer")
    _fits(phone_page, "/console/login")
    twilio.fail_next = 3  # the on-call page fails every try: a row in failed jobs
    person.send("ICE is at my door")
    person.send("1")
    case_id = only_case(r)["id"]
    work(r)
    person.send("Estamos adentro con los niños, " + "muy " * 40 + "asustados")
    _login(phone_page, r, "ana")
    for path in (
        "/console/",
        f"/console/cases/{case_id}",
        "/console/jobs",
        "/console/simulator",
        "/console/outbox",
        "/console/audit",
        "/console/reports",
    ):
        _fits(phone_page, path)
    assert "notify_staff" in phone_page.goto("/console/jobs").text()


def test_a_new_urgent_case_appears_in_an_open_queue_and_alerts(
    phone_page: Any, person: Phone, r: redis.Redis
) -> None:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    _login(phone_page, r, "maria")
    expect(phone_page.locator("#empty")).to_be_visible()
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    phone_page.wait_for_selector(f'#queue tr[data-case="{case_id}"]', timeout=10_000)
    assert phone_page.title().startswith("(1 urgent)")
    notes = phone_page.evaluate("window.__notes")
    assert len(notes) == 1 and case_id not in str(notes) and "door" not in str(notes).lower()
    assert phone_page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_a_reply_refused_with_21612_shows_failed_and_why_without_a_reload(
    phone_page: Any, person: Phone, r: redis.Redis, twilio: FakeTwilio
) -> None:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    twilio.refuse[PERSON] = 21612
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    _login(phone_page, r, "maria")
    phone_page.goto(f"/console/cases/{case_id}")
    phone_page.fill("#reply-text", "Hola, soy Maria")
    phone_page.click("#send")
    assert phone_page.inner_text('[data-ref="reply:0"]') == "queued"
    work(r)
    phone_page.wait_for_selector('[data-ref="reply:0"][data-status="failed"]', timeout=10_000)
    assert "cannot be reached by SMS" in phone_page.inner_text('[data-reason="reply:0"]')


def test_a_delivered_reply_shows_delivered_without_a_reload(
    phone_page: Any, person: Phone, r: redis.Redis, twilio: FakeTwilio
) -> None:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    _login(phone_page, r, "maria")
    phone_page.goto(f"/console/cases/{case_id}")
    phone_page.fill("#reply-text", "Hola, soy Maria")
    phone_page.click("#send")
    work(r)
    phone_page.wait_for_selector('[data-ref="reply:0"][data-status="delivered"]', timeout=10_000)
    assert phone_page.inner_text('[data-reason="reply:0"]') == ""


def test_a_canned_reply_fills_the_box_in_spanish_and_the_segments_follow_typing(
    phone_page: Any, esc_app: Any, r: redis.Redis, say: Any
) -> None:
    from bot.engine.sms import segments

    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    Phone(esc_app.test_client(), number="+13475550168").send("ICE está en mi puerta")
    case_id = only_case(r)["id"]
    _login(phone_page, r, "maria")
    phone_page.goto(f"/console/cases/{case_id}")
    phone_page.select_option("#canned", label="We could not reach you")
    text = say("es", "reply.could_not_reach")
    assert phone_page.input_value("#reply-text") == text
    assert phone_page.get_attribute("#segments", "data-segments") == str(segments(text))
    more = " Gracias. " * 20 + "Llámenos."  # longer, and á makes it UCS-2
    phone_page.type("#reply-text", more)
    assert phone_page.get_attribute("#segments", "data-segments") == str(segments(text + more))
    assert "UCS-2" in phone_page.inner_text("#segments")
