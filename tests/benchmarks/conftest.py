"""The benchmark harness' pure parts are tested without the app, its database or Redis."""

import pytest


@pytest.fixture(autouse=True)
def _clean():
    """Replaces the suite's per-test database clean-up: these tests touch no database."""
    yield
