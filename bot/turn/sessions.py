"""Sessions in Redis under a pseudonym: keys, values and TTLs; the reply kept for retries."""

from __future__ import annotations

import mmap
import struct
import time
import zlib

import orjson

from bot.db import Writes
from bot.engine import Session

SESSION = "hl:s:"  # + pseudonym -> the session as compact JSON (orjson: a tenth of the stdlib's
# CPU, on every turn)
SEEN = "hl:m:"  # + HMAC of MessageSid -> the reply already given to that message
SEEN_TTL = 48 * 3600  # Twilio retries within seconds; a captured request replayed later is
# still recognised for two days (the key is an HMAC of the sid; the value, the reply given)


class SessionStore:
    """Keys and values of sessions; the turn's transaction lives in bot/turn/hotline.py."""

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
    """The session last written for each pseudonym by any web process of this host, for a few
    minutes: the next turn of that conversation runs on it without a read first, and its commit
    checks the guess (bot/db.py, the gate), so a wrong guess costs the engine's time, never a
    wrong answer. Only sessions that name no case: a case changes under staff's hands.

    Kept in anonymous shared memory made before gunicorn forks its workers (--preload, as the
    Procfile runs it): one table for all of them, so a person's next turn finds their session
    whichever worker takes it (behind nginx, or Twilio's own connections, about half of a
    person's turns go to another worker than the one before). A slot per pseudonym, shared by
    chance: the later writer takes it. Each slot is written as a seqlock with a checksum, so a
    read that meets a write in progress is no guess at all. Gone with the host; an erased
    person's slot is cleared at once."""

    SLOT = 1024  # bytes; a longer session (pages held after MORE) is read, not guessed
    _HEAD = struct.Struct("=QQdiI")  # sequence, key, written at, length (-1: none), checksum

    def __init__(self, slots: int = 1 << 14, seconds: float = 300.0) -> None:
        self.slots, self.seconds = slots, seconds
        self._memory = mmap.mmap(-1, self.SLOT * slots)  # MAP_SHARED: a fork keeps it shared

    def _place(self, pseudo: str) -> tuple[int, int]:
        data = pseudo.encode()
        slot = zlib.crc32(data)
        return self.SLOT * (slot % self.slots), slot << 32 | zlib.adler32(data) | 1

    def get(self, pseudo: str) -> bytes | None:
        """The session to guess; NEW (none) for a person no process of this host has written
        a session for since it started (most first texts); None to read first."""
        at, key = self._place(pseudo)
        head = self._HEAD
        sequence, held, written, length, checksum = head.unpack_from(self._memory, at)
        if held != key:
            return NEW if held == 0 else None
        if length < 0 or sequence & 1 or time.time() - written > self.seconds:
            return None
        value = self._memory[at + head.size : at + head.size + length]
        if head.unpack_from(self._memory, at)[0] != sequence or zlib.crc32(value) != checksum:
            return None  # written meanwhile
        return value

    def wrote(self, pseudo: str, value: bytes | None) -> None:
        """A process of this host committed the session: `value` is the next guess (None: a
        session not to guess, or none)."""
        at, key = self._place(pseudo)
        head, memory = self._HEAD, self._memory
        if value is not None and len(value) > self.SLOT - head.size:
            value = None
        sequence = head.unpack_from(memory, at)[0] | 1  # odd while written
        length = -1 if value is None else len(value)
        head.pack_into(memory, at, sequence, key, time.time(), length, zlib.crc32(value or b""))
        if value is not None:
            memory[at + head.size : at + head.size + length] = value
        struct.pack_into("=Q", memory, at, sequence + 1)

    def drop(self, pseudo: str) -> None:
        """The guess was wrong or is spent: read first next time."""
        self.wrote(pseudo, None)


NEW = b""  # the guess for a person this host has not heard from: no session
