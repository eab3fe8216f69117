"""A small local HTTP server that answers like Twilio's Messages API and records what it got.

Tests and `hotline serve` (without a Twilio account) point HOTLINE_TWILIO_API_URL at it, so
the real twilio client code runs end to end without reaching Twilio.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeTwilio:
    """Start with `start()`; `sent` holds each message's form; `fail_next` makes sends fail."""

    host: str = "127.0.0.1"
    port: int = 0
    sent: list[dict[str, str]] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)  # when each of `sent` arrived
    deleted: list[str] = field(default_factory=list)
    posts: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)  # raw: path,
    # headers, body of every POST (a provider webhook stand-in reads these)
    fail_next: int = 0  # this many sends answer 503 before one succeeds
    # Errors the next sends answer, (HTTP status, Twilio code), each quoting the number the way
    # Twilio's own messages do (21612: "The 'To' phone number: +1..., is not currently
    # reachable ...").
    refuse_next: list[tuple[int, int]] = field(default_factory=list)
    delay: float = 0.0  # seconds to wait before answering a send (a slow Twilio)
    failures: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # addresses are in the URLs and forms
                pass

            def _answer(self, status: int, body: dict[str, Any] | None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with fake._lock:
                    fake.posts.append((self.path, dict(self.headers), raw))
                form = dict(urllib.parse.parse_qsl(raw.decode()))
                if "/Accounts/" not in self.path:  # standing in for a provider's webhook
                    return self._answer(200, {"ok": True})
                if not self.path.endswith("/Messages.json"):
                    return self._answer(404, {"code": 20404, "message": "not found"})
                if fake.delay:
                    time.sleep(fake.delay)
                with fake._lock:
                    if fake.refuse_next:
                        status, code = fake.refuse_next.pop(0)
                        fake.failures += 1
                        message = (
                            f"The 'To' phone number: {form.get('To')}, is not currently "
                            f"reachable using the 'From' phone number: {form.get('From')} via SMS."
                        )
                        return self._answer(
                            status, {"code": code, "message": message, "status": status}
                        )
                    if fake.fail_next > 0:
                        fake.fail_next -= 1
                        fake.failures += 1
                        return self._answer(
                            503, {"code": 20503, "message": "unavailable", "status": 503}
                        )
                    fake.sent.append(form)
                    fake.sent_at.append(time.time())
                    sid = f"SM{len(fake.sent):032x}"
                account = self.path.split("/Accounts/")[1].split("/")[0]
                self._answer(
                    201,
                    {
                        "sid": sid,
                        "account_sid": account,
                        "to": form.get("To"),
                        "from": form.get("From"),
                        "body": form.get("Body"),
                        "status": "queued",
                        "num_segments": "1",
                        "direction": "outbound-api",
                        "api_version": "2010-04-01",
                        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
                    },
                )

            def do_DELETE(self) -> None:
                with fake._lock:
                    fake.deleted.append(self.path.rsplit("/", 1)[-1].removesuffix(".json"))
                self.send_response(204)
                self.end_headers()

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
