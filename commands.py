"""Operations commands (`flask …`); each prints JSON on stdout when it has a result.

Above the domains (beside app.py): they create merchants, staff and demo data across them.
"""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError
from werkzeug.serving import run_simple

import demo
import demo_history
from auth.service import create_staff
from core import merchants
from core.errors import ApiError
from core.extensions import db
from core.output import emit
from core.wechat_fake import create_fake_app
from loyalty.rules import default_rules

merchant_cli = AppGroup("merchant", help="Manage merchants (tenants).")
staff_cli = AppGroup("staff", help="Manage staff accounts.")
demo_cli = AppGroup("demo", help="Demo data.")


def fail_on_api_error(fn):
    """Turn domain errors into a clear message and a non-zero exit."""

    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ApiError as exc:
            db.session.rollback()
            raise click.ClickException(f"{exc.code}: {exc.message} {exc.details or ''}") from exc

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


@merchant_cli.command("create")
@click.option("--name", required=True)
@click.option("--appid", required=True)
@click.option("--wechat-secret", required=True)
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
@fail_on_api_error
def merchant_create(name, appid, wechat_secret, timezone):
    """Create a merchant; prints its id and POS credentials."""
    merchant, pos_secret = merchants.create_merchant(
        name=name, appid=appid, wechat_secret=wechat_secret, timezone=timezone,
        rules=default_rules())
    db.session.commit()
    emit({"merchant_id": merchant.id, "pos_key_id": merchant.pos_key_id,
          "pos_secret": pos_secret})


@staff_cli.command("create")
@click.option("--merchant-id", required=True, type=int)
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["owner", "manager", "clerk",
                                                          "support"]))
@click.option("--store-id", type=int, default=None)
@fail_on_api_error
def staff_create(merchant_id, username, password, role, store_id):
    """Create a staff account."""
    try:
        staff = create_staff(merchant_id=merchant_id, username=username, password=password,
                             role=role, store_id=store_id)
        db.session.commit()
    except IntegrityError as exc:
        raise click.ClickException("This username already exists at this merchant.") from exc
    emit({"staff_id": staff.id})


@demo_cli.command("seed")
@click.option("--history", "history_days", default=0, type=click.IntRange(0, 365),
              help="Also write this many days of activity for a few hundred members (once).")
@fail_on_api_error
def demo_seed(history_days):
    """Create (once) the demo merchant with staff, tiers, items and members."""
    emit({**demo.seed(), "history": demo_history.seed(history_days)})


@click.command("wechat-fake")
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
def wechat_fake(port, host):
    """Serve the fake WeChat API (code2Session, access token, subscribe messages)."""
    current_app.logger.info("fake WeChat on http://%s:%d", host, port)
    run_simple(host, port, create_fake_app(), threaded=True)


COMMANDS = (merchant_cli, staff_cli, demo_cli, wechat_fake)
