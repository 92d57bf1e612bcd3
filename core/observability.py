"""Request ids, one JSON log line per request, and Prometheus metrics."""

import json
import logging
import re
import sys
import time
import uuid

from flask import g, request
from prometheus_client import Counter, Histogram

REQUESTS = Counter("jifen_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram("jifen_http_request_seconds", "HTTP request latency", ["method", "endpoint"])
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("jifen.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, so log shippers need no parsing rules."""

    def format(self, record):
        line = {"ts": self.formatTime(record), "level": record.levelname,
                "logger": record.name, "msg": record.getMessage()}
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging():
    """Send jifen's logs to stderr as JSON lines (idempotent)."""
    root = logging.getLogger("jifen")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False


def request_id(incoming: str) -> str:
    """The client's X-Request-ID when it is a sane token, else a new one."""
    return incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def observe(*, method: str, endpoint: str, path: str, status: int, elapsed: float,
            request_id: str | None, ip: str | None) -> None:
    """Count and time one answered request and write its log line (Flask's hooks and the
    lanes in front of Flask alike)."""
    REQUESTS.labels(method, endpoint, status).inc()
    LATENCY.labels(method, endpoint).observe(elapsed)
    access_log.info("request", extra={"fields": {
        "request_id": request_id, "method": method, "path": path, "status": status,
        "ms": round(elapsed * 1000, 2), "ip": ip}})


def register_request_hooks(app):
    """Attach a request id to every request and log/measure every response."""

    @app.before_request
    def _start():
        g.request_id = request_id(request.headers.get("X-Request-ID", ""))
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        response.headers["X-Request-ID"] = g.get("request_id", "")
        observe(method=request.method,
                endpoint=request.url_rule.rule if request.url_rule else "unmatched",
                path=request.path, status=response.status_code, elapsed=elapsed,
                request_id=g.get("request_id"), ip=request.remote_addr)
        return response
