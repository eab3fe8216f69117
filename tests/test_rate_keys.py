"""No key material beside the keys it protects: a copy of Redis alone cannot turn a guessed
number into the name of a rate counter."""

from __future__ import annotations

import hashlib
import hmac

import redis

from tests.conftest import Phone

SENDERS = [f"+1718555{n:04d}" for n in range(8)]


def stored_values(r: redis.Redis) -> list[bytes]:
    values: list[bytes] = []
    for key in r.scan_iter(count=1000):
        kind = r.type(key)
        if kind == b"string":
            values.append(r.get(key) or b"")
        elif kind == b"hash":
            values += [b for pair in r.hgetall(key).items() for b in pair]
        elif kind == b"list":
            values += r.lrange(key, 0, -1)
        elif kind == b"set":
            values += list(r.smembers(key))
        elif kind == b"zset":
            values += r.zrange(key, 0, -1)
    return values


def test_no_stored_value_maps_a_recent_sender_to_a_key(client: object, r: redis.Redis) -> None:
    for number in SENDERS:
        assert Phone(client, number=number).send("hi").status_code == 200
    names = b"\n".join(r.scan_iter(count=1000)).decode("latin-1")
    candidates = set(stored_values(r)) | {k for k in r.scan_iter(count=1000)}
    assert len(candidates) > len(SENDERS)  # sessions, counters, seen replies are all there
    for key in candidates:
        for number in SENDERS:
            digest = hmac.new(key, number.encode(), hashlib.sha256).hexdigest()
            assert digest[:16] not in names, "a stored value is the rate limiter's key"


def test_every_process_derives_the_same_day_key(config: dict[str, str], r: redis.Redis) -> None:
    from bot import create_app

    first, second = create_app(config), create_app(config)
    phone_a = Phone(first.test_client(), number=SENDERS[0])
    phone_b = Phone(second.test_client(), number=SENDERS[0])
    for _ in range(6):
        phone_a.send("hi")
        phone_b.send("hi")
    counters = [k for k in r.scan_iter("hl:rate:s:*")]
    assert len(counters) in (1, 2)  # one sender, this minute (or across a minute's edge)
    assert sum(int(r.get(k) or 0) for k in counters) == 12
