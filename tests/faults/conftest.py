"""Fault tests run on processes of their own: a Redis they can stop, an app and a gunicorn
pointed at it. Every process is stopped in teardown, whatever the test did to it."""

import pytest

from app import create_app
from core.extensions import db
from tests.helpers import Api
from tests.servers import gunicorn, redis_server


@pytest.fixture
def own_redis():
    """A redis-server of the test's own (stop() and start() it at will)."""
    with redis_server() as server:
        yield server


@pytest.fixture
def fault_app(app, own_redis):
    """The test app, pointed at the test's own Redis."""
    pointed = create_app({**app.config, "REDIS_URL": own_redis.url})
    pointed.test_client_class = app.test_client_class
    yield pointed
    with pointed.app_context():
        db.engine.dispose()


@pytest.fixture
def fault_api(fault_app):
    return Api(fault_app)


@pytest.fixture
def server(fault_app):
    """gunicorn (3 workers) on the test database and the test's own Redis.

    A gthread worker accepts connections beyond its threads and queues them, and nothing
    spreads them evenly over the workers: with a thread for every request a test stalls,
    no stalled request can wait in a queue behind the others instead of at the lock."""
    with gunicorn(fault_app, threads=16) as running:
        yield running
