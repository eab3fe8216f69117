"""The organizers' simulator in a real headless Chromium: log in, send "hola", see Spanish."""

from __future__ import annotations

from typing import Any

import redis

from bot.escalation import cases
from bot.web.console import staff
from tests.escalation.conftest import PASSWORD
from tests.escalation.test_console_browser import (  # noqa: F401
    live,
    log_in,
    page,
    pytestmark,
)


def test_simulator_shows_the_reply_its_node_language_and_segments(
    page: Any,  # noqa: F811
    r: redis.Redis,
) -> None:
    staff.add(r, "ana", PASSWORD, "intake", "organizer")
    page.goto("/console/simulator")
    log_in(page, r, "ana")
    page.fill("#text", "hola")
    page.click("#send")
    page.wait_for_selector("#last-turn")
    chat = page.inner_text("#chat")
    assert "language: es" in chat and "node: menu" in chat
    assert "segment(s)" in chat and ("UCS-2" in chat or "GSM-7" in chat)
    replies = page.locator("#chat p.reply").all_inner_texts()
    assert replies and "segment" in replies[0]

    page.fill("#text", "ICE is at my door")
    page.click("#send")
    # A locator, not wait_for_function: the console's CSP forbids evaluating strings.
    page.locator("#last-turn").nth(1).wait_for()
    assert "case_opened" in page.inner_text("#chat")
    assert cases.open_cases(r) == []  # the simulator opens no real case

    page.click("#reset")
    page.wait_for_selector("text=Session reset.")
    assert page.locator("#chat p.reply").count() == 0
    assert r.keys("hl:sim:*") == []
