"""Nothing identifying in job data: Twilio's refusals quote the number, RQ keeps a failed job's
traceback (zlib, base64) for days; neither may hold a number, and DELETE removes them."""

from __future__ import annotations

import base64
import re
import zlib
from typing import Any

import redis
from rq import Worker
from rq.registry import FailedJobRegistry

from bot.cli import audit
from bot.content.bundle import load as load_bundle
from bot.escalation import cases, queues
from tests.conftest import ROOT, Phone
from tests.escalation.conftest import Console, only_case, work
from tests.support.fake_twilio import FakeTwilio

NUMBER = "3475550199"  # the person's, as in the `person` fixture
PLANTED = "+17185550123"


def explode(case_id: str) -> None:
    """A job that fails the way a careless library does: quoting a number in its error."""
    raise RuntimeError(f"could not reach {PLANTED} for case {case_id}")


def readable(r: redis.Redis) -> str:
    """Every key and value as an attacker with a copy would read them: zlib and base64 undone."""
    out = []
    for key in r.scan_iter(count=1000):
        out.append(key.decode())
        kind = r.type(key)
        values: list[bytes] = []
        if kind == b"string":
            values = [r.get(key) or b""]
        elif kind == b"hash":
            values = [b for pair in r.hgetall(key).items() for b in pair]
        elif kind == b"list":
            values = r.lrange(key, 0, -1)
        elif kind in (b"set", b"zset"):
            values = list(r.smembers(key)) if kind == b"set" else r.zrange(key, 0, -1)
        elif kind == b"stream":
            values = [b for _, fields in r.xrange(key) for pair in fields.items() for b in pair]
        for value in values:
            out.append(value.decode("latin-1"))
            for unpack in (
                zlib.decompress,
                lambda v: zlib.decompress(base64.b64decode(v)),
                base64.b64decode,
            ):
                try:
                    out.append(unpack(value).decode("latin-1"))
                except Exception:
                    pass
    return "\n".join(out)


def numbers_in(text: str) -> bool:
    return NUMBER in re.sub(r"\D", "", text) or NUMBER in text


def claimed_case(person: Phone, r: redis.Redis, staffer: Console) -> str:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    work(r)
    staffer.post(f"/console/cases/{case_id}/claim")
    return case_id


def test_a_reply_refused_with_21612_then_delete_leaves_no_number_anywhere(
    person: Phone, r: redis.Redis, staffer: Console, twilio: FakeTwilio
) -> None:
    case_id = claimed_case(person, r, staffer)
    twilio.refuse_next = [(400, 21612)] * 5
    staffer.post(f"/console/cases/{case_id}/reply", text="We are on our way.")
    work(r)
    assert twilio.failures == 1  # a final refusal: not retried
    assert len(twilio.refuse_next) == 4
    assert NUMBER not in readable(r)
    person.send("DELETE")
    assert NUMBER not in readable(r)
    assert not [k for k in r.scan_iter(f"rq:job:{queues.CASE_JOB}{case_id}-*")]
    assert audit.audit_redis(r, load_bundle(ROOT)) == []


def test_a_failure_worth_retrying_keeps_no_number_and_goes_with_the_case(
    person: Phone, r: redis.Redis, staffer: Console, twilio: FakeTwilio
) -> None:
    case_id = claimed_case(person, r, staffer)
    twilio.refuse_next = [(500, 20500)] * 3  # the first try and both retries
    staffer.post(f"/console/cases/{case_id}/reply", text="We are on our way.")
    work(r)
    failed = FailedJobRegistry(queue=queues.queue(r, queues.URGENT))
    assert len(failed.get_job_ids()) == 1
    dump = readable(r)
    assert "error 20500" in dump  # the code is kept, for staff to see why
    assert NUMBER not in dump
    assert audit.audit_redis(r, load_bundle(ROOT)) == []
    staffer.post(f"/console/cases/{case_id}/close")
    assert failed.get_job_ids() == []
    assert not [k for k in r.scan_iter("rq:results:*")]


def test_the_worker_redacts_numbers_from_what_rq_stores(r: redis.Redis, esc_app: Any) -> None:
    job = queues.enqueue(r, queues.URGENT, explode, "K7Q2", retry=None)
    work(r)
    assert job.get_status(refresh=True) == "failed"
    dump = readable(r)
    assert "could not reach [number] for case K7Q2" in dump
    assert "5550123" not in dump
    assert audit.audit_redis(r, load_bundle(ROOT)) == []


def test_the_audit_finds_a_number_planted_in_a_failed_jobs_traceback(
    r: redis.Redis, esc_app: Any
) -> None:
    queues.enqueue(r, queues.URGENT, explode, "K7Q2", retry=None)
    # A plain RQ worker, without the hotline's redaction, stores the traceback as it is.
    plain = Worker([queues.queue(r, queues.URGENT)], connection=r, serializer=queues.SERIALIZER)
    plain.work(burst=True)
    assert "5550123" in readable(r)
    findings = audit.audit_redis(r, load_bundle(ROOT))
    assert any(f.startswith("rq:results:") and "exc_string" in f for f in findings), findings


def test_case_close_removes_its_queued_and_scheduled_jobs(
    person: Phone, r: redis.Redis, staffer: Console
) -> None:
    person.send("ICE is at my door")
    case_id = only_case(r)["id"]
    work(r)  # announced: the acknowledgement check is scheduled
    assert [k for k in r.scan_iter(f"rq:job:{queues.CASE_JOB}{case_id}-*")]
    staffer.post(f"/console/cases/{case_id}/claim")
    staffer.post(f"/console/cases/{case_id}/close")
    assert cases.get(r, case_id) == {}
    assert not [k for k in r.scan_iter(f"rq:job:{queues.CASE_JOB}{case_id}-*")]
