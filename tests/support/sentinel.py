"""A Redis master, one replica and three Sentinels on loopback, from Debian's binaries."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

from tests.conftest import _free_ports

MASTER_NAME = "hotline"
DOWN_AFTER_MS = 500  # small, so the test's failover takes seconds, not the default 30


def _wait(check: object, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except redis.RedisError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


class SentinelCluster:
    """Processes started in `folder`; `stop()` ends every one of them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.master_port, self.replica_port, *self.sentinel_ports = _free_ports(5)

    def _server(self, name: str, port: int, *extra: str) -> None:
        folder = self.folder / name
        folder.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
        args += ["--save", "", "--appendonly", "no", *extra]
        self.procs[name] = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def start(self) -> SentinelCluster:
        self._server("master", self.master_port)
        self._server(
            "replica", self.replica_port, "--replicaof", "127.0.0.1", str(self.master_port)
        )
        sentinel = shutil.which("redis-sentinel") or "redis-sentinel"
        for i, port in enumerate(self.sentinel_ports):
            conf = self.folder / f"sentinel{i}.conf"  # Sentinel rewrites its file: one each
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.folder}\n"
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master_port} 2\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {MASTER_NAME} 5000\n"
            )
            self.procs[f"sentinel{i}"] = subprocess.Popen(
                [sentinel, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        replica = redis.Redis(port=self.replica_port)
        _wait(lambda: replica.info("replication").get("master_link_status") == "up", "replication")
        replica.close()
        for port in self.sentinel_ports:  # each Sentinel sees the replica and the other two
            s = redis.Redis(port=port, decode_responses=True)
            _wait(lambda s=s: s.sentinel_master(MASTER_NAME)["num-slaves"] >= 1, "replica seen")
            _wait(
                lambda s=s: s.sentinel_master(MASTER_NAME)["num-other-sentinels"] >= 2,
                "sentinels see each other",
            )
            s.close()
        return self

    @property
    def sentinels(self) -> str:
        return ",".join(f"127.0.0.1:{p}" for p in self.sentinel_ports)

    def master_port_now(self) -> int:
        s = redis.Redis(port=self.sentinel_ports[0], decode_responses=True)
        try:
            return int(s.sentinel_get_master_addr_by_name(MASTER_NAME)[1])
        finally:
            s.close()

    def kill_master(self) -> None:
        self.procs["master"].kill()
        self.procs["master"].wait()

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
