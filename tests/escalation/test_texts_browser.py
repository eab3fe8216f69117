"""Two organizers change a Spanish text in a real headless Chromium: the running bot keeps the
old text until a second person with the reviewer role for Spanish approves it, then says the
new one within seconds; the proposer can neither see nor forge an approval. The Texts pages
fit a 390 px phone."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import redis
import yaml
from playwright.sync_api import expect

from bot.content import review
from bot.web.console import staff
from tests.conftest import Phone
from tests.escalation.conftest import PASSWORD
from tests.escalation.test_console_browser import (  # noqa: F401  fixtures and the marks
    CHROMIUM,
    live,
    log_in,
    page,
    pytestmark,
)
from tests.escalation.test_console_phone import _fits, _login, phone_page  # noqa: F401
from tests.web.test_webhook import messages

NEW = "Línea de derechos de inmigrantes de Nueva York. Gratis, y sin pedir su nombre."
OVERFLOW = "document.documentElement.scrollWidth"


class Person:
    """Someone texting "hola" for the first time: a new number each time, so each answer is
    the welcome."""

    def __init__(self, app: Any) -> None:
        self.app, self.count = app, 0

    def hola(self) -> str:
        self.count += 1
        phone = Phone(self.app.test_client(), number=f"+1347555{self.count:04d}")
        return str(messages(phone.send("hola"))[0])


def test_a_spanish_text_goes_live_only_when_a_second_reviewer_approves_it(
    page: Any,  # noqa: F811
    esc_app: Any,
    esc_config: dict[str, Any],
    r: redis.Redis,
) -> None:
    content = Path(esc_config["HOTLINE_CONTENT_DIR"])
    # Both review Spanish: only the two-person rule keeps ana from approving her own text.
    staff.add(r, "ana", PASSWORD, "rapid", "organizer", ["es"])
    staff.add(r, "ben", PASSWORD, "rapid", "organizer", ["es"])
    person = Person(esc_app)
    old = person.hola()
    assert old.startswith("Línea de derechos de inmigrantes de Nueva York. Gratis. Esta")

    page.goto("/console/texts")
    log_in(page, r, "ana")
    page.select_option("#lang", "es")
    page.fill("#q", "rights hotline")
    page.click("#filter")
    # click() returns once the new page commits, before its table is parsed: wait for it.
    expect(page.locator("#texts tbody tr")).to_have_count(1)
    page.click('#texts tr[data-key="welcome"] a')
    assert page.inner_text("#key") == "welcome"
    page.fill("#proposal-text", NEW)
    assert "segment" in page.inner_text("#segments")  # counted as she types
    page.click("#propose")
    expect(page.locator("main")).to_contain_text("Proposed")
    [proposal] = review.waiting(r, "es")
    assert page.inner_text(f'[data-proposal="{proposal.id}"] .text') == NEW
    assert page.locator("button.approve").count() == 0  # not for the proposer
    token = page.locator("input[name=csrf]").first.input_value()
    forged = page.request.post(
        f"/console/proposals/{proposal.id}/approve", form={"csrf": token}, max_redirects=0
    )
    assert forged.status == 403
    assert person.hola() == old  # the running bot still says the text in force
    time.sleep(2.5)  # longer than live reload's look at the files: still nothing changed
    assert person.hola() == old

    page.click("header form button")  # log out
    log_in(page, r, "ben")
    page.goto("/console/texts?lang=es&show=waiting")
    assert page.locator("#texts tbody tr").count() == 1
    page.click('#texts tr[data-key="welcome"] a.waiting')
    page.click(f'[data-proposal="{proposal.id}"] button.approve')
    expect(page.locator("main")).to_contain_text("Approved")
    deadline = time.monotonic() + 10
    answer = person.hola()
    while not answer.startswith(NEW) and time.monotonic() < deadline:
        time.sleep(0.25)
        answer = person.hola()
    assert answer.startswith(NEW), answer
    welcome = yaml.safe_load((content / "locales" / "es.yaml").read_text(encoding="utf-8"))[
        "messages"
    ]["welcome"]
    today = dt.datetime.now(ZoneInfo("America/New_York")).date()
    assert welcome == {"text": NEW, "reviewed": True, "reviewed_by": "ben", "reviewed_on": today}
    assert f"reviewed by ben on {today}" in page.inner_text("#review")

    # The same pages on a phone's width: nothing runs off the side.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/console/texts?lang=es", "/console/texts/es/welcome", "/console/facts"):
        page.goto(path)
        assert page.evaluate(OVERFLOW) <= 390, path


def test_the_texts_pages_fit_a_390_px_phone(phone_page: Any, r: redis.Redis) -> None:  # noqa: F811
    staff.add(r, "ana", PASSWORD, "rapid", "organizer", ["ar", "facts"])
    _login(phone_page, r, "ana")
    _fits(phone_page, "/console/texts?lang=ar")  # right to left, long texts
    phone_page.goto("/console/texts/ar/welcome")
    phone_page.fill("#proposal-text", "خط حقوق المهاجرين في نيويورك. مجاني.")
    phone_page.click("#propose")
    for path in (
        "/console/texts/ar/welcome",
        "/console/texts?lang=pl&show=problems",
        "/console/facts",
        "/console/facts?show=waiting",
    ):
        _fits(phone_page, path)
