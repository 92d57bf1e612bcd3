"""The round-trip counter: statements and transactions of an engine, Redis sends, restored after."""

from redis.connection import AbstractConnection
from sqlalchemy import create_engine, text

from benchmarks import roundtrips


def test_statements_and_transactions_inside_the_block_are_counted():
    engine = create_engine("sqlite://")
    with engine.connect() as outside:
        outside.execute(text("SELECT 1"))
    with roundtrips.counting(engine) as counts, engine.begin() as conn:
        conn.execute(text("SELECT 1"))
        conn.execute(text("SELECT 2"))
    assert counts["statements"] == 2
    assert counts["transactions"] == 1
    assert counts["redis"] == 0


def test_redis_sends_are_counted_only_inside_the_block():
    send = AbstractConnection.send_packed_command
    with roundtrips.counting(create_engine("sqlite://")) as counts:
        assert AbstractConnection.send_packed_command is not send
    assert AbstractConnection.send_packed_command is send
    assert counts["redis"] == 0
