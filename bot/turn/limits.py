"""Per-sender rate limit, a global reply budget and a cap on new conversations, against floods
and SMS-pumping fraud.

The limiter never sees a number: it keys each sender by HMAC(today's key, address). Each
process derives the day's key from HOTLINE_SECRET and the date, so nothing in Redis lets a copy
of it test a number guess against the counters; they expire within minutes.

The per-sender limit guards the door; the budget guards replies: only replies actually sent
count against it, and an urgent text is never refused by it (the hotline decides that after
the engine ran, see bot/turn/hotline.py).
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

import redis

from bot.db import Writes
from bot.escalation import alarms

SENDER = "hl:rate:s:"  # + rotating pseudonym + minute -> messages this minute
BUDGET = "hl:rate:out:"  # + hour -> replies sent this hour, all senders together
STARTED = "hl:rate:new:"  # + hour -> conversations started this hour
SENDER_TTL = 120  # a minute's counter outlives its minute, then goes


class Limits:
    secret: bytes = b""  # HOTLINE_SECRET: the day keys are derived from it, never stored

    def __init__(
        self, r: redis.Redis, per_minute: int, per_hour_total: int, new_per_hour: int = 0
    ) -> None:
        self.r, self.per_minute, self.per_hour_total = r, per_minute, per_hour_total
        self.new_per_hour = new_per_hour  # 0: no cap
        self._day: tuple[str, bytes] = ("", b"")

    def _day_key(self, now: float) -> bytes:
        day = time.strftime("%Y-%m-%d", time.gmtime(now))
        if self._day[0] != day:  # once a day per process; every process derives the same key
            if not self.secret:
                raise RuntimeError("Limits.secret is not set: the day key would be public")
            label = b"rate limit day key " + day.encode()
            self._day = (day, hmac.digest(self.secret, label, "sha256"))
        return self._day[1]

    def keys(self, address: str, now: float) -> tuple[str, str, str]:
        """The counters a turn reads: this sender's this minute (counted by the turn's read,
        expiring after SENDER_TTL), this hour's replies and new conversations (read only:
        they count when a reply goes)."""
        token = hmac.digest(self._day_key(now), address.encode(), "sha256").hex()[:24]
        hour = int(now // 3600)
        return f"{SENDER}{token}:{int(now // 60)}", f"{BUDGET}{hour}", f"{STARTED}{hour}"

    def verdict(self, mine: int, replies: int, started: int) -> Verdict:
        """The sender's standing ("flood" the first time past the limit: one polite reply;
        "silence" after that), and whether the budget and the new-conversation cap are full."""
        sender: str | None = None
        if mine > self.per_minute:
            sender = "flood" if mine == self.per_minute + 1 else "silence"
        budget_spent = replies >= self.per_hour_total
        full = bool(self.new_per_hour) and started >= self.new_per_hour
        return Verdict(sender, budget_spent, full, replies)

    def spend(self, writes: Writes, started: bool, now: float) -> None:
        """A reply goes out (and, if `started`, a new conversation begins): count it in the
        turn's own commit, no extra round trip."""
        hour = int(now // 3600)
        writes.incr(f"{BUDGET}{hour}")
        writes.expire(f"{BUDGET}{hour}", 7200)
        if started:
            writes.incr(f"{STARTED}{hour}")
            writes.expire(f"{STARTED}{hour}", 7200)

    def spent_by(self, verdict: Verdict) -> bool:
        """The reply just sent spent the hour's budget (the caller raises the alarm)."""
        return verdict.replies + 1 >= self.per_hour_total

    def bounds(self, urgent: bool, outgoing: bool, started: bool) -> tuple[int, int, int]:
        """The counts under which a turn may be written, for a commit that reads them itself
        (-1: no bound): the sender's messages this minute, this hour's replies and new
        conversations. The same rules as `verdict` and the turn's: an urgent text from
        someone without an open case passes the sender's limit, and no budget holds it back."""
        return (
            -1 if urgent else self.per_minute,
            self.per_hour_total if outgoing and not urgent else -1,
            self.new_per_hour if started and self.new_per_hour and not urgent else -1,
        )

    def raise_spent(self, now: float) -> None:
        alarms.raise_alarm(self.r, "replies", now)


@dataclass(frozen=True)
class Verdict:
    sender: str | None  # "flood", "silence" or None to go on
    budget_spent: bool  # this hour's replies are spent: only urgent texts are answered
    conversations_full: bool  # this hour's new conversations are spent: only urgent ones start
    replies: int = 0  # replies sent this hour, as read at the start of the turn
