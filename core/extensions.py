"""Extension objects, created unbound so that models never import the app."""

import redis
from flask import current_app
from flask_jwt_extended import JWTManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from werkzeug.local import LocalProxy

from core.api import JifenApi
from core.session import Session

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RedisExtension:
    """One redis-py client per app, built from REDIS_URL."""

    def init_app(self, app):
        app.extensions["jifen.redis"] = redis.Redis.from_url(
            app.config["REDIS_URL"],
            decode_responses=True,
            socket_connect_timeout=1,
            socket_timeout=2,
            health_check_interval=30,
        )


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
jwt = JWTManager()
api = JifenApi()
redis_ext = RedisExtension()
rds: redis.Redis = LocalProxy(lambda: current_app.extensions["jifen.redis"])
