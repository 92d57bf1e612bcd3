"""Liveness, readiness and metrics endpoints."""

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.errors import error_response
from core.extensions import db, rds

bp = Blueprint("platform", __name__)


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """200 only when both the database and Redis answer."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    if not all(checks.values()):
        return error_response(503, "SERVICE_UNAVAILABLE", "Not ready.", checks)
    return {"status": "ready", "checks": checks}


@bp.get("/metrics")
def metrics():
    """Prometheus text format."""
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


def _check_database() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        return False


def _check_redis() -> bool:
    try:
        return bool(rds.ping())
    except RedisError:
        return False
