"""`flask wallet verify` and `flask wallet expire-topups`."""

from flask.cli import AppGroup

from core.output import emit
from wallet import topups, verify

wallet_cli = AppGroup("wallet", help="Stored value: checks and scheduled jobs.")


@wallet_cli.command("verify")
def wallet_verify():
    """Check every wallet; exit 1 listing the wallets that break an invariant."""
    bad = verify.failures()
    emit({"ok": not bad, "failures": bad})
    if bad:
        raise SystemExit(1)


@wallet_cli.command("expire-topups")
def wallet_expire_topups():
    """Close member top-ups left unpaid past their deadline (nothing was credited)."""
    emit(topups.expire_unpaid())


COMMANDS = (wallet_cli,)
