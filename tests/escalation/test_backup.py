"""A backup holds no plain numbers: a Redis dump, restored elsewhere, passes the privacy audit."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import redis
from click.testing import CliRunner

from bot import create_app
from bot.cli import main
from bot.escalation import cases
from tests.conftest import Phone, _free_port


def _server(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """redis-server as docs/deploy.md advises: AOF, fsync every second, plus RDB snapshots."""
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    args += ["--appendonly", "yes", "--appendfsync", "everysec", "--save", "3600 1"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            if client.ping() and client.info("persistence")["loading"] == 0:
                return proc
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        finally:
            client.close()


def test_a_restored_backup_passes_the_privacy_audit(
    esc_config: dict[str, Any], tmp_path: Path
) -> None:
    live, restored = tmp_path / "live", tmp_path / "restored"
    live.mkdir()
    port = _free_port()
    server = _server(live, port)
    try:
        app = create_app(dict(esc_config, REDIS_URL=f"redis://127.0.0.1:{port}/0"))
        person = Phone(app.test_client(), number="+13475550199")
        person.send("ICE is at my door")
        Phone(app.test_client(), number="+17185550123").send("hola")
        r = redis.Redis(port=port)
        assert cases.open_cases(r)
        r.save()  # the nightly snapshot an operator copies off the machine
        r.close()
    finally:
        server.terminate()
        server.wait()
    shutil.copytree(live, restored)  # the backup, restored on another server

    port = _free_port()
    server = _server(restored, port)
    try:
        r = redis.Redis(port=port)
        assert cases.open_cases(r), "the restore holds the case"
        dump = (restored / "dump.rdb").read_bytes()
        assert b"3475550199" not in dump and b"7185550123" not in dump
        env = {k: str(v) for k, v in esc_config.items()}
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        result = CliRunner().invoke(main, ["privacy", "audit"], env=env)
        assert result.exit_code == 0, result.output
        assert "Nothing identifying found" in result.output
        r.close()
    finally:
        server.terminate()
        server.wait()
