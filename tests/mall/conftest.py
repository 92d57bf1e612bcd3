"""A real gunicorn serving the test database and Redis, for races across processes."""

import pytest

from tests.servers import gunicorn


@pytest.fixture
def gunicorn_url(app):
    """Base URL of `gunicorn -c gunicorn.conf.py 'app:create_app()'` with 3 workers."""
    with gunicorn(app) as server:
        yield server.url
