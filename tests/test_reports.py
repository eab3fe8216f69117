"""Reports that cannot identify anyone: a scripted week of traffic, counted, suppressed, and an
attacker who differences every pair of published numbers and finds no single conversation."""

from __future__ import annotations

import itertools
import json
import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
import redis
from click.testing import CliRunner

from bot import reports
from bot.cli import audit, main
from bot.escalation import cases
from bot.turn.inbound import InboundMessage

WEEK = date(2026, 11, 1)  # the scripted week: 1 to 7 November, the month's first week
REPORT = ["report", "2", "1", "3", "4"]  # police helping ICE, NYPD, earlier, Queens


def at(day: date, hour: int = 12) -> float:
    return datetime.combine(day, time(hour), reports.LOCAL).timestamp()


class Script:
    """People texting the hotline at fixed times, through the real turn and Redis."""

    def __init__(self, app: Any) -> None:
        self.hotline = app.extensions["hotline"]
        self.people = itertools.count(1)
        self.sids = itertools.count(1)

    def conversation(self, texts: list[str], when: float, channel: str = "sms") -> None:
        number = f"+1347555{next(self.people):04d}"
        address = f"whatsapp:{number}" if channel == "whatsapp" else number
        for i, text in enumerate(texts):
            sid = f"SM{next(self.sids):032d}"
            msg = InboundMessage(channel, address, text, 0, sid, "+15559990000")  # type: ignore[arg-type]
            self.hotline.handle(msg, now=when + i)


# Per day of the week: English SMS, Spanish WhatsApp conversations; one Bengali on Thursday.
ENGLISH = [2, 2, 1, 2, 2, 2, 1]  # 12 in the week
SPANISH = [3, 2, 2, 2, 2, 2, 2]  # 15 in the week
REPORTS_NYPD_QUEENS = 11  # in English, across the week


@pytest.fixture
def week(app: Any, r: redis.Redis) -> Script:
    script = Script(app)
    for offset in range(7):
        day = WEEK + timedelta(days=offset)
        for k in range(ENGLISH[offset]):
            script.conversation(["hello"], at(day, 9 + k))
        for k in range(SPANISH[offset]):
            script.conversation(["hola"], at(day, 14 + k), channel="whatsapp")
    script.conversation(["আমার সাহায্য দরকার"], at(WEEK + timedelta(days=3), 23))
    for k in range(REPORTS_NYPD_QUEENS):
        script.conversation(REPORT, at(WEEK + timedelta(days=k % 7), 20))
    return script


def run(config: dict[str, Any], *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["reports", "--json", *args], env=config)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_scripted_week_counts_as_scripted_and_small_cells_are_suppressed(
    week: Script, config: dict[str, Any], r: redis.Redis
) -> None:
    found = run(config, "--since", "2026-11-01", "--until", "2026-11-07", "--by", "week")
    [row] = found["periods"]  # whole weeks: 1-7 November
    cells = row["cells"]
    # 12 English "hello" + 11 English reports; 15 Spanish; one Bengali, hidden.
    assert cells["conv.lang:en"] == sum(ENGLISH) + REPORTS_NYPD_QUEENS
    assert cells["conv.lang:es"] == sum(SPANISH)
    assert cells["conv.channel:whatsapp"] == sum(SPANISH)
    assert cells["conv.channel:sms"] == sum(ENGLISH) + REPORTS_NYPD_QUEENS + 1
    assert cells["conv.lang:bn"] == "<10"
    assert cells["conv"] == "suppressed"  # total minus the shown languages would give the 1
    assert cells["case.opened:*"] == REPORTS_NYPD_QUEENS  # to whoever is on call then
    assert cells["urgency:normal"] == REPORTS_NYPD_QUEENS
    day = run(config, "--since", "2026-11-05", "--until", "2026-11-05", "--by", "day")
    assert set(day["periods"][0]["cells"].values()) == {"<10"}  # a day's counts are all small
    [month] = run(config, "--since", "2026-11-01", "--until", "2026-11-30")["accountability"]
    assert month["month"] == "2026-11"
    assert month["cells"] == [
        {
            "agency": "nypd",
            "kind": "police_or_jail_helping_ice",
            "place": "queens",
            "count": REPORTS_NYPD_QUEENS,
        }
    ]
    assert month["total"] == REPORTS_NYPD_QUEENS


def test_no_hour_and_no_identifier_is_kept_and_counters_expire(
    week: Script, r: redis.Redis
) -> None:
    keys = sorted(k.decode() for k in r.scan_iter("reports:*"))
    assert keys and all(
        re.fullmatch(r"reports:(day:\d{4}-\d\d-\d\d|month:\d{4}-\d\d)", k) for k in keys
    )
    for key in keys:
        for field in r.hkeys(key):
            assert re.fullmatch(
                r"[a-z.]+:[a-z_*\-]+|conv|acct:[a-z_]+\|[a-z_]+\|[a-z_]+", field.decode()
            )
        assert 400 * 86400 < r.ttl(key) <= 401 * 86400
    assert len([k for k in keys if k.startswith("reports:day:")]) == 7  # days, never hours


def published(report: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    """Every number a report publishes: (cell, first day, last day) -> count."""
    out = {}
    for row in report["periods"]:
        first = date.fromisoformat(row["first"])
        last = reports.period_of(first, report["grain"]).last
        for cell, count in row["cells"].items():
            if isinstance(count, int):
                out[(cell, str(first), str(last))] = count
    return out


def recoverable(numbers: dict[tuple[str, str, str], int], threshold: int) -> list[str]:
    """The attacker: subtract from each published count the published counts nested inside it
    (finer periods of the same cell; the cells under a total), and keep what is small."""
    found = []
    for (cell, first, last), n in numbers.items():
        for grain in reports.GRAINS:
            inner = [
                v
                for (c, start, end), v in numbers.items()
                if c == cell
                and first <= start
                and end <= last
                and (start, end) != (first, last)
                and reports.period_of(date.fromisoformat(start), grain).last
                == date.fromisoformat(end)
            ]
            if inner and 0 < n - sum(inner) < threshold:
                found.append(f"{cell} {first}..{last} minus its {grain}s: {n - sum(inner)}")
        if cell != "conv" and not cell.endswith(":*"):
            continue
        same_period = {c: v for (c, s, e), v in numbers.items() if (s, e) == (first, last)}
        groups = {c.split(":")[0] for c in same_period if ":" in c and not c.endswith(":*")}
        for group in groups:
            if group.startswith("conv.") != (cell == "conv") or (
                cell != "conv" and group != cell.split(":")[0]
            ):
                continue  # a total is the sum of its own group's cells only
            shown = sum(v for c, v in same_period.items() if c.startswith(group + ":"))
            if 0 < n - shown < threshold:
                found.append(f"{cell} {first}..{last} minus its {group} cells: {n - shown}")
    return found


def every_report(config: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    numbers: dict[tuple[str, str, str], int] = {}
    for grain in reports.GRAINS:
        for since, until in [
            ("2026-11-01", "2026-11-30"),
            ("2026-11-02", "2026-11-08"),
            ("2026-11-04", "2026-11-05"),
        ]:
            numbers |= published(run(config, "--since", since, "--until", until, "--by", grain))
    return numbers


def test_no_single_conversation_can_be_recovered_by_differencing_reports(
    week: Script, config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert recoverable(every_report(config), 10) == []
    # The attacker is real: publish totals without the subtraction rule and it finds the one
    # Bengali conversation (the week's total minus its English and Spanish cells).
    monkeypatch.setattr(reports, "_safe", lambda hidden, threshold: True)
    leaks = recoverable(every_report(config), 10)
    assert any(leak.startswith("conv ") and leak.endswith(": 1") for leak in leaks), leaks


def test_a_period_reads_the_same_in_any_window(week: Script, config: dict[str, Any]) -> None:
    """Whole periods only: asking for a window that ends a day earlier changes no row."""
    a = run(config, "--since", "2026-11-01", "--until", "2026-11-07", "--by", "week")
    b = run(config, "--since", "2026-11-03", "--until", "2026-11-06", "--by", "week")
    assert a["periods"] == b["periods"]


def test_cases_claimed_and_closed_count_per_provider_once(app: Any, r: redis.Redis) -> None:
    script = Script(app)
    now = datetime.now(reports.LOCAL).timestamp()
    script.conversation(["ICE is at my door"], now)
    [case] = cases.open_cases(r)
    assert cases.claim(r, case["id"], "maria") and cases.claim(r, case["id"], "maria")
    f = app.extensions["hotline"].fernet
    for _ in range(2):  # the first reply counts, not the next
        cases.add_message(r, f, case["id"], "staff", "We are on our way.", 3600, by="maria")
    assert audit.audit_redis(r, app.extensions["hotline"].bundle) == []  # times are not numbers
    cases.close(r, case["id"], "maria")
    cases.close(r, case["id"], "maria")
    day = r.hgetall(reports.DAY + reports.local_day(now).isoformat())
    counts = {k.decode(): int(v) for k, v in day.items()}
    provider = case["provider"]
    assert counts[f"case.opened:{provider}"] == 1
    assert counts[f"case.claimed:{provider}"] == 1
    assert counts[f"case.closed:{provider}"] == 1
    assert counts["claim.within:5m"] == 1 and counts["urgency:urgent"] == 1
    assert counts["reply.within:5m"] == 1


def test_a_period_still_running_is_not_published(week: Script, r: redis.Redis) -> None:
    """Else the same week, reported on Thursday and on Friday, would differ by Friday's people."""
    during = reports.report(r, WEEK, WEEK, "week", 10, now=WEEK + timedelta(days=4))
    assert during["periods"] == [] and during["accountability"] == []
    after = reports.report(r, WEEK, WEEK, "week", 10, now=WEEK + timedelta(days=7))
    assert [row["period"] for row in after["periods"]] == ["2026-11-w1"]
