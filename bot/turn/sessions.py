"""Sessions in Redis under a pseudonym: keys, values and TTLs; the reply kept for retries."""

from __future__ import annotations

import orjson

from bot.db import Writes
from bot.engine import Session

SESSION = "hl:s:"  # + pseudonym -> the session as compact JSON (orjson: a tenth of the stdlib's
# CPU, on every turn)
SEEN = "hl:m:"  # + HMAC of MessageSid -> the reply already given to that message
SEEN_TTL = 48 * 3600  # Twilio retries within seconds; a captured request replayed later is
# still recognised for two days (the key is an HMAC of the sid; the value, the reply given)


class SessionStore:
    """Keys and values of sessions; the turn's transaction lives in bot/conversation.py."""

    def __init__(self, ttl: int, stop_ttl: int) -> None:
        self.ttl, self.stop_ttl = ttl, stop_ttl

    @staticmethod
    def key(pseudo: str) -> str:
        return SESSION + pseudo

    @staticmethod
    def seen_key(sid_key: str) -> str:
        return SEEN + sid_key

    @staticmethod
    def parse(raw: bytes | None) -> Session | None:
        return Session.from_json(orjson.loads(raw)) if raw else None

    def save(self, pseudo: str, session: Session, pipe: Writes) -> None:
        ttl = self.stop_ttl if session.stopped else self.ttl
        pipe.set(SESSION + pseudo, orjson.dumps(session.to_json()).decode(), ex=ttl)

    def erase(self, pseudo: str, pipe: Writes) -> None:
        pipe.delete(SESSION + pseudo)

    def remember(self, sid_key: str, replies: list[str], pipe: Writes) -> None:
        pipe.set(SEEN + sid_key, orjson.dumps(replies).decode(), ex=SEEN_TTL)
