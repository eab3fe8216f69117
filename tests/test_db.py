"""Connecting: through Sentinels when they are configured, and a half-configured Sentinel setup
is refused at start, not at the first message."""

from __future__ import annotations

import pytest
import redis
from redis.sentinel import SentinelConnectionPool

from bot import config, db


def test_sentinels_without_a_master_name_are_refused() -> None:
    with pytest.raises(config.ConfigError, match="REDIS_SENTINEL_MASTER"):
        config.load({"REDIS_SENTINELS": "10.0.0.1:26379"}, environ={})


def test_production_takes_sentinels_instead_of_a_url() -> None:
    settings = config.load(
        {
            "HOTLINE_ENV": "production",
            "HOTLINE_SECRET": "s" * 40,
            "TWILIO_AUTH_TOKEN": "0123456789abcdef" * 2,
            "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
            "HOTLINE_PUBLIC_URL": "https://hotline.example.org",
            "REDIS_SENTINELS": "10.0.0.1:26379, 10.0.0.2:26379,10.0.0.3:26379",
            "REDIS_SENTINEL_MASTER": "hotline",
        },
        environ={},
    )
    assert settings.redis_sentinels == ("10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379")
    client = db.connect("", "", sentinels=settings.redis_sentinels, master="hotline")
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool) and pool.service_name == "hotline"
    hosts = [
        (s.connection_pool.connection_kwargs["host"], s.connection_pool.connection_kwargs["port"])
        for s in pool.sentinel_manager.sentinels
    ]
    assert hosts == [("10.0.0.1", 26379), ("10.0.0.2", 26379), ("10.0.0.3", 26379)]
    assert pool.connection_kwargs["socket_timeout"] == 2  # the web fails fast, as with a URL


def test_binary_values_travel_beside_the_commits_json(r: redis.Redis) -> None:
    """A value that is not text (an RQ job's compressed data) reaches Redis byte for byte, in
    the atomic commit and in an unconditional apply."""
    blob = bytes(range(256))
    writes = db.Writes()
    writes.hset("h", {"data": blob, "status": "queued"})
    writes.set("s", "text")
    assert writes.commit(r, "session", "seen", None)[0] == db.Commit.WRITTEN
    assert r.hgetall("h") == {b"data": blob, b"status": b"queued"} and r.get("s") == b"text"
    again = db.Writes()
    again.set("b", blob + b"!")
    again.apply(r)
    assert r.get("b") == blob + b"!"


def test_the_turns_scripts_survive_a_dropped_connection_and_a_flushed_script_cache(
    r: redis.Redis, redis_url: str
) -> None:
    """The turn's script calls keep one connection per thread: a connection Redis closed is
    replaced and the call made again, a script Redis forgot (a restart) is loaded again, and
    a thousand calls use one connection."""
    web = redis.Redis.from_url(redis_url)  # a client of its own
    echo = "return ARGV[1]"
    assert db.run_script(web, echo, [], ["one"]) == b"one"
    r.client_kill_filter(_type="normal", skipme=True)  # every other client's link is cut
    assert db.run_script(web, echo, [], ["two"]) == b"two"
    r.script_flush()
    assert db.run_script(web, echo, [], ["three"]) == b"three"
    before = len(r.client_list())
    for n in range(1000):
        assert db.run_script(web, echo, [], [n]) == str(n).encode()
    assert len(r.client_list()) == before
    with pytest.raises(redis.ResponseError):
        db.run_script(web, "return redis.error_reply('no')", [], [])
    assert db.run_script(web, echo, [], ["after an error"]) == b"after an error"
    web.close()


def test_the_turns_own_command_packing_is_redis_pys() -> None:
    """The scripts' calls are packed by hand: the bytes must be what redis-py would send."""
    parts = ["EVALSHA", "ab" * 20, 2, "k:é", "", b"\x00\xff\r\n", 0, 12345, "ARGV ☃"]
    expected = b"".join(redis.Connection().pack_command(*parts))
    assert db._command(*parts) == expected
