"""A small local HTTP server that answers like Twilio's Messages API and records what it got.

Tests and `hotline serve` (without a Twilio account) point HOTLINE_TWILIO_API_URL at it, so
the real twilio client code runs end to end without reaching Twilio.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from twilio.request_validator import RequestValidator

OUTSIDE_WINDOW = 63016  # Twilio's refusal of a free-form WhatsApp message past 24 hours
# The status callback's poster: (url, form, X-Twilio-Signature) -> anything.
StatusPoster = Callable[[str, dict[str, str], str], Any]


def post_over_http(url: str, form: dict[str, str], signature: str) -> int:
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(form).encode(), headers={"X-Twilio-Signature": signature}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return int(response.status)


@dataclass
class FakeTwilio:
    """Start with `start()`; `sent` holds each message's form; `fail_next` makes sends fail.

    Like Twilio, it refuses some numbers for good (`refuse`: number -> error code, e.g. 21612)
    and, when a send names a StatusCallback, reports `sent` and then `final` to it, signed with
    `auth_token` by twilio's RequestValidator (over HTTP, or through `post_status`)."""

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
    refuse: dict[str, int] = field(default_factory=dict)  # number -> Twilio error code
    auth_token: str = "test-auth-token"
    final: tuple[str, str] = ("delivered", "")  # the last status callback: status, ErrorCode
    post_status: StatusPoster = post_over_http
    callbacks: list[dict[str, str]] = field(default_factory=list)  # every status form posted
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
                refused = fake.refuse.get(form.get("To", "").removeprefix("whatsapp:"))
                if refused == OUTSIDE_WINDOW and form.get("ContentSid"):
                    refused = None  # an approved template may go outside WhatsApp's window
                if refused:
                    return self._answer(
                        400,
                        {"code": refused, "message": f"refused ({refused})", "status": 400},
                    )
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
                if form.get("StatusCallback"):
                    fake._report(form["StatusCallback"], sid, account)
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

    def _report(self, url: str, sid: str, account: str) -> None:
        """Post `sent`, then the final status. Done before the send is answered, so tests are
        deterministic, and the hotline must cope with a status that outruns the answer (as
        Twilio's can)."""
        validator = RequestValidator(self.auth_token)
        for status, code in (("sent", ""), self.final):
            form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": account}
            if code:
                form["ErrorCode"] = code
            with self._lock:
                self.callbacks.append(form)
            try:
                self.post_status(url, form, validator.compute_signature(url, form))
            except OSError:
                pass  # Twilio, too, gives up on a callback URL that does not answer

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
