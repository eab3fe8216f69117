"""Where a turn's time goes: signed webhook requests through the Flask app, in one process,
against a real redis-server, under cProfile (or under py-spy for a flame graph).

    python bench/profile_turn.py [--turns 3000] [--top 30]
    py-spy record -o bench/turn_flame.svg -- python bench/profile_turn.py --no-profile

The conversation is bench/webhook.py's script (eight turns a person, one of them urgent), so
the profile explains that benchmark's figures.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.webhook import SCRIPT, free_port, start_redis  # noqa: E402
from bot import create_app  # noqa: E402
from tests.conftest import AUTH_TOKEN, Phone  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=3000)
    parser.add_argument("--senders", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true", help="time only (for py-spy)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        proc, _r = start_redis(port := free_port(), folder)
        try:
            app = create_app(
                {
                    "HOTLINE_ENV": "development",
                    "REDIS_URL": f"redis://127.0.0.1:{port}/0",
                    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                    "HOTLINE_RATE_PER_MINUTE": 10**6,
                    "HOTLINE_REPLY_BUDGET_PER_HOUR": 10**9,
                    "HOTLINE_LOG_LEVEL": "warning",
                }
            )
            phones = [
                Phone(app.test_client(), number=f"+1347555{n:04d}") for n in range(args.senders)
            ]

            def run(turns: int) -> float:
                began = time.perf_counter()
                for i in range(turns):
                    step = (i // args.senders) % len(SCRIPT)
                    phones[i % args.senders].send(SCRIPT[step])
                return (time.perf_counter() - began) / turns * 1000

            run(args.senders)  # warm: every person has a session
            if args.no_profile:
                print(f"{run(args.turns):.3f} ms per turn")
                return
            profiler = cProfile.Profile()
            profiler.enable()
            per_turn = run(args.turns)
            profiler.disable()
        finally:
            proc.kill()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    print(f"{per_turn:.3f} ms per turn under cProfile ({args.turns} turns)")
    print(out.getvalue())


if __name__ == "__main__":
    main()
