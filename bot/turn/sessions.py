"""Sessions in Redis under a pseudonym: keys, values and TTLs; the reply kept for retries."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

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

    def save(self, pseudo: str, session: Session, pipe: Writes) -> bytes:
        """Stage the session; returns the value written."""
        ttl = self.stop_ttl if session.stopped else self.ttl
        value = orjson.dumps(session.to_json())
        pipe.set(SESSION + pseudo, value.decode(), ex=ttl)
        return value

    def erase(self, pseudo: str, pipe: Writes) -> None:
        pipe.delete(SESSION + pseudo)

    def remember(self, sid_key: str, replies: list[str], pipe: Writes) -> None:
        pipe.set(SEEN + sid_key, orjson.dumps(replies).decode(), ex=SEEN_TTL)


class Recent:
    """The session this process wrote last for each pseudonym, for a few minutes: the next
    turn of that conversation runs on it without a read first, and its commit checks the guess
    (bot/db.py, the gate), so a wrong guess costs the engine's time, never a wrong answer.
    Only sessions that name no case: a case changes under staff's hands. In memory, bounded,
    and gone with the process; an erased person's entry is dropped here at once."""

    def __init__(self, size: int = 4096, seconds: float = 300.0) -> None:
        self.size, self.seconds = size, seconds
        self._held: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threads share it

    def get(self, pseudo: str) -> bytes | None:
        with self._lock:
            entry = self._held.get(pseudo)
            if entry is None:
                return None
            if time.monotonic() - entry[1] > self.seconds:
                del self._held[pseudo]
                return None
            self._held.move_to_end(pseudo)  # a conversation going on is evicted last
            return entry[0]

    def put(self, pseudo: str, value: bytes) -> None:
        with self._lock:
            self._held[pseudo] = (value, time.monotonic())
            self._held.move_to_end(pseudo)
            while len(self._held) > self.size:
                self._held.popitem(last=False)

    def drop(self, pseudo: str) -> None:
        with self._lock:
            self._held.pop(pseudo, None)
