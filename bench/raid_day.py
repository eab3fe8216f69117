"""A raid day: many first texts (15% urgent) with follow-ups, bursts, and hostile senders,
against the Procfile's processes. Not part of `make test`.

Real parts: a Redis server, gunicorn as the Procfile runs it (gthread, 2 workers x 4 threads,
--preload), two `python -m bot.escalation.worker` processes, and the local Twilio stand-in
(tests/support/fake_twilio.py) for Twilio's Messages API. The issue's full shape is 20,000
first texts from 8,000 senders over 10 minutes, bursts at 5x the mean rate, one hostile sender
at 100 messages/s and 200 at 1/s; `--minutes` shortens the run (counts shrink with it) and
`--scale` multiplies every rate.

    python bench/raid_day.py [--minutes 10] [--scale 1.0] [--clients 6] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.webhook import TOKEN, free_port, start_gunicorn, start_redis  # noqa: E402
from tests.support.fake_twilio import FakeTwilio  # noqa: E402

ON_CALL = {"rapid": ["+12125550101", "+12125550102"], "intake": ["+12125550201"]}
ROUTING = f"""spec_version: 1
ack_minutes: 10
topics: {{ice_at_door: ICE at the door, detained: someone detained}}
providers:
  - id: rapid
    name: Rapid response
    topics: [ice_at_door, detained]
    contacts: {ON_CALL["rapid"]}
  - id: intake
    name: Legal intake
    topics: [any]
    contacts: {ON_CALL["intake"]}
"""
URGENT = ["ICE is at my door", "ICE está en mi puerta", "ICE esta en mi puerta ayuda"]
NORMAL = [["hi", "3", "menu"], ["hola", "4", "menu"], ["hello", "9", "menu"]]  # no urgent node
FOLLOW_UP = ["are they still there?", "ok", "gracias"]


def schedule(minutes: float, scale: float, seed: int) -> list[tuple[float, str, str, str]]:
    """(second, kind, sender, text), sorted by time. Kinds: normal, urgent, hostile."""
    rnd = random.Random(seed)
    seconds = minutes * 60
    texts = int(20_000 * scale * minutes / 10)
    senders = max(1, int(8_000 * scale * minutes / 10))
    # Bursts: one minute in four at 5x the mean rate, the rest slower, same total.
    weights = [5.0 if int(s // 60) % 4 == 1 else 1.0 for s in range(int(seconds))]
    total = sum(weights)
    starts = rnd.choices(range(int(seconds)), weights=[w / total for w in weights], k=senders)
    events: list[tuple[float, str, str, str]] = []
    made = 0
    for n, start in enumerate(starts):
        sender = f"+1718{n:07d}"
        turns = 2 if n % 2 else 3  # 2.5 texts per sender on average
        turns = min(turns, texts - made) if n == senders - 1 else turns
        urgent = rnd.random() < 0.15
        t = start + rnd.random()
        for turn in range(turns):
            if urgent:
                text = URGENT[n % 3] if turn == 0 else FOLLOW_UP[turn % 3]
                kind = "urgent" if turn == 0 else "normal"
            else:
                text, kind = NORMAL[n % 3][turn], "normal"
            events.append((t, kind, sender, text))
            t += 5 + rnd.random() * 20  # people answer within seconds
        made += turns
    flood_rate = 100 * scale
    for k in range(int(seconds * flood_rate)):
        events.append((k / flood_rate, "hostile", "+19295550000", f"spam {k}"))
    for h in range(int(200 * scale)):
        for s in range(int(seconds)):
            events.append((s + h / 200, "hostile", f"+1646{h:07d}", f"spam {s}"))
    return sorted(e for e in events if e[0] < seconds)


def _client(port: int, events: list[tuple[float, str, str, str]], began: float, out: Any) -> None:
    url = f"http://127.0.0.1:{port}/twilio/messages"
    validator = RequestValidator(TOKEN)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    results = []
    for n, (at, kind, sender, text) in enumerate(events):
        delay = began + at - time.time()
        if delay > 0:
            time.sleep(delay)
        form = {
            "MessageSid": "SM" + f"{os.getpid():08x}{n:024x}",
            "AccountSid": "AC" + "0" * 32,
            "From": sender,
            "To": "+12125550000",
            "Body": text,
            "NumMedia": "0",
        }
        headers = {
            "X-Twilio-Signature": validator.compute_signature(url, form),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        sent = time.perf_counter()
        try:
            conn.request("POST", "/twilio/messages", urllib.parse.urlencode(form), headers)
            response = conn.getresponse()
            body = response.read().decode()
            status = response.status
        except OSError:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
            body, status = "", 0
        latency = time.perf_counter() - sent
        results.append((kind, sender, status, "<Message" in body, latency, time.time() - began))
    out.put(results)


def drive(port: int, events: list[tuple[float, str, str, str]], clients: int) -> list[Any]:
    """Each sender's texts go through one client (so they arrive in order)."""
    shares: list[list[tuple[float, str, str, str]]] = [[] for _ in range(clients)]
    for event in events:
        shares[hash(event[2]) % clients].append(event)
    out: Any = mp.Queue()
    began = time.time() + 1
    procs = [mp.Process(target=_client, args=(port, s, began, out)) for s in shares]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in out.get()]
    for p in procs:
        p.join()
    return results


def queues_empty(r: Any) -> bool:
    return all(r.llen(f"rq:queue:{q}") == 0 for q in ("urgent", "high", "normal")) and all(
        r.zcard(f"rq:wip:{q}") == 0 for q in ("urgent", "high", "normal")
    )


def digests_due_now(r: Any) -> int:
    """The page windows' digests are due at each window's end: bring them to now, so a run
    shorter than a window still sends (and counts) them."""
    from rq.job import Job

    moved = 0
    for raw in r.zrange("rq:scheduled:urgent", 0, -1):
        job = Job.fetch(raw.decode(), connection=r, serializer="json")
        if job.func_name.endswith("send_digest"):
            r.zadd("rq:scheduled:urgent", {raw: time.time()})
            moved += 1
    return moved


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return 1000 * values[int(q * (len(values) - 1))] if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    events = schedule(args.minutes, args.scale, args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="hotline-raid-"))
    shutil.copytree(ROOT / "flows", tmp / "flows")
    shutil.copytree(ROOT / "locales", tmp / "locales")
    (tmp / "flows" / "routing.yaml").write_text(ROUTING)
    redis_port, web_port = free_port(), free_port()
    redis_proc, r = start_redis(redis_port, str(tmp))
    twilio = FakeTwilio().start()
    env = dict(
        os.environ,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        TWILIO_AUTH_TOKEN=TOKEN,
        HOTLINE_SECRET="raid-" + "s" * 40,
        HOTLINE_CONTENT_DIR=str(tmp),
        HOTLINE_DATA_DIR=str(tmp / "data"),
        HOTLINE_TWILIO_API_URL=twilio.url,
        HOTLINE_FROM_NUMBER="+12125550000",
        HOTLINE_PUBLIC_URL=f"http://127.0.0.1:{web_port}",
        HOTLINE_LOG_LEVEL="warning",
        # A raid day's settings: the budgets fit the day's legitimate load, not less.
        HOTLINE_REPLY_BUDGET_PER_HOUR=str(int(60_000 * args.scale)),
        HOTLINE_NEW_CONVERSATIONS_PER_HOUR=str(int(60_000 * args.scale)),
    )
    env.pop("TWILIO_ACCOUNT_SID", None)
    web, _started = start_gunicorn("bot:create_app()", web_port, env)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.escalation.worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        load_began = time.time()
        results = drive(web_port, events, args.clients)
        load_ended = time.time()
        digests_moved = digests_due_now(r)
        while not queues_empty(r) and time.time() - load_ended < 300:
            time.sleep(0.2)
        drained = time.time() - load_ended
        time.sleep(1)  # the last sends land at the stand-in
        report = measure(r, twilio, results, events, args, load_ended - load_began, drained)
        report["cases"]["digests_brought_forward"] = digests_moved
    finally:
        for w in workers:
            w.terminate()
        web.terminate()
        for proc in (*workers, web):
            proc.wait(timeout=30)
        twilio.stop()
        redis_proc.terminate()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(report, indent=2) if args.json else text(report))


def measure(
    r: Any,
    twilio: FakeTwilio,
    results: list[Any],
    events: list[Any],
    args: Any,
    load_seconds: float,
    drained: float,
) -> dict[str, Any]:
    urgent = [x for x in results if x[0] == "urgent"]
    hostile = [x for x in results if x[0] == "hostile"]
    normal = [x for x in results if x[0] == "normal"]
    urgent_senders = {x[1] for x in urgent}
    open_cases = [k.decode() for k in r.scan_iter("hl:case:*") if k.count(b":") == 2]
    case_fields = [{k.decode(): v.decode() for k, v in r.hgetall(k).items()} for k in open_cases]
    urgent_cases = [c for c in case_fields if c.get("urgency") == "urgent"]
    announced = sum(
        1
        for c in urgent_cases
        if any(b"queued for" in e for e in r.lrange(f"hl:case:{c['id']}:timeline", 0, -1))
    )
    paged: Counter[str] = Counter()
    digests, escalated, per_minute = 0, 0, Counter[tuple[str, int]]()
    contact_of = {n: p for p, numbers in ON_CALL.items() for n in numbers}
    t0 = min(twilio.sent_at) if twilio.sent_at else 0.0
    for message, at in zip(twilio.sent, twilio.sent_at, strict=False):
        provider = contact_of.get(message["To"])
        if provider is None:
            continue
        per_minute[(provider, int((at - t0) // 60))] += 1
        found = re.search(r"case ([0-9A-Z]{4}) ", message["Body"])
        if found and message["To"] == ON_CALL[provider][0]:
            paged[found[1]] += 1
        elif found:
            escalated += 1  # the ack escalation's page to the next contact
        elif "more urgent cases waiting" in message["Body"]:
            digests += 1
    held = sum(
        1
        for c in urgent_cases
        if any(
            b"on-call contact 1: in the digest" in e
            for e in r.lrange(f"hl:case:{c['id']}:timeline", 0, -1)
        )
    )
    info = r.info("memory")
    return {
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%d"),
        },
        "run": {
            "minutes": args.minutes,
            "scale": args.scale,
            "clients": args.clients,
            "load_seconds": round(load_seconds, 1),
            "texts_scheduled": len(events),
            "legit_senders": len({x[1] for x in results if x[0] != "hostile"}),
        },
        "urgent": {
            "texts": len(urgent),
            "answered_200_with_guidance": sum(1 for x in urgent if x[2] == 200 and x[3]),
            "p50_ms": round(pct([x[4] for x in urgent], 0.5), 1),
            "p99_ms": round(pct([x[4] for x in urgent], 0.99), 1),
            "max_ms": round(pct([x[4] for x in urgent], 1.0), 1),
        },
        "cases": {
            "expected_urgent": len(urgent_senders),
            "opened_urgent": len(urgent_cases),
            "announced": announced,
            "paged_once": sum(1 for c in urgent_cases if paged[c["id"]] == 1),
            "paged_more_than_once": sum(1 for n in paged.values() if n > 1),
            "held_for_digest": held,
            "lost": len(urgent_cases) - sum(1 for c in urgent_cases if paged[c["id"]]) - held,
            # (paged and held exclude each other: both concern the first contact, once a case)
            "digests_sent": digests,
            "ack_escalation_pages": escalated,
        },
        "normal": {
            "texts": len(normal),
            "answered": sum(1 for x in normal if x[3]),
            "p50_ms": round(pct([x[4] for x in normal], 0.5), 1),
            "p99_ms": round(pct([x[4] for x in normal], 0.99), 1),
            "non_200": sum(1 for x in normal if x[2] != 200),
        },
        "hostile": {
            "texts": len(hostile),
            "refused": sum(1 for x in hostile if not x[3]),
            "non_200": sum(1 for x in hostile if x[2] != 200),
        },
        "pages_per_provider_per_minute_max": {
            p: max((n for (q, _m), n in per_minute.items() if q == p), default=0) for p in ON_CALL
        },
        "redis_used_memory_mb": round(info["used_memory"] / 2**20, 1),
        "queue_drain_seconds": round(drained, 1),
        "latency_all_p99_ms": round(pct([x[4] for x in results], 0.99), 1),
        "median_ms_all": round(1000 * statistics.median(x[4] for x in results), 1),
    }


def text(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2)


if __name__ == "__main__":
    main()
