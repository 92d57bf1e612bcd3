"""The database connection dropped while an order is inside its transaction."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import _database_url
from tests.faults.sale import (
    STOCK,
    Sale,
    drop_connections,
    lock_waiters,
    stalled,
    wait_until_stuck,
)
from tests.mall.shop import redis_holds, redis_stock

pytestmark = pytest.mark.slow  # spawns processes


@pytest.mark.skipif(not _database_url().startswith("postgres"),
                    reason="SQLite is a file in the process, not a server: no connection to drop")
def test_a_connection_dropped_mid_order_is_a_clean_503_and_writes_nothing(fault_api, server):
    sale = Sale.open(fault_api, buyers=1)
    member = sale.members[0]
    with ThreadPoolExecutor(1) as pool, stalled(sale):
        pending = pool.submit(sale.order, server, member)
        wait_until_stuck(sale, server, 1)  # its order row and its debit are written, uncommitted
        assert redis_holds(sale.app, sale.merchant, sale.item) == 1
        drop_connections(sale, lock_waiters(sale))
        answer = pending.result(timeout=30)
    assert answer == (member["id"], 503, "SERVICE_UNAVAILABLE")
    assert sale.balance_the_books([answer]) == 0
    assert redis_stock(sale.app, sale.merchant, sale.item) == STOCK
    assert redis_holds(sale.app, sale.merchant, sale.item) == 0
    assert sale.order(server, member)[1] == 201  # the worker connects again
