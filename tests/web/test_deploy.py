"""deploy/nginx.conf in front of the Procfile's gunicorn, on loopback with a real Redis: slow
clients trickling headers hold nginx connections, and the webhook still answers at once."""

from __future__ import annotations

import datetime as dt
import http.client
import os
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from twilio.request_validator import RequestValidator

from tests.conftest import AUTH_TOKEN, ROOT, SECRET, _free_ports

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
SLOW_CLIENTS = 50


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, as Let's Encrypt's files would be laid out."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    chain, private = folder / "fullchain.pem", folder / "privkey.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return chain, private


def _nginx_conf(folder: Path, http_port: int, tls_port: int, app_port: int) -> Path:
    """deploy/nginx.conf with only its machine paths and ports moved into `folder`."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    chain, private = _certificate(folder)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / sub).mkdir()
    moves = {
        "worker_processes auto;": "worker_processes 2;"
        + ("\nuser root root;" if os.geteuid() == 0 else ""),
        "/run/nginx.pid": str(folder / "nginx.pid"),
        "/var/log/nginx/error.log": str(folder / "error.log"),
        "/var/lib/nginx/": f"{folder}/",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl;": f"listen 127.0.0.1:{tls_port} ssl;",
        "/etc/letsencrypt/live/hotline.example.org/fullchain.pem": str(chain),
        "/etc/letsencrypt/live/hotline.example.org/privkey.pem": str(private),
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
    }
    for old, new in moves.items():
        assert old in text, f"deploy/nginx.conf changed: {old!r} is gone; update this test"
        text = text.replace(old, new)
    conf = folder / "nginx.conf"
    conf.write_text(text)
    return conf


def _procfile_web() -> list[str]:
    """The Procfile's web command, run with this virtualenv's gunicorn."""
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    args = shlex.split(line.removeprefix("web:").replace("${WEB_CONCURRENCY:-2}", "2"))
    assert args[0] == "gunicorn"
    return [sys.executable, "-m", "gunicorn", *args[1:]]


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    return context


def _request(port: int, method: str, path: str, body: str = "", headers: Any = None) -> Any:
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=_tls())
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, r: Any) -> Iterator[tuple[int, int]]:
    """gunicorn as the Procfile runs it, nginx in front; yields (tls port, gunicorn port)."""
    http_port, tls_port, app_port = _free_ports(3)
    conf = _nginx_conf(tmp_path, http_port, tls_port, app_port)
    env = dict(
        os.environ,
        PORT=str(app_port),
        REDIS_URL=redis_url,
        HOTLINE_SECRET=SECRET,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        HOTLINE_PUBLIC_URL=f"https://127.0.0.1:{tls_port}",
        HOTLINE_CONTENT_DIR=str(ROOT),
        HOTLINE_DATA_DIR=str(tmp_path / "data"),
        HOTLINE_DELETE_TWILIO_RECORDS="1",
        HOTLINE_LOG_LEVEL="warning",
    )
    web = subprocess.Popen(_procfile_web(), cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    assert NGINX is not None
    proxy = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"])
    try:
        deadline = time.time() + 60
        while True:
            try:
                if _request(tls_port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.time() < deadline, (tmp_path / "error.log").read_text()
            time.sleep(0.2)
        yield tls_port, app_port
    finally:
        proxy.terminate()
        web.terminate()
        proxy.wait(timeout=10)
        web.wait(timeout=10)


def _signed_text(port: int, number: str, body: str, count: int) -> tuple[float, int, str]:
    """POST a text as Twilio does; returns seconds taken, status and the TwiML."""
    url = f"https://127.0.0.1:{port}/twilio/messages"
    form = {
        "MessageSid": f"SM{count:032x}",
        "AccountSid": "AC" + "0" * 32,
        "From": number,
        "To": "+15559990000",
        "Body": body,
        "NumMedia": "0",
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    headers = {
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    started = time.monotonic()
    status, text = _request(port, "POST", "/twilio/messages", urllib.parse.urlencode(form), headers)
    return time.monotonic() - started, status, text


def _slow_client(port: int) -> ssl.SSLSocket:
    """A client that sends the start of a request and then almost nothing."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    tls = _tls().wrap_socket(raw, server_hostname="127.0.0.1")
    tls.sendall(b"POST /twilio/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return tls


def test_slow_clients_do_not_stall_the_webhook_behind_nginx(stack: tuple[int, int]) -> None:
    tls_port, _app_port = stack
    for n in range(4):  # each gunicorn worker has run a turn once
        assert _signed_text(tls_port, f"+1347555080{n}", "hi", 100 + n)[1] == 200
    slow = [_slow_client(tls_port) for _ in range(SLOW_CLIENTS)]
    try:
        for round_ in range(2):
            started = time.monotonic()
            status, _health = _request(tls_port, "GET", "/healthz")
            assert status == 200 and time.monotonic() - started < 1.0
            took, status, twiml = _signed_text(tls_port, "+13475550899", "hi", 200 + round_)
            assert status == 200 and "<Message" in twiml and took < 1.0
            # X-Forwarded-Proto reached the app: the status callback it names is https.
            assert 'action="https://127.0.0.1' in twiml
            for client in slow:  # trickle: one more header line each
                client.sendall(b"X-Slow: 1\r\n")
    finally:
        for client in slow:
            client.close()
