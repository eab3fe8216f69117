"""The Flask app factory: configuration, logging, resources, blueprints."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from typing import Any

import redis
from flask import Flask, Request, jsonify, redirect, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import config, privacy
from bot.escalation import jobs, signing, worker
from bot.web import metrics, webhook
from bot.web import state as app_state

MAX_REQUEST_BYTES = 64 * 1024


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building a signing serializer for a request that
    carries no cookie (every Twilio webhook): the result is the same empty session."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """The web app; `overrides` are settings by their environment names (tests, the CLI)."""
    settings = config.load(overrides)
    app = Flask(__name__)
    app.session_interface = CookieSessions()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # The log format names no thread, process or source line: don't collect them per record
    # (the logging HOWTO's "Optimization"; the turn's log line is on every request).
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None
    privacy.install_log_filter()
    privacy.install_log_filter(app.logger)
    # Werkzeug logs each request line; no body or query is in it, but keep numbers out anyway.
    for name in ("werkzeug", "gunicorn.error", "gunicorn.access"):
        privacy.install_log_filter(logging.getLogger(name))
    # The console's session cookie is signed with a key derived from the secret (its own label).
    app.secret_key = hmac.new(
        settings.secret.encode(), b"console cookies v1", hashlib.sha256
    ).hexdigest()
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        # Twilio's forms and the console's are small; a larger body is refused before parsing.
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    app_state.init_app(app, settings)
    # Twilio's webhooks answer before Flask's request machinery; behind nginx, ProxyFix still
    # rewrites their environ first.
    app.wsgi_app = webhook.Webhooks(app.extensions, MAX_REQUEST_BYTES, app.wsgi_app)  # type: ignore[method-assign]
    if settings.trusted_proxies:  # behind nginx: the staffer's address, not the proxy's
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    unsigned = signing.webhook_problems(
        app_state.hotline_of(app).routing.providers, production=settings.production
    )
    if unsigned:
        raise config.ConfigError("refusing to start:\n" + "\n".join(f"  - {p}" for p in unsigned))
    jobs.use(settings)  # jobs this process queues (and runs, in tests) follow the same settings

    from bot.web.console import bp as console_bp
    from bot.web.console import reports_page  # noqa: F401  adds the Reports page to the console

    app.register_blueprint(console_bp)
    metrics.init_app(app)

    @app.get("/")
    def home() -> Any:
        return redirect(url_for("console.queue"))

    @app.get("/healthz")
    def healthz() -> Any:
        """Which parts are up. Without Redis nothing works (503); without a live worker the
        webhook still answers, but nothing reaches staff: "degraded", and which part is down."""
        r = app_state.get_redis()
        try:
            r.ping()
        except redis.RedisError:
            return jsonify(status="down", down=["redis"], redis="unavailable"), 503
        try:
            workers = len(worker.alive(r))
        except redis.RedisError:
            workers = 0
        down = [] if workers else ["worker"]
        return jsonify(
            status="degraded" if down else "ok",
            down=down,
            redis="ok",
            workers=workers,
            worker="ok" if workers else "down: no RQ worker heartbeat; nothing reaches staff",
            flows=app_state.hotline().bundle.version,
        )

    return app
