"""The New York rights hotline: an SMS and WhatsApp bot on Flask, Redis and RQ."""

from .app import create_app

__all__ = ["create_app"]
