"""Connecting: through Sentinels when they are configured, and a half-configured Sentinel setup
is refused at start, not at the first message."""

from __future__ import annotations

import pytest
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
