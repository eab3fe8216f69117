"""The Flask app factory: configuration, logging, resources, blueprints."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import redis
from flask import Flask, jsonify

from . import app_state, config, privacy


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(config.load(overrides))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    privacy.install_log_filter()
    privacy.install_log_filter(app.logger)
    # Werkzeug logs each request line; no body or query is in it, but keep numbers out anyway.
    privacy.install_log_filter(logging.getLogger("werkzeug"))
    app_state.init_app(app)

    from .webhook import bp as webhook_bp

    app.register_blueprint(webhook_bp)

    @app.get("/healthz")
    def healthz() -> Any:
        try:
            app_state.get_redis().ping()
        except redis.RedisError:
            return jsonify(status="redis unavailable"), 503
        return jsonify(status="ok", flows=app_state.hotline().bundle.version)

    return app
