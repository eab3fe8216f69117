"""Per-app resources, created once at start and reached from a request: Redis and the hotline."""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis
from flask import Flask, current_app

if TYPE_CHECKING:
    from bot.turn.hotline import Hotline


def init_app(app: Flask) -> None:
    from bot import db
    from bot.turn.hotline import Hotline

    r = db.connect(app.config["REDIS_URL"], app.config["HOTLINE_DATA_DIR"])
    app.extensions["redis"] = r
    app.extensions["hotline"] = Hotline(r, app.config)


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]


def hotline() -> Hotline:
    return current_app.extensions["hotline"]
