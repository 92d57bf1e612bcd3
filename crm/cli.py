"""`flask members score`: nightly RFM scores and segments."""

from flask.cli import AppGroup

from core.output import emit
from crm import rfm

members_cli = AppGroup("members", help="Member scoring.")


@members_cli.command("score")
def members_score():
    """Recompute RFM scores and named segments for every merchant (set-based)."""
    emit(rfm.score_all())


COMMANDS = (members_cli,)
