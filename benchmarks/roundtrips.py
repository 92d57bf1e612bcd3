"""Round trips per request of a scenario, counted in-process.

A handful of the scenario's own requests go through the Flask test client of an app on the
benchmark database and Redis, after a warm-up (cold caches are not the steady state):
PostgreSQL statements are counted by SQLAlchemy's `before_cursor_execute` and transactions
by its `begin` event (each also costs a BEGIN and a COMMIT or ROLLBACK on the wire);
Redis round trips where redis-py writes to the socket (`send_packed_command`: one per
command, one per pipeline, health-check PINGs included).
"""

import uuid
from collections import Counter
from contextlib import contextmanager

from redis.connection import AbstractConnection
from sqlalchemy import event

from core.extensions import db

WARMUP = 2
MEASURED = 5
KEY_HEADER = "Idempotency-Key"


@contextmanager
def counting(engine):
    """Count statements, transactions and Redis round trips made inside the block."""
    counts = Counter()

    def statement(*_args):
        counts["statements"] += 1

    def transaction(*_args):
        counts["transactions"] += 1

    send = AbstractConnection.send_packed_command

    def counted_send(connection, command, check_health=True):
        counts["redis"] += 1
        return send(connection, command, check_health)

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", transaction)
    AbstractConnection.send_packed_command = counted_send
    try:
        yield counts
    finally:
        AbstractConnection.send_packed_command = send
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", transaction)


def measure(app, lines: list) -> dict:
    """Mean statements, transactions and Redis round trips per request over the lines after
    the first WARMUP, and the statuses they were answered with."""
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    for line in lines[:WARMUP]:
        _send(client, line)
    with counting(engine) as counts:
        statuses = [_send(client, line) for line in lines[WARMUP:]]
    return {**{name: counts[name] / len(statuses)
               for name in ("statements", "transactions", "redis")},
            "statuses": sorted(set(statuses))}


def _send(client, line) -> int:
    method, path, headers, body = line
    if headers.get(KEY_HEADER) == "*":  # as replay.lua does: a fresh key per request
        headers = {**headers, KEY_HEADER: uuid.uuid4().hex}
    return client.open(path, method=method, headers=headers, data=body).status_code
