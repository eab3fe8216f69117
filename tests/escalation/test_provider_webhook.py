"""Provider webhooks: never signed with an empty key, signed over a timestamp that a receiver
checks, https in production."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import redis
from click.testing import CliRunner

from bot import create_app
from bot.cli import main
from bot.config import ConfigError
from bot.content import routing
from bot.escalation import signing


def test_the_app_refuses_to_start_when_a_webhook_key_is_unset(
    esc_config: dict[str, Any], r: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOTLINE_TEST_PROVIDER_KEY")
    with pytest.raises(ConfigError, match="HOTLINE_TEST_PROVIDER_KEY is not set"):
        create_app(esc_config)


def test_flows_check_says_the_webhook_key_is_unset(
    esc_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    content = esc_config["HOTLINE_CONTENT_DIR"]
    assert CliRunner().invoke(main, ["flows", "check", content]).exit_code == 0
    monkeypatch.delenv("HOTLINE_TEST_PROVIDER_KEY")
    result = CliRunner().invoke(main, ["flows", "check", content])
    assert result.exit_code == 1
    assert "flows/routing.yaml:1: error:" in result.output
    assert "HOTLINE_TEST_PROVIDER_KEY is not set" in result.output


def test_webhooks_must_be_https_in_production(esc_config: dict[str, Any]) -> None:
    route = routing.load(Path(esc_config["HOTLINE_CONTENT_DIR"]))
    environ = {"HOTLINE_TEST_PROVIDER_KEY": "k"}
    assert signing.webhook_problems(route.providers, environ) == []
    [problem] = signing.webhook_problems(route.providers, environ, production=True)
    assert "must be https" in problem


def test_a_receiver_accepts_fresh_signatures_and_refuses_old_or_forged_ones() -> None:
    key, body, now = b"provider key", b'{"case": "K7Q2"}', time.time()
    stamp = int(now)
    signature = signing.sign(key, stamp, body)
    assert signing.verify(key, str(stamp), body, signature, now)
    assert not signing.verify(key, str(stamp), body + b" ", signature, now)  # body changed
    assert not signing.verify(b"", str(stamp), body, signing.sign(b"", stamp, body), now)
    old = stamp - signing.TOLERANCE - 1
    assert not signing.verify(key, str(old), body, signing.sign(key, old, body), now)  # replay
