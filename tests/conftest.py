"""Fixtures: one app per session on TEST_DATABASE_URL (PostgreSQL or SQLite) and a real
Redis; every test starts from empty tables, an empty Redis database and a fresh fake WeChat."""

import os
import tempfile
from datetime import UTC, datetime, timedelta

import pytest
import requests
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from core.extensions import db, rds
from core.wechat_fake import serve_in_thread
from crm import webhooks
from loyalty import verify
from mall import lane
from tests.helpers import Api
from tests.scanning import SecretScanningClient
from wallet import verify as wallet_verify

TMP = tempfile.mkdtemp(prefix="jifen-tests-")


class FakeClock:
    """The app's clock: real time unless a test pins it with set()/advance()."""

    def __init__(self):
        self.pinned = None

    def __call__(self):
        return self.pinned or datetime.now(UTC)

    def set(self, moment: datetime):
        self.pinned = moment

    def advance(self, **delta):
        self.pinned = self() + timedelta(**delta)

    def reset(self):
        self.pinned = None


def _database_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{TMP}/test.db"


@pytest.fixture(scope="session")
def wechat_server():
    server = serve_in_thread()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()


@pytest.fixture(scope="session")
def clock():
    return FakeClock()


@pytest.fixture(scope="session")
def app(wechat_server, clock):
    app = create_app({
        "TESTING": True,
        "JIFEN_ENV": "test",
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9"),
        "WECHAT_API_BASE": wechat_server,
        "JWT_SECRET_KEY": "test-secret-" + "x" * 40,
        "CLOCK": clock,
    })
    app.test_client_class = SecretScanningClient
    with app.app_context():
        _fresh_schema()
        upgrade()
        db.session.remove()
    return app


def _fresh_schema():
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def _clean(app, clock, wechat_server):
    yield
    with app.app_context():
        assert verify.failures() == [], "the ledger check failed after this test"
        assert wallet_verify.failures() == [], "the wallet check failed after this test"
    clock.reset()
    requests.post(f"{wechat_server}/_fake/reset", timeout=5)
    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))
        rds.flushdb()
        forget_mirror(app)
    # ids start again at 1 after the TRUNCATE: the next test's item 1 is another item
    for memo in (lane.REGULAR, webhooks.ACTIVE):
        app.extensions.pop(memo, None)


def forget_mirror(app):
    """End the app's mirror subscription: it resubscribes and rebuilds from the journal, which
    the flush emptied, so no test sees an earlier test's revocations."""
    pubsub = app.extensions["jifen.mirror"].pubsub
    if pubsub is not None:
        host, port = pubsub.connection._sock.getsockname()[:2]
        app.extensions["jifen.redis"].client_kill_filter(addr=f"{host}:{port}")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(app):
    return Api(app)
