"""The database session: services commit once, and a unit of work above them may hold that
commit to add its own rows to the same transaction (core/idempotency.py does)."""

from contextlib import contextmanager

from flask_sqlalchemy.session import Session as FlaskSession

HELD = "jifen.commit_held"


class Session(FlaskSession):
    """While a commit is held, `commit()` only flushes; whoever holds it commits."""

    def commit(self) -> None:
        if self.info.get(HELD):
            self.flush()
        else:
            super().commit()


@contextmanager
def commit_held(session):
    """Turn the services' commits into flushes for the duration of the block."""
    session.info[HELD] = True
    try:
        yield
    finally:
        session.info.pop(HELD, None)
