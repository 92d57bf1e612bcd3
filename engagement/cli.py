"""Engagement operations: rebuild the referral leaderboards from the database."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.extensions import db
from core.models import Merchant
from core.output import emit
from engagement import referrals

referrals_cli = AppGroup("referrals", help="Referral programme maintenance.")


@referrals_cli.command("rebuild-leaderboard")
@click.option("--merchant-id", type=int, default=None, help="Only this merchant.")
def rebuild_leaderboard(merchant_id):
    """Rebuild the Redis referral leaderboards from the database."""
    ids = [merchant_id] if merchant_id else db.session.execute(select(Merchant.id)).scalars()
    emit({"leaderboards": [{"merchant_id": mid, "referrers": referrals.rebuild_leaderboard(mid)}
                           for mid in ids]})


COMMANDS = (referrals_cli,)
