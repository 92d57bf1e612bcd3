"""A gunicorn worker killed with SIGKILL while it serves orders of a flash sale."""

import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.sale import CUT, STOCK, Sale, stalled, wait_until_stuck
from tests.helpers import cli

pytestmark = pytest.mark.slow  # spawns processes


def test_a_worker_killed_mid_sale_oversells_nothing_and_orphans_no_points(
        fault_api, server, clock):
    sale = Sale.open(fault_api, buyers=34)
    early, caught, crowd, rest = (sale.members[:2], sale.members[2:10], sale.members[10:22],
                                  sale.members[22:])
    answers = sale.sell_out(server, early)
    with ThreadPoolExecutor(len(crowd)) as pool:
        with stalled(sale):
            pending = [pool.submit(sale.order, server, member) for member in caught]
            wait_until_stuck(sale, server, len(caught))
            held = server.requests_held()
            victim = max(held, key=held.get)
            os.kill(victim, signal.SIGKILL)
        pending += [pool.submit(sale.order, server, member) for member in crowd]  # sale goes on
        answers += [future.result(timeout=60) for future in pending]
    assert sum(code == CUT for _, _, code in answers) == held[victim] > 0
    assert {(status, code) for _, status, code in answers} <= {
        (201, None), (409, "OUT_OF_STOCK"), (0, CUT)}
    sale.balance_the_books(answers)
    assert cli(sale.app, "ledger", "verify") == {"ok": True, "failures": []}

    clock.advance(minutes=10)  # the dead requests' holds are now old enough to be abandoned
    sale.reconcile()
    answers += sale.sell_out(server, rest)
    assert sale.balance_the_books(answers) == STOCK
