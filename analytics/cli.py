"""`flask analytics rollup`: the nightly roll-up of closed days."""

from flask.cli import AppGroup

from analytics import rollup
from core.output import emit

analytics_cli = AppGroup("analytics", help="Analytics maintenance.")


@analytics_cli.command("rollup")
def analytics_rollup():
    """Roll closed local days of every merchant's ledger into the daily tables."""
    emit(rollup.rollup_all())


COMMANDS = (analytics_cli,)
