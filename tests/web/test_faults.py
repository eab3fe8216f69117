"""Faults against real processes: Redis stops mid-conversation, then comes back."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot import create_app
from tests.conftest import Phone, _free_port, start_redis
from tests.web.test_webhook import messages


def test_redis_stopped_mid_conversation_then_back(
    config: dict[str, Any], tmp_path: Path, say: Any
) -> None:
    port = _free_port()
    server = start_redis(port, tmp_path)
    try:
        app = create_app(dict(config, REDIS_URL=f"redis://127.0.0.1:{port}/0"))
        phone = Phone(app.test_client())
        assert messages(phone.send("hola"))[0].startswith(say("es", "welcome"))

        server.terminate()
        server.wait()
        began = time.monotonic()
        response = phone.send("necesito ayuda, la policía está afuera")
        assert response.status_code == 200
        assert messages(response) == [say("es", "outage")]  # numbers to call, in Spanish
        assert time.monotonic() - began < 10  # well within Twilio's 15 seconds
        assert app.test_client().get("/healthz").status_code == 503

        server = start_redis(port, tmp_path)  # Redis comes back: service resumes by itself
        reply = messages(phone.send("3"))
        assert reply and reply != [say("es", "outage")]
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        server.terminate()
        server.wait()
