"""Reports that cannot identify anyone: counters kept as aggregates from the start, one Redis
hash per day (and per month for the accountability counts), never derived from per-person
records; and the suppression that publishes them.

Every counter is written by a turn's commit or by a case's own write (claim, close), as
HINCRBY on a day's hash: no pseudonym, case id, number, text or hour is ever part of a key or
field. Field values come from closed sets (languages, channels, flow nodes, providers, the
report topic's options), never from what a person typed.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from bot.engine import EventType, Turn

DAY = "reports:day:"  # + YYYY-MM-DD: field -> count
MONTH = "reports:month:"  # + YYYY-MM: accountability counts
LOCAL = ZoneInfo("America/New_York")  # a day is the hotline's day, not UTC's
CONVERSATIONS = "conv"
SUPPRESSED = "suppressed"  # the total of the conv.* groups
# Upper bounds (seconds) of the time-to-claim histogram buckets, and their labels.
WAIT_BUCKETS = ((300, "5m"), (900, "15m"), (3600, "1h"), (4 * 3600, "4h"), (86400, "1d"))
Grain = Literal["day", "week", "month"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month")

_keep_days = 400


def use(days: int) -> None:
    """How long counters are kept (HOTLINE_REPORTS_DAYS); set by the web app and the worker."""
    global _keep_days
    _keep_days = days


class Counter(Protocol):
    """A place to record writes: the turn's `Writes`, or a redis-py pipeline."""

    def hincrby(self, name: str, key: str, amount: int = 1, /) -> Any: ...

    def expire(self, name: str, time: int, /) -> Any: ...


def local_day(now: float) -> date:
    return datetime.fromtimestamp(now, LOCAL).date()


def _add(w: Counter, key: str, fields: Iterable[str]) -> None:
    added = False
    for field in fields:
        w.hincrby(key, field, 1)
        added = True
    if added:
        w.expire(key, (_keep_days + 1) * 86400)


def count_turn(w: Counter, turn: Turn, channel: str, now: float) -> None:
    """The turn's part: a conversation started (by language and channel), the topics reached,
    replies that fell back to another language. Called from the turn's `stage`."""
    fields = []
    session = turn.session
    if session is not None and session.turns == 1:
        fields += [CONVERSATIONS, f"conv.lang:{session.lang or '-'}", f"conv.channel:{channel}"]
    fields += [f"topic:{e.data['node']}" for e in turn.events if e.type == EventType.ENDED]
    if any(reply.fallback for reply in turn.replies):
        fields.append("fallback:sent")
    _add(w, DAY + local_day(now).isoformat(), fields)


def count_opened(w: Counter, provider: str, event: dict[str, Any], now: float) -> None:
    """A case opened: by urgency and provider; a report also by agency, kind and place, per
    month (the accountability counts advocates publish)."""
    _add(
        w,
        DAY + local_day(now).isoformat(),
        [f"urgency:{event['urgency']}", f"case.opened:{provider or '-'}"],
    )
    answers = event.get("answers", {})
    if event.get("topic") == "report":
        place = answers.get("borough") or answers.get("area") or "unknown"
        agency = answers.get("report_agency", "unknown")
        kind = answers.get("report_what", "unknown")
        _add(w, MONTH + local_day(now).strftime("%Y-%m"), [f"acct:{agency}|{kind}|{place}"])


def count_claimed(w: Counter, provider: str, opened_at: float, now: float) -> None:
    """A case's first claim: by provider, and how long it waited, as a histogram bucket."""
    _add(
        w,
        DAY + local_day(now).isoformat(),
        [f"case.claimed:{provider or '-'}", f"claim.within:{_bucket(now - opened_at)}"],
    )


def count_replied(w: Counter, provider: str, opened_at: float, now: float) -> None:
    """A case's first staff reply: how long after it opened, as a histogram bucket."""
    _add(w, DAY + local_day(now).isoformat(), [f"reply.within:{_bucket(now - opened_at)}"])


def _bucket(waited: float) -> str:
    return next((label for bound, label in WAIT_BUCKETS if waited <= bound), "more")


def count_closed(w: Counter, provider: str, now: float) -> None:
    _add(w, DAY + local_day(now).isoformat(), [f"case.closed:{provider or '-'}"])


def count_refused(w: Counter, why: str, now: float) -> None:
    """A message refused by the limits (flood, budget, silence)."""
    _add(w, DAY + local_day(now).isoformat(), [f"refused:{why}"])


# --- Publishing: periods, suppression ------------------------------------------------------


@dataclass(frozen=True)
class Period:
    grain: Grain
    first: date
    last: date

    @property
    def label(self) -> str:
        if self.grain == "day":
            return self.first.isoformat()
        if self.grain == "month":
            return self.first.strftime("%Y-%m")
        return f"{self.first:%Y-%m}-w{(self.first.day - 1) // 7 + 1}"

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)


def period_of(day: date, grain: Grain) -> Period:
    """Weeks are days 1-7, 8-14, 15-21, 22-28 and 29 to the end of a month, so days nest in
    weeks and weeks in months: differencing a coarse report against finer ones then only ever
    yields sums of suppressed cells, which the rules below keep at 0 or at least the threshold."""
    month_end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if grain == "day":
        return Period(grain, day, day)
    if grain == "month":
        return Period(grain, day.replace(day=1), month_end)
    start = day.replace(day=(day.day - 1) // 7 * 7 + 1)
    end = month_end if start.day == 29 else start + timedelta(days=6)
    return Period(grain, start, min(end, month_end))


def periods(since: date, until: date, grain: Grain) -> list[Period]:
    """Whole periods covering since..until (a partial period is never published)."""
    found: list[Period] = []
    day = period_of(since, grain).first
    while day <= until:
        period = period_of(day, grain)
        found.append(period)
        day = period.last + timedelta(days=1)
    return found


def _group(field: str) -> str:
    return field.split(":", 1)[0]


def _total_of(group: str) -> str:
    return CONVERSATIONS if group.startswith("conv.") else f"{group}:*"


def with_totals(cells: dict[str, int]) -> dict[str, int]:
    out = dict(cells)
    for field, n in cells.items():
        if ":" in field and not field.startswith("conv."):
            total = _total_of(_group(field))
            out[total] = out.get(total, 0) + n
    return out


def _safe(hidden: int, threshold: int) -> bool:
    """What an attacker learns by subtraction is a sum of hidden cells: 0 or a large one."""
    return hidden == 0 or hidden >= threshold


def publish(
    raw: dict[str, int],
    finer: list[list[tuple[dict[str, int], dict[str, int | None]]]],
    threshold: int,
) -> dict[str, int | None]:
    """A period's cells as published (None: suppressed). A cell shows when it reaches the
    threshold and the cells hidden inside it at each finer grain add up to 0 or to at least the
    threshold; a total shows only when the cells hidden under it do the same."""
    shown: dict[str, int | None] = {}
    for field, n in raw.items():
        ok = n >= threshold
        for level in finer:
            hidden = sum(cells.get(field, 0) for cells, pub in level if pub.get(field) is None)
            ok = ok and _safe(hidden, threshold)
        shown[field] = n if ok else None
    hidden_under: dict[str, int] = {}
    for field, n in raw.items():
        if ":" in field and not field.endswith(":*") and shown[field] is None:
            total = _total_of(_group(field))
            hidden_under[total] = hidden_under.get(total, 0) + n
    for total, hidden in hidden_under.items():
        if total in shown and not _safe(hidden, threshold):
            shown[total] = None
    return shown


def read_days(r: Any, days: Iterable[date]) -> dict[date, dict[str, int]]:
    wanted = list(days)
    pipe = r.pipeline(transaction=False)
    for day in wanted:
        pipe.hgetall(DAY + day.isoformat())
    return {
        day: {k.decode(): int(v) for k, v in found.items()}
        for day, found in zip(wanted, pipe.execute(), strict=True)
    }


def _sum(cells: Iterable[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for one in cells:
        for field, n in one.items():
            out[field] = out.get(field, 0) + n
    return out


def report(
    r: Any, since: date, until: date, grain: Grain, threshold: int, now: date | None = None
) -> dict[str, Any]:
    """The published report: one row per whole period that has ended (a period still running
    would change from one day's report to the next, and the change is one day's people), each
    cell a count, "<threshold" or "suppressed"."""
    ended_before = now or today()
    chosen = [p for p in periods(since, until, grain) if p.last < ended_before]
    months = periods(chosen[0].first, chosen[-1].last, "month") if chosen else []
    by_day = read_days(r, (d for month in months for d in month.days()))
    # Publish at every grain up to the chosen one, finest first, so each knows what the finer
    # grains hid. Periods of the finer grains cover whole months, as the chosen ones do.
    published: dict[Grain, dict[Period, tuple[dict[str, int], dict[str, int | None]]]] = {}
    for level, g in enumerate(GRAINS[: GRAINS.index(grain) + 1]):
        published[g] = {}
        for period in (p for m in months for p in periods(m.first, m.last, g)):
            raw = with_totals(_sum(by_day.get(d, {}) for d in period.days()))
            finer = [
                [pub for p, pub in published[f].items() if period.first <= p.first <= period.last]
                for f in GRAINS[:level]
            ]
            published[g][period] = (raw, publish(raw, finer, threshold))
    rows = []
    for period in chosen:
        raw, shown = published[grain][period]
        cells = {f: _cell(shown[f], raw[f], threshold) for f in sorted(shown)}
        rows.append({"period": period.label, "first": str(period.first), "cells": cells})
    return {
        "grain": grain,
        "threshold": threshold,
        "since": str(chosen[0].first) if chosen else str(since),
        "until": str(chosen[-1].last) if chosen else str(until),
        "periods": rows,
        "accountability": accountability(
            r, [m.first for m in months if m.last < ended_before], threshold
        ),
    }


def _cell(shown: int | None, raw: int, threshold: int) -> int | str:
    """A count; "<threshold" for a small one; "suppressed" for one hidden so that no small
    count can be had by subtraction."""
    if shown is not None:
        return shown
    return f"<{threshold}" if raw < threshold else SUPPRESSED


def accountability(r: Any, months: list[date], threshold: int) -> list[dict[str, Any]]:
    """Reports of ICE activity and of agencies helping ICE, per month, by agency, kind and
    place; the same suppression (the month's total shows only when safe)."""
    rows = []
    for month in months:
        found = {k.decode(): int(v) for k, v in r.hgetall(MONTH + month.strftime("%Y-%m")).items()}
        shown = publish(with_totals(found), [], threshold)
        cells = []
        for field in sorted(found):
            agency, kind, place = field.removeprefix("acct:").split("|")
            count = _cell(shown[field], found[field], threshold)
            cells.append({"agency": agency, "kind": kind, "place": place, "count": count})
        total = sum(found.values())
        shown_total = _cell(shown.get("acct:*"), total, threshold)
        rows.append({"month": month.strftime("%Y-%m"), "total": shown_total, "cells": cells})
    return rows


def today() -> date:
    return datetime.now(UTC).astimezone(LOCAL).date()
