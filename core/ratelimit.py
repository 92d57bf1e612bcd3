"""Request throttles in Redis: per endpoint, per subject (member or staff) and per client IP.

Fixed windows that start at a caller's first request (INCR, then EXPIRE NX). Limits come
from the config (`RATE_LIMITS`), so tests and benchmarks set their own. Requests not yet
tied to a merchant (logins) count under merchant 0. Redis being down is a 503 before the
view runs, so a throttled endpoint changes nothing then.
"""

from functools import wraps

from flask import current_app, g, request

from core import keys
from core.api import document_errors
from core.errors import RateLimited
from core.extensions import rds

SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse(spec: str) -> tuple[int, int]:
    """'60/minute' → (60, 60): at most 60 requests in a 60-second window."""
    count, unit = spec.split("/")
    return int(count), SECONDS[unit]


def throttled(group: str):
    """Answer 429 RATE_LIMITED with Retry-After once the caller is over the group's limits."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            _count_and_check(current_app.config["RATE_LIMITS"][group])
            return view(*args, **kwargs)

        return document_errors(wrapper, 429, 503)

    return decorator


def _count_and_check(limits: dict) -> None:
    callers = {"ip": f"ip:{request.remote_addr}", "subject": g.get("subject")}
    buckets = [(keys.rate_limit(g.get("merchant_id", 0), request.endpoint, callers[kind]),
                *parse(spec)) for kind, spec in limits.items() if callers[kind]]
    pipe = rds.pipeline()
    for key, _limit, window in buckets:
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
    counts = pipe.execute()[::2]
    for (key, limit, _window), used in zip(buckets, counts, strict=True):
        if used > limit:
            raise RateLimited(rds.ttl(key))
