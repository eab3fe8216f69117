"""Time from an urgent text arriving to the on-call SMS being sent, with one worker running.

Real parts: a Redis server, the app (Flask test client, signed requests), one `python -m
bot.worker` process (forking RQ worker, as the Procfile runs it) and the local Twilio-like
server standing in for Twilio's Messages API.

    python bench/escalation.py [--cases 60] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.webhook import free_port, start_redis  # noqa: E402
from tests.support.fake_twilio import FakeTwilio  # noqa: E402

ROUTING = """spec_version: 1
ack_minutes: 10
providers:
  - id: rapid
    name: Rapid response
    contacts: ["+12125550101"]
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hotline-bench-esc-"))
    shutil.copytree(ROOT / "flows", tmp / "flows")
    shutil.copytree(ROOT / "locales", tmp / "locales")
    (tmp / "flows" / "routing.yaml").write_text(ROUTING)
    port = free_port()
    redis_proc, _r = start_redis(port, str(tmp))
    twilio = FakeTwilio().start()
    config = {
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "TWILIO_AUTH_TOKEN": "bench",
        "HOTLINE_ENV": "development",
        "HOTLINE_SECRET": "bench-" + "s" * 40,
        "HOTLINE_CONTENT_DIR": str(tmp),
        "HOTLINE_TWILIO_API_URL": twilio.url,
        "HOTLINE_LOG_LEVEL": "warning",
        "HOTLINE_RATE_PER_MINUTE": "1000",
    }
    env = dict(os.environ, **config)
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot.escalation.worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.environ.update(config)
    from bot import create_app

    app = create_app(config)
    client = app.test_client()
    validator = RequestValidator("bench")
    url = "http://localhost/twilio/messages"
    sent: dict[int, float] = {}
    try:
        time.sleep(1.5)  # the worker is up and blocking on the queues
        for n in range(args.cases):
            form = {
                "MessageSid": f"SM{n:032d}",
                "AccountSid": "AC" + "0" * 32,
                "From": f"+1718555{n:04d}",
                "To": "+12125550000",
                "Body": "ICE is at my door",
                "NumMedia": "0",
            }
            began = time.time()
            client.post(
                "/twilio/messages",
                data=form,
                headers={"X-Twilio-Signature": validator.compute_signature(url, form)},
            )
            sent[n] = began
            time.sleep(0.2)  # one urgent text at a time: latency, not throughput
        deadline = time.time() + 30
        while len(twilio.sent) < args.cases and time.time() < deadline:
            time.sleep(0.05)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        twilio.stop()
        redis_proc.terminate()
        shutil.rmtree(tmp, ignore_errors=True)
    latencies = sorted(arrived - sent[n] for n, arrived in enumerate(twilio.sent_at))
    report: dict[str, Any] = {
        "cases": args.cases,
        "notified": len(twilio.sent),
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "max_ms": 1000 * latencies[-1],
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"urgent text -> on-call SMS, one worker: {report['notified']}/{report['cases']} "
            f"notified; p50 {report['p50_ms']:.0f} ms, p99 {report['p99_ms']:.0f} ms, "
            f"max {report['max_ms']:.0f} ms"
        )


if __name__ == "__main__":
    main()
