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


def register_request_hooks(app):
    """Attach a request id to every request and log/measure every response."""

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        response.headers["X-Request-ID"] = g.get("request_id", "")
        REQUESTS.labels(request.method, endpoint, response.status_code).inc()
        LATENCY.labels(request.method, endpoint).observe(elapsed)
        access_log.info("request", extra={"fields": {
            "request_id": g.get("request_id"), "method": request.method,
            "path": request.path, "status": response.status_code,
            "ms": round(elapsed * 1000, 2), "ip": request.remote_addr}})
        return response
