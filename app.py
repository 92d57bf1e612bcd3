"""The application factory: `gunicorn 'app:create_app()'`, and `flask` finds it here."""

import os

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

import commands
from analytics import cli as analytics_cli
from analytics.views import blp as analytics_blp
from auth.members import EXTENSION as AUTH_MEMBERS
from auth.tokens import register_jwt_callbacks
from auth.views import blp as auth_blp
from care import advisors, notices
from care import cli as care_cli
from care.views import admin_blp as admin_care_blp
from care.views import me_blp as me_care_blp
from care.views import pos_blp as pos_care_blp
from core.api import marshmallow_plugin
from core.config import from_environment
from core.errors import register_error_handlers
from core.extensions import api, db, jwt, migrate, redis_ext
from core.inputs import check_request_size, refuse_unstorable_ids
from core.observability import configure_logging, register_request_hooks
from core.pages import bp as pages_bp
from core.platform_views import bp as platform_bp
from crm import cli as crm_cli
from crm import segments
from crm.views import blp as admin_crm_blp
from engagement import cli as engagement_cli
from engagement.views import admin_blp as admin_engagement_blp
from engagement.views import blp as engagement_blp
from games import cli as games_cli
from games.views import admin_blp as admin_games_blp
from games.views import blp as games_blp
from loyalty import cli as loyalty_cli
from loyalty import hooks as loyalty_hooks
from loyalty import members
from loyalty.admin_views import blp as admin_loyalty_blp
from loyalty.pos import SCHEMES as POS_SCHEMES
from loyalty.pos_views import blp as pos_blp
from loyalty.views import me_blp
from mall import cli as mall_cli
from mall.lane import OrderLane
from mall.views import admin_blp as admin_mall_blp
from mall.views import mall_blp
from mall.views import me_blp as me_mall_blp
from till import cli as till_cli
from till import counter, pending
from till.views import admin_blp as admin_till_blp
from till.views import me_blp as me_till_blp
from till.views import pos_blp as pos_till_blp
from wallet import cli as wallet_cli
from wallet.views import admin_blp as admin_wallet_blp
from wallet.views import me_blp as me_wallet_blp
from wallet.views import pos_blp as pos_wallet_blp

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
    wire_domains()
    register_blueprints(app)
    register_error_handlers(app)
    register_request_hooks(app)
    app.url_value_preprocessor(refuse_unstorable_ids)
    app.before_request(check_request_size)
    register_commands(app)
    app.wsgi_app = OrderLane(app, app.wsgi_app)  # inside ProxyFix: it sees the client IP
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
    app.extensions[AUTH_MEMBERS] = members  # auth reaches members only through this face


def wire_domains() -> None:
    """Fill loyalty's extension points: a lower package reaches a higher one only through them."""
    loyalty_hooks.counter = counter
    loyalty_hooks.pending = pending
    loyalty_hooks.advisors = advisors
    loyalty_hooks.package_notices = notices
    loyalty_hooks.segments = segments


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
                      admin_mall_blp, me_till_blp, pos_till_blp, admin_till_blp,
                      games_blp, admin_games_blp, pos_wallet_blp, me_wallet_blp,
                      admin_wallet_blp, pos_care_blp, me_care_blp, admin_care_blp,
                      admin_crm_blp):
        api.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    for command in (*commands.COMMANDS, *loyalty_cli.COMMANDS, *engagement_cli.COMMANDS,
                    *mall_cli.COMMANDS, *analytics_cli.COMMANDS, *wallet_cli.COMMANDS,
                    *games_cli.COMMANDS, *care_cli.COMMANDS, *crm_cli.COMMANDS,
                    *till_cli.COMMANDS):
        app.cli.add_command(command)
