"""`flask contests settle` (awards, exactly once) and `flask lotteries reconcile`."""

from flask.cli import AppGroup

from core.output import emit
from games import contests, prize_stock

contests_cli = AppGroup("contests", help="Points contests.")
lotteries_cli = AppGroup("lotteries", help="Points lotteries.")


@contests_cli.command("settle")
def contests_settle():
    """Award every contest that ended; safe to re-run and to run twice at once."""
    emit(contests.settle_due())


@lotteries_cli.command("reconcile")
def lotteries_reconcile():
    """Rebuild Redis prize stock from the database; release holds that crashes left."""
    emit(prize_stock.reconcile())


COMMANDS = (contests_cli, lotteries_cli)
