"""Per-app resources, created once at start and reached from a request: the settings, Redis and
the hotline."""

from __future__ import annotations

import redis
from flask import Flask, current_app

from bot import db, reports
from bot.config import Settings
from bot.turn.hotline import Hotline


def init_app(app: Flask, settings: Settings) -> None:
    r = db.connect(
        settings.redis_url,
        settings.data_dir,
        sentinels=settings.redis_sentinels,
        master=settings.redis_sentinel_master,
    )
    reports.use(settings.reports_days)
    app.extensions["settings"] = settings
    app.extensions["redis"] = r
    app.extensions["hotline"] = Hotline(r, settings)


def settings() -> Settings:
    return current_app.extensions["settings"]


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]


def hotline_of(app: Flask) -> Hotline:
    return app.extensions["hotline"]


def hotline() -> Hotline:
    return current_app.extensions["hotline"]
