"""Extension objects, created unbound so that models never import the app."""

from urllib.parse import urlsplit

import redis
from flask import current_app
from flask_jwt_extended import JWTManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from werkzeug.local import LocalProxy

from core.api import JifenApi
from core.mirror import Mirror
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


CLUSTER_SCHEME = "redis+cluster"


def redis_client(url: str):
    """A redis-py client for REDIS_URL: `redis://host:port/db` for one server,
    `redis+cluster://host:port[,host:port…]` for a Redis Cluster (the nodes are where discovery
    starts; a cluster has only database 0)."""
    options = {"decode_responses": True, "socket_connect_timeout": 1, "socket_timeout": 2}
    parts = urlsplit(url)
    if parts.scheme != CLUSTER_SCHEME:
        return redis.Redis.from_url(url, health_check_interval=30, **options)
    nodes = [redis.cluster.ClusterNode(*_host_port(node)) for node in parts.netloc.split(",")]
    return redis.RedisCluster(startup_nodes=nodes, **options)


def _host_port(node: str) -> tuple[str, int]:
    host, _, port = node.rpartition(":")
    return host, int(port)


class RedisExtension:
    """One redis-py client per app, built from REDIS_URL, and its pub/sub mirror (off on a
    cluster: see core/mirror.py)."""

    def init_app(self, app):
        client = app.extensions["jifen.redis"] = redis_client(app.config["REDIS_URL"])
        app.extensions["jifen.mirror"] = Mirror(
            client, enabled=urlsplit(app.config["REDIS_URL"]).scheme != CLUSTER_SCHEME)


# Objects keep their loaded state across a commit: responses render what the transaction
# wrote without reloading it (code that needs fresh rows locks or reloads them explicitly).
db = SQLAlchemy(model_class=Base, session_options={"class_": Session, "expire_on_commit": False})
migrate = Migrate()
jwt = JWTManager()
api = JifenApi()
redis_ext = RedisExtension()
rds: redis.Redis = LocalProxy(lambda: current_app.extensions["jifen.redis"])
mirror: Mirror = LocalProxy(lambda: current_app.extensions["jifen.mirror"])
