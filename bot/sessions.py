"""Sessions in Redis under a pseudonym: load, save with a TTL, lock per person, dedupe retries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from .engine import Session

SESSION = "hl:s:"  # + pseudonym -> the session as compact JSON
LOCK = "hl:lock:"  # + pseudonym -> held while one turn runs
SEEN = "hl:m:"  # + HMAC of MessageSid -> the reply already given to that message
SEEN_TTL = 900  # Twilio retries within seconds; a quarter hour covers any retry policy


class SessionStore:
    def __init__(self, r: redis.Redis, ttl: int, stop_ttl: int) -> None:
        self.r, self.ttl, self.stop_ttl = r, ttl, stop_ttl

    @contextmanager
    def locked(self, pseudo: str) -> Iterator[None]:
        """One turn at a time per person, so two messages at once never lose an update."""
        with self.r.lock(LOCK + pseudo, timeout=10, blocking_timeout=10, sleep=0.01):
            yield

    def load(self, pseudo: str) -> Session | None:
        raw = self.r.get(SESSION + pseudo)
        return Session.from_json(json.loads(raw)) if raw else None

    def save(self, pseudo: str, session: Session, pipe: redis.client.Pipeline) -> None:
        ttl = self.stop_ttl if session.stopped else self.ttl
        pipe.set(SESSION + pseudo, json.dumps(session.to_json(), separators=(",", ":")), ex=ttl)

    def erase(self, pseudo: str, pipe: redis.client.Pipeline) -> None:
        pipe.delete(SESSION + pseudo)

    def seen(self, sid_key: str) -> list[str] | None:
        raw = self.r.get(SEEN + sid_key)
        return json.loads(raw) if raw else None

    def remember(self, sid_key: str, replies: list[str], pipe: redis.client.Pipeline) -> None:
        pipe.set(SEEN + sid_key, json.dumps(replies), ex=SEEN_TTL)
