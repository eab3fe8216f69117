"""What every command shares: the settings, Redis, and how a command fails."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
import redis

from bot import config, db
from bot.config import Settings


def settings() -> Settings:
    try:
        return config.load()
    except config.ConfigError as exc:
        fail(str(exc))


def content_dir() -> Path:
    """The folder with flows/ and locales/, for commands that only read content files."""
    try:
        return config.load(serving=False).content_dir
    except config.ConfigError as exc:
        fail(str(exc))


def connect(cfg: Settings | None = None) -> redis.Redis:
    cfg = cfg or settings()
    return db.connect(
        cfg.redis_url, cfg.data_dir, sentinels=cfg.redis_sentinels, master=cfg.redis_sentinel_master
    )


def fail(lines: list[str] | str) -> NoReturn:
    for line in [lines] if isinstance(lines, str) else lines:
        click.echo(line, err=True)
    sys.exit(1)
