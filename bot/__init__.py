"""The New York rights hotline: an SMS and WhatsApp bot on Flask, Redis and RQ."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(overrides: Any = None) -> Flask:
    """The Flask app factory (imported lazily so `bot.engine` stays free of Flask and Redis)."""
    from bot.web.app import create_app as factory

    return factory(overrides)


__all__ = ["create_app"]
