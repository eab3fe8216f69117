"""Sessions in Redis under a pseudonym: keys, values and TTLs; the reply kept for retries."""

from __future__ import annotations

import mmap
import random
import struct
import threading
import time
import zlib
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


class Writers:
    """Which process wrote each conversation's session last: a stamp per slot (a slot per
    pseudonym, shared by chance: a shared slot only costs a guess), in anonymous shared memory.
    Made before gunicorn forks its workers (--preload, as the Procfile runs it), it is one table
    for all of them: a worker guesses only a session no other worker has written since. Without
    it, a guess is stale whenever the person's previous turn went to another worker, as it does
    for about half the turns behind nginx or Twilio's own connections, and a stale guess costs
    an engine run for nothing. Writers it cannot see (another host, the escalation worker) are
    caught by the commit's check, as before."""

    def __init__(self, slots: int = 1 << 16) -> None:
        self.slots = slots
        self._memory = mmap.mmap(-1, 8 * slots)  # MAP_SHARED: a fork keeps it shared

    def _at(self, pseudo: str) -> int:
        return 8 * (zlib.crc32(pseudo.encode()) % self.slots)

    def stamp(self, pseudo: str) -> int:
        """Mark the session as written by this process now; the mark to guess by."""
        mark = random.getrandbits(64) or 1  # random reseeds in each forked child
        struct.pack_into("=Q", self._memory, self._at(pseudo), mark)
        return mark

    def still(self, pseudo: str, mark: int) -> bool:
        """Whether no process has written the session since this one marked it (mark 0: since
        the table was made)."""
        return struct.unpack_from("=Q", self._memory, self._at(pseudo))[0] == mark


WRITERS = Writers()  # the process's table, inherited by the processes it forks
NEW = b""  # the guess for a person this host has not heard from: no session


class Recent:
    """The session this process wrote last for each pseudonym, for a few minutes: the next
    turn of that conversation runs on it without a read first, and its commit checks the guess
    (bot/db.py, the gate), so a wrong guess costs the engine's time, never a wrong answer.
    Only sessions that name no case (a case changes under staff's hands), and only while no
    other process has written the session since (`Writers`). In memory, bounded, and gone with
    the process; an erased person's entry is dropped here at once."""

    def __init__(
        self, size: int = 4096, seconds: float = 300.0, writers: Writers = WRITERS
    ) -> None:
        self.size, self.seconds, self.writers = size, seconds, writers
        self._held: OrderedDict[str, tuple[bytes, int, float]] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threads share it

    def get(self, pseudo: str) -> bytes | None:
        """The session to guess: the one this process wrote, b"" (none) for a person no process
        of this host has written a session for since it started (most first texts), or None to
        read first."""
        with self._lock:
            entry = self._held.get(pseudo)
            if entry is None:
                return NEW if self.writers.still(pseudo, 0) else None
            value, mark, at = entry
            if time.monotonic() - at > self.seconds or not self.writers.still(pseudo, mark):
                del self._held[pseudo]
                return None
            self._held.move_to_end(pseudo)  # a conversation going on is evicted last
            return value

    def wrote(self, pseudo: str, value: bytes | None) -> None:
        """This process committed the session: no other process guesses it now; this one
        keeps `value` to guess from (None: a session not to guess, or none)."""
        mark = self.writers.stamp(pseudo)
        with self._lock:
            if value is None:
                self._held.pop(pseudo, None)
                return
            self._held[pseudo] = (value, mark, time.monotonic())
            self._held.move_to_end(pseudo)
            while len(self._held) > self.size:
                self._held.popitem(last=False)

    def drop(self, pseudo: str) -> None:
        with self._lock:
            self._held.pop(pseudo, None)
