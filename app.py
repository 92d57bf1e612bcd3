"""The application factory: `gunicorn 'app:create_app()'`, and `flask` finds it here."""

import os

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from analytics import cli as analytics_cli
from analytics.views import blp as analytics_blp
from auth.tokens import register_jwt_callbacks
from auth.views import blp as auth_blp
from core import cli as core_cli
from core.api import marshmallow_plugin
from core.config import from_environment
from core.errors import register_error_handlers
from core.extensions import api, db, jwt, migrate, redis_ext
from core.observability import configure_logging, register_request_hooks
from core.pages import bp as pages_bp
from core.platform_views import bp as platform_bp
from crm import cli as crm_cli
from crm.views import blp as admin_crm_blp
from engagement import cli as engagement_cli
from engagement.views import admin_blp as admin_engagement_blp
from engagement.views import blp as engagement_blp
from loyalty import cli as loyalty_cli
from loyalty.admin_views import blp as admin_loyalty_blp
from loyalty.pos import SCHEMES as POS_SCHEMES
from loyalty.pos_views import blp as pos_blp
from loyalty.views import me_blp
from mall import cli as mall_cli
from mall.views import admin_blp as admin_mall_blp
from mall.views import mall_blp
from mall.views import me_blp as me_mall_blp

MIGRATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")
SECURITY_SCHEMES = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                    **POS_SCHEMES}


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, then apply `config` overrides (tests)."""
    app = Flask(__name__, static_folder="static", instance_relative_config=True)
    app.config.from_mapping(from_environment())
    app.config.update(config or {})
    if not app.config["JWT_SECRET_KEY"]:
        raise RuntimeError("JWT_SECRET_KEY must be set (or JIFEN_ENV=development).")
    configure_logging()
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_request_hooks(app)
    register_commands(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app


def register_extensions(app: Flask) -> None:
    os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _serialise_sqlite_writes(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    jwt.init_app(app)
    redis_ext.init_app(app)
    api.init_app(app, spec_kwargs={"marshmallow_plugin": marshmallow_plugin(),
                                   "components": {"securitySchemes": SECURITY_SCHEMES}})
    register_jwt_callbacks()


def _serialise_sqlite_writes(engine) -> None:
    """SQLite has no row locks: take the write lock at BEGIN so read-then-write is atomic."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(platform_bp)
    app.register_blueprint(pages_bp)
    for blueprint in (auth_blp, me_blp, admin_loyalty_blp, pos_blp, analytics_blp,
                      engagement_blp, admin_engagement_blp, mall_blp, me_mall_blp,
                      admin_mall_blp, admin_crm_blp):
        api.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    for command in (*core_cli.COMMANDS, *loyalty_cli.COMMANDS, *engagement_cli.COMMANDS,
                    *mall_cli.COMMANDS, *analytics_cli.COMMANDS,
                    *crm_cli.COMMANDS):
        app.cli.add_command(command)
