"""Sessions in Redis under a pseudonym: keys, values and TTLs; the reply kept for retries."""

from __future__ import annotations

import json
from typing import Any

import redis

from bot.engine import Session

SESSION = "hl:s:"  # + pseudonym -> the session as compact JSON
SEEN = "hl:m:"  # + HMAC of MessageSid -> the reply already given to that message
SEEN_TTL = 900  # Twilio retries within seconds; a quarter hour covers any retry policy


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
        return Session.from_json(json.loads(raw)) if raw else None

    def save(self, pseudo: str, session: Session, pipe: Writes) -> None:
        ttl = self.stop_ttl if session.stopped else self.ttl
        pipe.set(SESSION + pseudo, json.dumps(session.to_json(), separators=(",", ":")), ex=ttl)

    def erase(self, pseudo: str, pipe: Writes) -> None:
        pipe.delete(SESSION + pseudo)

    def remember(self, sid_key: str, replies: list[str], pipe: Writes) -> None:
        pipe.set(SEEN + sid_key, json.dumps(replies), ex=SEEN_TTL)


# Apply a turn's writes only if the session is still the one the turn read, and the message
# was not answered meanwhile: one round trip, atomic, no lock. Returns 1 when written, 0 when
# the session changed (run the turn again), -1 when this message was already answered.
_COMMIT = """
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return 1
"""


class Writes:
    """Records Redis writes (the subset the turn uses) to apply later in one script call."""

    def __init__(self) -> None:
        self.commands: list[tuple[Any, ...]] = []

    def _add(self, *command: Any) -> None:
        self.commands.append(command)

    def set(self, key: str, value: Any, ex: int | None = None) -> None:
        self._add("SET", key, value, *(("EX", ex) if ex else ()))

    def delete(self, *keys: str) -> None:
        self._add("DEL", *keys)

    def hset(self, key: str, mapping: dict[str, Any]) -> None:
        self._add("HSET", key, *[x for pair in mapping.items() for x in pair])

    def zadd(self, key: str, mapping: dict[str, float]) -> None:
        self._add("ZADD", key, *[x for member, score in mapping.items() for x in (score, member)])

    def zrem(self, key: str, *members: str) -> None:
        self._add("ZREM", key, *members)

    def sadd(self, key: str, *members: str) -> None:
        self._add("SADD", key, *members)

    def expire(self, key: str, seconds: int) -> None:
        self._add("EXPIRE", key, seconds)

    def rpush(self, key: str, *values: Any) -> None:
        self._add("RPUSH", key, *values)

    def apply(self, r: redis.Redis) -> None:
        """Unconditionally, in one transaction."""
        pipe = r.pipeline(transaction=True)
        for command in self.commands:
            pipe.execute_command(*command)
        pipe.execute()

    def commit(
        self, r: redis.Redis, session_key: str, seen_key: str, expected: bytes | None
    ) -> int:
        args: list[Any] = [expected or b""]
        for command in self.commands:
            args += [len(command), *command]
        return int(r.register_script(_COMMIT)(keys=[session_key, seen_key], args=args))
