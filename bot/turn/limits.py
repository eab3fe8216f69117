"""Per-sender rate limit and a global reply budget, against floods and SMS-pumping fraud.

The limiter never sees a number: it keys each sender by HMAC(today's key, address). Each
process derives the day's key from HOTLINE_SECRET and the date, so nothing in Redis lets a copy
of it test a number guess against the counters; they expire within minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import redis

DAY_KEY = "hl:rate:key:"  # + UTC date -> random bytes, gone after two days
SENDER = "hl:rate:s:"  # + rotating pseudonym + minute -> messages this minute
BUDGET = "hl:rate:out:"  # + hour -> replies sent this hour, all senders together


class Limits:
    secret: bytes = b""  # HOTLINE_SECRET: the day keys are derived from it, never stored

    def __init__(self, r: redis.Redis, per_minute: int, per_hour_total: int) -> None:
        self.r, self.per_minute, self.per_hour_total = r, per_minute, per_hour_total
        self._day: tuple[str, bytes] = ("", b"")

    def _day_key(self, now: float) -> bytes:
        day = time.strftime("%Y-%m-%d", time.gmtime(now))
        if self._day[0] != day:  # once a day per process; every process derives the same key
            if not self.secret:
                raise RuntimeError("Limits.secret is not set: the day key would be public")
            label = b"rate limit day key " + day.encode()
            self._day = (day, hmac.new(self.secret, label, hashlib.sha256).digest())
        return self._day[1]

    def count(self, pipe: redis.client.Pipeline, address: str, now: float | None = None) -> None:
        """Queue the counters on `pipe`: this sender's messages this minute, and this hour's
        replies for everyone. `verdict` reads their results."""
        now = time.time() if now is None else now
        token = hmac.new(self._day_key(now), address.encode(), hashlib.sha256).hexdigest()[:24]
        sender, budget = f"{SENDER}{token}:{int(now // 60)}", f"{BUDGET}{int(now // 3600)}"
        pipe.incr(sender)
        pipe.expire(sender, 120)
        pipe.incr(budget)
        pipe.expire(budget, 7200)

    def verdict(self, results: list[int]) -> str | None:
        """None to go on; "flood" the first time a sender passes the limit (one polite reply),
        "silence" after that, "budget" when this hour's replies are spent."""
        mine, _, everyone, _ = results
        if mine > self.per_minute:
            return "flood" if mine == self.per_minute + 1 else "silence"
        if everyone > self.per_hour_total:
            return "budget"
        return None
