"""Ledger operations: verify, expire, notices, outbox delivery, tier re-evaluation."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.extensions import db
from core.models import Merchant
from core.output import emit
from loyalty import expiry, notifications, tiers, verify

ledger_cli = AppGroup("ledger", help="Check the points ledger.")
# `points release` joins this group from till/cli.py (the pending points are the till's).
points_cli = AppGroup("points", help="Scheduled points jobs.")
outbox_cli = AppGroup("outbox", help="Deliver queued notifications.")
tiers_cli = AppGroup("tiers", help="Tier maintenance.")


@ledger_cli.command("verify")
def ledger_verify():
    """Check every account; exit 1 listing the accounts that break an invariant."""
    bad = verify.failures()
    emit({"ok": not bad, "failures": bad})
    if bad:
        raise SystemExit(1)


@points_cli.command("expire")
@click.option("--batch-size", default=expiry.BATCH, show_default=True, type=int)
@click.option("--workers", default=expiry.WORKERS, show_default=True,
              type=click.IntRange(min=1), help="PostgreSQL sessions writing off side by side.")
def points_expire(batch_size, workers):
    """Write off expired lots (one expire entry per account; safe to re-run)."""
    emit(expiry.expire_due(batch_size, workers))


@points_cli.command("notify-expiring")
def points_notify_expiring():
    """Queue a notice per member for points expiring within the notice window."""
    emit(expiry.queue_notices())


@outbox_cli.command("send")
@click.option("--limit", default=500, show_default=True, type=int)
def outbox_send(limit):
    """Deliver due notifications as WeChat subscribe messages."""
    emit(notifications.send_due(limit))


@tiers_cli.command("evaluate")
def tiers_evaluate():
    """Re-evaluate every member's tier under each merchant's downgrade rule."""
    merchants = db.session.execute(select(Merchant)).scalars().all()
    emit({"merchants": [tiers.evaluate(m) for m in merchants]})


COMMANDS = (ledger_cli, points_cli, outbox_cli, tiers_cli)
