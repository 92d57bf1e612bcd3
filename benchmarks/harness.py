"""The pieces a benchmark run needs: a fresh PostgreSQL schema, gunicorn, wrk."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import requests
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from core.config import database_url
from core.extensions import db, rds

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL",
                              "postgresql://postgres@127.0.0.1:5432/jifen_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SECRET = "bench-secret-" + "b" * 40


def environment(port: int) -> dict:
    """What gunicorn's workers read (core/config.py)."""
    return {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL,
            "JWT_SECRET_KEY": SECRET, "JIFEN_ENV": "benchmark", "PORT": str(port),
            "WECHAT_API_BASE": "http://127.0.0.1:9",
            # wrk is one IP hammering on purpose: lift the abuse limits for the run
            **{name: "100000000/minute" for name in (
                "RATE_LIMIT_PER_MEMBER", "RATE_LIMIT_PER_IP", "RATE_LIMIT_LOGIN_PER_IP")}}


def make_app():
    """An in-process app on the benchmark database (seeding, invariants)."""
    os.environ.setdefault("JWT_SECRET_KEY", SECRET)
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url(DATABASE_URL),
                       "REDIS_URL": REDIS_URL, "JWT_SECRET_KEY": SECRET})


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


@contextmanager
def gunicorn(port: int):
    """gunicorn with gunicorn.conf.py on the benchmark database; stopped on exit."""
    log = open(Path(tempfile.gettempdir()) / "jifen-bench-gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "app:create_app()"], cwd=ROOT, env=environment(port), stdout=log, stderr=log)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_ready(url: str, process) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited; see jifen-bench-gunicorn.log")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass  # still booting
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not become ready")


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
    """Run wrk with replay.lua; returns rps, p50/p99 in ms and errors."""
    threads = min(threads, connections)  # wrk wants a connection per thread at least
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
               "--timeout", "30s",
               "-s", str(ROOT / "benchmarks" / "replay.lua"), base, "--",
               request_file, "1" if cycle else "0", str(threads)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("JSON"))
    raw = json.loads(line[4:])
    real = raw["requests"] - raw["padding"]
    seconds = raw["duration_us"] / 1e6
    return {"requests": real, "rps": real / seconds, "p50_ms": raw["p50_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000, "refused_409": raw["conflicts"],
            "errors": raw["non_2xx"] - raw["conflicts"] + raw["socket_errors"],
            "seconds": seconds}
