"""Care jobs: `flask care schedule`."""

from flask.cli import AppGroup

from care import followups
from core.output import emit

care_cli = AppGroup("care", help="Clinic care jobs.")


@care_cli.command("schedule")
def schedule():
    """Follow-ups that fell due become due; past their day, overdue (safe to re-run)."""
    emit(followups.schedule())


COMMANDS = (care_cli,)
