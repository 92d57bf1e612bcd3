"""Counter operations: `flask points release` (in loyalty's `points` group; loyalty cannot
import the till, so the till adds its command to that group)."""

from core.output import emit
from loyalty.cli import points_cli
from till import pending


@points_cli.command("release")
def points_release():
    """Pending points whose window ended become spendable (safe to re-run)."""
    emit(pending.release_due())


COMMANDS = ()  # `points release` is registered through loyalty's `points` group
