"""After a whole conversation, neither the number nor any text the person sent is anywhere."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import redis
from rq import Worker

from bot.escalation import queues
from bot.privacy import RedactFilter, redact
from tests.conftest import Phone

NUMBER = "+17185550123"
BOT_WORDS = {"1", "2", "3", "7", "LANG"}  # menu numbers and commands: the bot's own words, too
SENT = [
    "Hola buenas",
    "1",
    "la migra está en mi puerta ahora mismo",
    "3",
    "mi vecino Pedro",
    "LANG",
    "1",
    "what happens to my cousin Juan at 26 Federal Plaza",
    "7",
    "2",
    "his A-number is A 123 456 789",  # the bot never asks for it; nothing of it may be kept
]


def everything_in_redis(r: redis.Redis) -> bytes:
    dump = []
    for key in r.scan_iter(count=1000):
        dump.append(key)
        kind = r.type(key)
        if kind == b"string":
            dump.append(r.get(key) or b"")
        elif kind == b"hash":
            for k, v in r.hgetall(key).items():
                dump += [k, v]
        elif kind == b"list":
            dump += r.lrange(key, 0, -1)
        elif kind == b"set":
            dump += list(r.smembers(key))
        elif kind == b"zset":
            dump += [m for m, _ in r.zrange(key, 0, -1, withscores=True)]
        elif kind == b"stream":
            for _id, fields in r.xrange(key):
                for k, v in fields.items():
                    dump += [k, v]
    return b"\n".join(dump)


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_no_number_or_message_text_in_redis_or_logs(
    client: Any, r: redis.Redis, logs: Any, channel: str
) -> None:
    phone = Phone(client, number=NUMBER, channel=channel)
    for text in SENT:
        assert phone.send(text).status_code == 200
    assert r.keys("hl:case:*")  # the urgent turn opened a case and queued a job
    Worker(
        [queues.queue(r, n) for n in queues.PRIORITY], connection=r, serializer=queues.SERIALIZER
    ).work(burst=True)

    stored = everything_in_redis(r)
    log_text = "\n".join(record.getMessage() for record in logs.records)
    digits = NUMBER.lstrip("+")
    for haystack in (stored.decode("utf-8", "replace"), log_text):
        assert digits not in haystack
        assert digits[-7:] not in haystack
        assert "Ana" not in haystack  # the WhatsApp profile name
        for text in SENT:
            if text not in BOT_WORDS:
                assert text not in haystack
        for word in ("Pedro", "Juan", "vecino", "cousin", "123 456 789", "123456789"):
            assert word not in haystack


def test_redaction_filter_removes_numbers_and_whatsapp_ids() -> None:
    assert redact("from +1 (718) 555-0123 ok") == "from [number] ok"
    assert redact("whatsapp:+17185550123 said") == "[whatsapp] said"
    record = logging.LogRecord("x", logging.INFO, "f", 1, "caller %s", ("+17185550123",), None)
    RedactFilter().filter(record)
    assert record.getMessage() == "caller [number]"


def test_redaction_keeps_status_codes_latencies_and_job_ids() -> None:
    for line in (
        '127.0.0.1 - - "GET /console/ HTTP/1.1" 200 1234',
        "job case-GAAX-1234567890b00415b94a5c7108018d10d finished in 0:00:00.123456s",
        "Worker 84ee9a4151c846cf8408b9e1047f12a2: started with PID 31359",
        "twilio refused the request: HTTP 400, error 21612",
    ):
        assert redact(line) == line
    for number in ("+13475550199", "+1 347 555 0199", "(347) 555-0199", "347.555.0199"):
        assert redact(f"To {number}, from x") == "To [number], from x"
    assert redact("To=13475550199&From=x") == "To=[number]&From=x"
