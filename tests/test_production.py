"""Production is the default: weak or development settings refuse to start, all at once."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
import redis

from bot import config, create_app
from bot.config import DEV_AUTH_TOKEN, DEV_SECRET, ConfigError
from tests.conftest import _free_port

STRONG = {
    "HOTLINE_SECRET": "s" * 40,
    "TWILIO_AUTH_TOKEN": "0123456789abcdef" * 2,
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "HOTLINE_PUBLIC_URL": "https://hotline.example.org",
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


def refusal(environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as raised:
        config.load(environ=environ)
    return str(raised.value)


@pytest.mark.parametrize("env", [None, "production", "Production", " PRODUCTION "])
def test_unset_or_any_spelling_of_production_refuses_the_defaults(env: str | None) -> None:
    message = refusal({} if env is None else {"HOTLINE_ENV": env})
    assert "refusing to start in production" in message
    for problem in ("HOTLINE_SECRET", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID"):
        assert problem in message  # every problem listed at once
    assert "HOTLINE_PUBLIC_URL" in message and "REDIS_URL" in message


def test_an_unknown_environment_is_an_error() -> None:
    assert "HOTLINE_ENV must be" in refusal({**STRONG, "HOTLINE_ENV": "prod"})


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("HOTLINE_SECRET", DEV_SECRET, "development default"),
        ("HOTLINE_SECRET", "short-but-not-default", "32+ bytes"),
        ("HOTLINE_SECRET_PREVIOUS", DEV_SECRET, "development default"),
        ("HOTLINE_SECRET_PREVIOUS", "old", "32+ bytes"),
        ("TWILIO_AUTH_TOKEN", DEV_AUTH_TOKEN, "development default"),
        ("TWILIO_AUTH_TOKEN", "x", "32 hex"),
        ("TWILIO_AUTH_TOKEN", "Z" * 32, "32 hex"),
        ("TWILIO_ACCOUNT_SID", "", "TWILIO_ACCOUNT_SID"),
        ("HOTLINE_PUBLIC_URL", "http://hotline.example.org", "https://"),
        ("HOTLINE_PUBLIC_URL", "", "https://"),
    ],
)
def test_each_weak_setting_is_named(name: str, value: str, says: str) -> None:
    message = refusal({**STRONG, name: value})
    assert name in message and says in message
    assert message.count("\n  - ") == 1  # only that one


def test_strong_settings_start_in_production() -> None:
    settings = config.load(environ=STRONG)
    assert settings.production and settings.env == "production"


def test_development_only_when_asked_for() -> None:
    settings = config.load(environ={"HOTLINE_ENV": " Development "})
    assert not settings.production and settings.secret == DEV_SECRET


def test_the_web_app_refuses_weak_production_settings(
    config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOTLINE_ENV")
    unset = {k: v for k, v in config.items() if k != "HOTLINE_ENV"}
    for overrides in (unset, dict(config, HOTLINE_ENV="Production")):
        with pytest.raises(ConfigError, match="refusing to start in production"):
            create_app(overrides)
    with pytest.raises(ConfigError, match="HOTLINE_ENV must be"):
        create_app(dict(config, HOTLINE_ENV="prod"))


@pytest.mark.parametrize("env", [None, "Production", "prod"])
def test_hotline_serve_refuses_with_one_clear_message(
    env: str | None, redis_url: str, r: redis.Redis
) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE", "TWILIO"))}
    environ.update(REDIS_URL=redis_url, HOTLINE_SECRET="weak", TWILIO_AUTH_TOKEN="x")
    if env is not None:
        environ["HOTLINE_ENV"] = env
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(_free_port())],
        env=environ,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "HOTLINE_ENV" in result.stderr or "HOTLINE_SECRET" in result.stderr
    assert "/twilio/messages" not in result.stdout  # it never served


def test_status_callbacks_are_built_on_the_public_url(
    config: dict[str, Any], r: redis.Redis
) -> None:
    from tests.conftest import Phone

    public = "https://hotline.example.org"
    app = create_app(dict(config, HOTLINE_PUBLIC_URL=public, HOTLINE_DELETE_TWILIO_RECORDS="1"))
    phone = Phone(app.test_client(), url=public + "/twilio/messages")
    response = phone.send("hi")  # arrives over http from the TLS proxy
    assert f'action="{public}/twilio/status"'.encode() in response.data
