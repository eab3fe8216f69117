"""A module's clock stopped at one moment, for tests that count in time windows."""

from __future__ import annotations


class FixedClock:
    """Stands in for the `time` module where a module reads only `time.time()`: set it with
    monkeypatch on that module (forked RQ jobs inherit it), so a slow run cannot cross the end
    of a minute, an hour or a page window between the steps it counts."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now
