"""The pieces a benchmark run needs: a fresh PostgreSQL schema, gunicorn (and the flash-sale
writer), wrk, a drain between loads and the CPU samples of everything that serves them."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
import requests
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from benchmarks import cpu
from core.config import from_environment
from core.extensions import db, rds

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL",
                              "postgresql://postgres@127.0.0.1:5432/jifen_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SECRET = "bench-secret-" + "b" * 40
# PostgreSQL's application_name tells the server's backends apart from the harness' own
SERVER, WRITER, HARNESS, MONITOR = "jifen-bench-app", "jifen-bench-writer", \
    "jifen-bench-harness", "jifen-bench-monitor"
DRAIN_TIMEOUT = 300.0  # a flash-sale writer that fell behind may need minutes
FAST_HELLO_MS = 100.0  # /healthz answering within this: no queue in front of the workers
ACCESS_LINE = b'"logger": "jifen.access"'
QUIET_TICKS = 2  # gunicorn's CPU over one poll when idle (its own timers, our probe)


def _named(url: str, application_name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}application_name={application_name}"


def environment(port: int, application_name: str = SERVER) -> dict:
    """What gunicorn's workers and the writer read (core/config.py)."""
    return {**os.environ, "DATABASE_URL": _named(DATABASE_URL, application_name),
            "REDIS_URL": REDIS_URL, "JWT_SECRET_KEY": SECRET, "JIFEN_ENV": "benchmark",
            "PORT": str(port), "WECHAT_API_BASE": "http://127.0.0.1:9",
            # wrk is one IP hammering on purpose: lift the abuse limits for the run
            **{name: "100000000/minute" for name in (
                "RATE_LIMIT_PER_MEMBER", "RATE_LIMIT_PER_IP", "RATE_LIMIT_LOGIN_PER_IP")}}


def make_app():
    """An in-process app configured as gunicorn's workers are (seeding, checks, round trips)."""
    return create_app(from_environment(environment(0, HARNESS)))


def reset_database(app) -> None:
    """Create the benchmark database if needed, then a fresh schema through the migrations."""
    admin, name = DATABASE_URL.rsplit("/", 1)
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=str(ROOT / "migrations"))
        rds.flushdb()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _spawn(command: list[str], env: dict, name: str) -> tuple[subprocess.Popen, Path]:
    """The command with its output in a log of its own (runs from other checkouts may be
    writing theirs at the same time)."""
    descriptor, path = tempfile.mkstemp(prefix=f"jifen-bench-{name}-", suffix=".log")
    with os.fdopen(descriptor, "w") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log), Path(path)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Stack:
    """gunicorn on the benchmark database (and the flash-sale writer while asked for), with a
    monitoring connection to PostgreSQL: what is in flight, which backends serve the app."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.port = port
        self.gunicorn, self.log = _spawn([sys.executable, "-m", "gunicorn", "-c",
                                          str(ROOT / "gunicorn.conf.py"), "app:create_app()"],
                                         environment(port), "gunicorn")
        self.writer: subprocess.Popen | None = None
        self.monitor = psycopg.connect(_named(DATABASE_URL, MONITOR), autocommit=True)
        self.monitor_pid = self.monitor.info.backend_pid
        self.redis_pid = int(redis.Redis.from_url(REDIS_URL).info("server")["process_id"])
        self.postmaster = cpu.snapshot()[self.monitor_pid].ppid
        self.pending = lambda: 0  # queued work in Redis (the flash-sale streams), when any

    def close(self) -> None:
        if self.writer is not None:
            _stop(self.writer)
        _stop(self.gunicorn)
        self.monitor.close()

    def wait_ready(self) -> None:
        for _ in range(600):
            if self.gunicorn.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                if requests.get(f"{self.base}/readyz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass  # still booting
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not become ready")

    @contextmanager
    def writer_running(self, pending):
        """`flask mall writer` beside gunicorn, with the same environment; `pending()` tells
        the entries it has not written yet."""
        self.writer, log = _spawn([sys.executable, "-m", "flask", "mall", "writer",
                                   "--consumer", "bench-writer"],
                                  environment(self.port, WRITER), "writer")
        self.pending = pending
        try:
            yield
            if self.writer.poll() is not None:
                raise RuntimeError(f"the writer exited; see {log}")
        finally:
            _stop(self.writer)
            self.writer, self.pending = None, lambda: 0

    def vacuum(self) -> None:
        """VACUUM ANALYZE (autovacuum is off on the benchmark machine: hot rows bloat)."""
        self.monitor.execute("VACUUM ANALYZE")

    def drain(self) -> float:
        """Wait until nothing is in flight: no request queued (hello answers fast, gunicorn's
        CPU stands still), no backend of the app busy, nothing queued in Redis. Returns the
        seconds waited (DRAIN_TIMEOUT: it never became idle)."""
        started = time.perf_counter()
        quiet = 0
        while quiet < 2 and time.perf_counter() - started < DRAIN_TIMEOUT:
            quiet = quiet + 1 if self._idle() else 0
        return time.perf_counter() - started

    def _idle(self) -> bool:
        before = cpu.snapshot()
        sent = time.perf_counter()
        fast = requests.get(f"{self.base}/healthz", timeout=30).ok and \
            (time.perf_counter() - sent) * 1000 < FAST_HELLO_MS
        busy = self.monitor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s AND state <> 'idle'", (SERVER,)).fetchone()[0]
        pending = self.pending()
        time.sleep(0.1)
        app = self._app_pids(before)
        ticks = cpu.used(before, cpu.snapshot(), app).ms / cpu.TICK_MS
        return fast and not busy and not pending and ticks <= QUIET_TICKS

    def _app_pids(self, procs) -> set[int]:
        return cpu.descendants(self.gunicorn.pid, procs)

    def sample(self) -> dict:
        """Every process's CPU time now, and which processes serve the app, the writer,
        PostgreSQL (the backends of the benchmark database) and Redis."""
        procs = cpu.snapshot()
        listed = {pid for (pid,) in self.monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")}
        titled = {pid for pid, proc in procs.items() if proc.ppid == self.postmaster
                  and cpu.backend_database(cpu.title(pid)) == self.monitor.info.dbname}
        writer = cpu.descendants(self.writer.pid, procs) if self.writer else set()
        return {"procs": procs, "log_at": self.log.stat().st_size, "groups": {
            "app": self._app_pids(procs), "writer": writer,
            "pg": (listed | titled) - {self.monitor_pid}, "redis": {self.redis_pid}}}


    def served(self, before: dict, after: dict) -> int:
        """Requests the app answered between two samples, from its access log (one JSON line
        each): those wrk gave up on at its end included, which its own count misses."""
        with open(self.log, "rb") as log:
            log.seek(before["log_at"])
            return log.read(after["log_at"] - before["log_at"]).count(ACCESS_LINE)


def cpu_between(before: dict, after: dict) -> dict:
    """ms of CPU per group between two samples, and PostgreSQL backends that came or went."""
    usage = {name: cpu.used(before["procs"], after["procs"],
                            before["groups"][name] | after["groups"][name])
             for name in before["groups"]}
    return {"ms": {name: u.ms for name, u in usage.items()},
            "pg_came": usage["pg"].came, "pg_went": usage["pg"].went}


@contextmanager
def stack(port: int):
    """A running Stack; stopped on exit."""
    running = Stack(port)
    try:
        running.wait_ready()
        yield running
    finally:
        running.close()


def write_requests(lines) -> str:
    """A request file for replay.lua: (method, path, headers dict, body str) per line."""
    handle = tempfile.NamedTemporaryFile("w", suffix=".req", delete=False)  # noqa: SIM115
    with handle:
        for method, path, headers, body in lines:
            header_text = "\x1f".join(f"{k}: {v}" for k, v in headers.items())
            handle.write(f"{method}\t{path}\t{header_text}\t{body or ''}\n")
    return handle.name


def wrk(base: str, request_file: str, *, cycle: bool, connections: int, duration: int,
        threads: int = 2) -> dict:
    """Run wrk with replay.lua; returns requests, rps, p50/p99 in ms, errors (non-2xx but
    409, and socket errors), 409s and whether the requests ran out before the end."""
    threads = min(threads, connections)  # wrk wants a connection per thread at least
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
               "--timeout", "30s",
               "-s", str(ROOT / "benchmarks" / "replay.lua"), base, "--",
               request_file, "1" if cycle else "0", str(threads), uuid.uuid4().hex[:16]]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("JSON"))
    raw = json.loads(line[4:])
    real = raw["requests"] - raw["padding"]
    seconds = raw["duration_us"] / 1e6
    return {"requests": real, "rps": real / seconds, "p50_ms": raw["p50_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000, "refused_409": raw["conflicts"],
            "errors": raw["non_2xx"] - raw["conflicts"] + raw["socket_errors"],
            "seconds": seconds, "ran_out": raw["padding"] > 0}
