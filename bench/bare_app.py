"""The baseline for bench/webhook.py: a Flask app that answers every POST with fixed TwiML."""

from __future__ import annotations

from flask import Flask, Response

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks, we got your '
    "message.</Message></Response>"
)


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/twilio/messages")
    def inbound() -> Response:
        return Response(TWIML, mimetype="application/xml")

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    return app
