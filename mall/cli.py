"""Mall jobs: `flask mall reconcile`, `flask mall expire-orders` and the flash-sale writer."""

import signal
import socket

import click
from flask.cli import AppGroup

from core.output import emit
from mall import flash, orders, stock

mall_cli = AppGroup("mall", help="Points mall jobs.")


def _consumer_option(command):
    return click.option(
        "--consumer", default=socket.gethostname, show_default="the host name",
        help="This writer's name in the consumer group: one per process, the same after a "
             "restart (it then finishes its own unacknowledged entries first).")(command)


@mall_cli.command("reconcile")
@_consumer_option
def reconcile(consumer):
    """Write or fail flash orders no live writer took; rebuild Redis stock from the database;
    release holds that crashes left behind."""
    emit({**flash.reconcile(f"{consumer}-reconcile"), **stock.reconcile()})


@mall_cli.command("expire-orders")
def expire_orders():
    """Cancel unpaid orders past their deadline: points and stock go back."""
    emit(orders.expire_unpaid())


@mall_cli.command("writer")
@_consumer_option
@click.option("--batch", default=flash.BATCH, show_default=True, type=click.IntRange(1, 1000),
              help="Entries per stream read and per transaction.")
@click.option("--claim-idle", default=flash.CLAIM_IDLE, show_default=True,
              type=click.FloatRange(0), help="Seconds before another writer's unacknowledged "
                                             "entries are taken over (it is presumed dead).")
@click.option("--once", is_flag=True, help="Write what is queued now, then exit.")
def writer(consumer, batch, claim_idle, once):
    """Write the queued flash-sale orders; SIGTERM or SIGINT finish the batch, then exit."""
    stopping = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.append(True))
    written = flash.Writer(consumer, batch=batch, claim_idle=claim_idle).run(
        lambda: bool(stopping), once=once)
    emit({"consumer": consumer, "entries": written})


COMMANDS = (mall_cli,)
