"""Redis stopped in the middle of a flash sale, then restarted empty."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.sale import STOCK, Sale, stalled, wait_until_stuck
from tests.mall.shop import redis_stock

pytestmark = pytest.mark.slow  # spawns processes


def test_redis_stopped_mid_sale_is_503_loses_no_points_and_reconcile_restores_the_sale(
        fault_api, own_redis, server):
    sale = Sale.open(fault_api, buyers=30)
    early, caught, late, rest = (sale.members[:3], sale.members[3:7], sale.members[7:12],
                                 sale.members[12:])
    answers = sale.sell_out(server, early)
    with ThreadPoolExecutor(len(caught)) as pool:
        with stalled(sale):
            pending = [pool.submit(sale.order, server, member) for member in caught]
            wait_until_stuck(sale, server, len(caught))
            own_redis.stop()  # with these orders in flight
        answers += [future.result(timeout=60) for future in pending]
    down = [sale.order(server, member) for member in late]
    assert {(status, code) for _, status, code in down} == {(503, "SERVICE_UNAVAILABLE")}
    assert {status for _, status, _ in answers} <= {201, 503}
    sale.balance_the_books(answers + down)

    own_redis.start()  # empty: the project's Redis keeps nothing on disk
    sale.reconcile()
    answers += down + sale.sell_out(server, rest)
    assert sale.balance_the_books(answers) == STOCK
    assert redis_stock(sale.app, sale.merchant, sale.item) == 0
