"""Mall jobs: `flask mall reconcile` and `flask mall expire-orders`."""

from flask.cli import AppGroup

from core.output import emit
from mall import orders, stock

mall_cli = AppGroup("mall", help="Points mall jobs.")


@mall_cli.command("reconcile")
def reconcile():
    """Rebuild Redis stock from the database; release holds that crashes left behind."""
    emit(stock.reconcile())


@mall_cli.command("expire-orders")
def expire_orders():
    """Cancel unpaid orders past their deadline: points and stock go back."""
    emit(orders.expire_unpaid())


COMMANDS = (mall_cli,)
