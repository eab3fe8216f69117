"""The console's Reports page: organizers only, the suppressed numbers, SVG drawn on the server
with no script and nothing loaded from elsewhere, and the same numbers as CSV."""

from __future__ import annotations

import re
from typing import Any

import redis

from bot import reports
from bot.web.console import staff
from tests.conftest import Phone
from tests.escalation.conftest import PASSWORD, Console


def test_organizers_see_reports_as_svg_and_csv_and_staff_do_not(
    esc_app: Any, r: redis.Redis, staffer: Console
) -> None:
    for n in range(12):
        Phone(esc_app.test_client(), number=f"+1347555{n:04d}").send("hello")
    Phone(esc_app.test_client(), number="+17185550000").send("hola")
    today = reports.today().isoformat()
    query = f"?by=day&since={today}&until={today}"
    assert staffer.client.get("/console/reports" + query).status_code == 403

    staff.add(r, "olga", PASSWORD, "rapid", "organizer")
    organizer = Console(esc_app, "olga")
    organizer.login()
    page = organizer.client.get("/console/reports" + query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") == 5
    assert "<script" not in html and not re.search(r"(src|href)=\"https?://", html)
    rows = organizer.client.get("/console/reports.csv" + query).get_data(as_text=True)
    assert f"{today},conv.lang:en,12" in rows
    assert f"{today},conv.lang:es,<10" in rows
    assert f"{today},conv,suppressed" in rows  # 13 - 12 would give the one Spanish conversation
    assert "+1347" not in html + rows
