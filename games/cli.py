"""`flask contests settle`: award contests that ended, exactly once."""

from flask.cli import AppGroup

from core.cli import emit
from games import contests

contests_cli = AppGroup("contests", help="Points contests.")


@contests_cli.command("settle")
def contests_settle():
    """Award every contest that ended; safe to re-run and to run twice at once."""
    emit(contests.settle_due())


COMMANDS = (contests_cli,)
