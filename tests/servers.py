"""Real server processes on loopback for tests: gunicorn serving the app, a throwaway Redis.

Each process is started with a parent-death signal (`setpriv --pdeathsig KILL`), so it
dies with the test run even when pytest itself is killed; fixtures stop it in teardown.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL", "--"]


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, what: str, timeout: float = 15.0) -> None:
    """Poll until condition() is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


class Gunicorn:
    """A running `gunicorn -c gunicorn.conf.py 'app:create_app()'`."""

    def __init__(self, port: int, process: subprocess.Popen):
        self.port, self.process = port, process
        self.url = f"http://127.0.0.1:{port}"

    def workers(self) -> list[int]:
        """Process ids of the master's workers, now."""
        pid = self.process.pid
        return [int(child) for child in
                Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def requests_held(self) -> dict[int, int]:
        """Per worker, the client connections it holds open: its requests in flight."""
        accepted = _accepted_sockets(self.port)
        return {pid: len(_sockets_of(pid) & accepted) for pid in self.workers()}


def _accepted_sockets(port: int) -> set[str]:
    """Socket inodes of the established connections whose local end is the server's port."""
    rows = (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
    return {row[9] for row in rows if int(row[1].split(":")[1], 16) == port and row[3] == "01"}


def _sockets_of(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with suppress(FileNotFoundError):  # closed while we looked
            link = os.readlink(fd)
            if link.startswith("socket:["):
                inodes.add(link[len("socket:["):-1])
    return inodes


def environment_of(app) -> dict:
    """Environment for a server process on the same database, Redis and keys as `app`."""
    return {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": app.config["REDIS_URL"], "JWT_SECRET_KEY": app.config["JWT_SECRET_KEY"],
            "JIFEN_ENV": "test", "WECHAT_API_BASE": app.config["WECHAT_API_BASE"]}


@contextmanager
def gunicorn(app, workers: int = 3, threads: int = 4):
    """gunicorn with `gunicorn.conf.py` serving what `app` uses; stopped on exit."""
    port = free_port()
    env = {**os.environ, **environment_of(app), "PORT": str(port),
           "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads)}
    command = [*DIE_WITH_PARENT, sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
               "app:create_app()"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            yield _wait_until_up(Gunicorn(port, process), log)
        finally:
            process.terminate()
            process.wait(timeout=30)


@contextmanager
def flask_command(app, *args: str):
    """`flask <args>` running on what `app` uses (a Popen); killed on exit if still running."""
    command = [*DIE_WITH_PARENT, sys.executable, "-m", "flask", "--app", "app", *args]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **environment_of(app)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _wait_until_up(server: Gunicorn, log) -> Gunicorn:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            requests.get(f"{server.url}/healthz", timeout=5)
            return server
        except (requests.ConnectionError, requests.Timeout):  # workers still booting
            time.sleep(0.1)
    log.seek(0)
    pytest.fail(f"gunicorn did not start:\n{log.read().decode(errors='replace')[-3000:]}")


class RedisServer:
    """A redis-server of its own on a free loopback port; it keeps nothing on disk."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        """Start it (again: empty) and wait until it answers."""
        self.process = subprocess.Popen(
            [*DIE_WITH_PARENT, "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, cwd=tempfile.gettempdir())
        wait_until(self._answers, f"redis-server on port {self.port}", timeout=10)

    def stop(self) -> None:
        """Kill it: what it held in memory is gone."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)

    def _answers(self) -> bool:
        assert self.process.poll() is None, "redis-server exited"
        try:
            with redis.Redis.from_url(self.url, socket_connect_timeout=1) as client:
                return client.ping()
        except redis.ConnectionError:
            return False


@contextmanager
def redis_server():
    """A fresh RedisServer, stopped on exit."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
