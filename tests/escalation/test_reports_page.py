"""The console's Reports page: organizers only, the suppressed numbers, SVG drawn on the server
with no script and nothing loaded from elsewhere, and the same numbers as CSV."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import redis

from bot import reports
from bot.web.console import staff
from tests.escalation.conftest import PASSWORD, Console
from tests.test_reports import Script, at


def test_organizers_see_reports_as_svg_and_csv_and_staff_do_not(
    esc_app: Any, r: redis.Redis, staffer: Console
) -> None:
    yesterday = reports.today() - timedelta(days=1)  # a day that has ended is published
    script = Script(esc_app)
    for n in range(12):
        script.conversation(["hello"], at(yesterday, 10) + n)
    script.conversation(["hola"], at(yesterday, 11))
    day = yesterday.isoformat()
    query = f"?by=day&since={day}&until={day}"
    assert staffer.client.get("/console/reports" + query).status_code == 403

    staff.add(r, "olga", PASSWORD, "rapid", "organizer")
    organizer = Console(esc_app, "olga")
    organizer.login()
    page = organizer.client.get("/console/reports" + query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") == 5
    # Charts drawn on the server: no inline script, nothing from another site.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"(src|href)=\"https?://", html)
    rows = organizer.client.get("/console/reports.csv" + query).get_data(as_text=True)
    assert f"{day},conv.lang:en,12" in rows
    assert f"{day},conv.lang:es,<10" in rows
    assert f"{day},conv,suppressed" in rows  # 13 - 12 would give the one Spanish conversation
    assert "+1347" not in html + rows
    today = reports.today().isoformat()  # still running: not published yet
    running = organizer.client.get(f"/console/reports.csv?by=day&since={today}&until={today}")
    assert running.get_data(as_text=True).strip() == "period,cell,count"
