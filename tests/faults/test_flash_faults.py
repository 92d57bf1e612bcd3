"""The queued flash sale under faults: Redis killed, the writer killed mid-batch, a web worker
killed after its order was queued. Whatever fails, every queued order is written exactly
once or fails with its stock returned, and nothing is oversold or lost."""

import os
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from redis.exceptions import RedisError
from sqlalchemy import select

from core import keys
from core.extensions import db, rds
from mall import flash
from mall.models import Order
from tests.faults.sale import CUT, PRICE, STOCK, Sale, lock_waiters, stalled
from tests.helpers import cli
from tests.mall.shop import ADDRESS, create_item, many_members, redis_holds, redis_stock
from tests.servers import flask_command, wait_until

pytestmark = pytest.mark.slow  # spawns processes


def flash_sale(api, buyers: int) -> Sale:
    merchant = api.merchant()
    item = create_item(api.client, api.staff(merchant), stock=STOCK, points_price=PRICE,
                       flash=True)
    sale = Sale(api.app, merchant, item, many_members(api.app, merchant, buyers))
    sale.reconcile()
    return sale


def queue(sale: Sale, server, members: list[dict]) -> list:
    """Each member orders one unit: every answer is 202 queued."""
    answers = [sale.order(server, member) for member in members]
    assert {(status, code) for _, status, code in answers} == {(202, None)}, answers
    return answers


def write_all(sale: Sale, consumer: str = "test", **options) -> int:
    with sale.app.app_context():
        return flash.Writer(consumer, **options).run(lambda: False, once=True)


def backlog(sale: Sale) -> int:
    with sale.app.app_context():
        return flash.backlog()


def delivered(sale: Sale) -> int:
    """Entries read by a writer and not yet acknowledged."""
    with sale.app.app_context():
        return rds.xpending(keys.mall_flash_stream(sale.merchant["id"]), flash.GROUP)["pending"]


def written(sale: Sale) -> list[Order]:
    with sale.app.app_context():
        return db.session.execute(
            select(Order).where(Order.item_id == sale.item["id"])).scalars().all()


def test_redis_killed_is_503_with_nothing_written_and_the_sale_goes_on_after_a_restart(
        fault_api, own_redis, server):
    sale = flash_sale(fault_api, buyers=20)
    answers = queue(sale, server, sale.members[:3])
    assert write_all(sale) == 3
    answers += queue(sale, server, sale.members[3:5])  # in the stream when Redis dies
    own_redis.stop()
    down = [sale.order(server, member) for member in sale.members[5:8]]
    assert {(status, code) for _, status, code in down} == {(503, "SERVICE_UNAVAILABLE")}
    with pytest.raises(RedisError):
        write_all(sale)
    assert len(written(sale)) == 3
    sale.balance_the_books([])

    # Redis without persistence lost the queue: those orders never happened (nothing was
    # debited); with AOF (see the README) they survive the restart and are written.
    own_redis.start()
    assert cli(sale.app, "mall", "reconcile")["flash_entries"] == 0
    assert redis_stock(sale.app, sale.merchant, sale.item) == STOCK - 3
    answers += queue(sale, server, sale.members[8:15])
    rest = [sale.order(server, member) for member in sale.members[15:]]
    assert {code for _, _, code in rest} == {"OUT_OF_STOCK"}
    assert write_all(sale) == 7
    assert sale.balance_the_books([]) == STOCK
    assert backlog(sale) == 0 and redis_holds(sale.app, sale.merchant, sale.item) == 0


def test_the_writer_killed_mid_batch_leaves_every_entry_to_be_written_exactly_once(fault_api):
    sale = flash_sale(fault_api, buyers=6)
    with flask_command(sale.app, "mall", "writer", "--consumer", "doomed") as doomed:
        wait_until(lambda: _reading(sale, "doomed"), "the writer to read the stream")
        # it stops inside its batch, before its commit: at the item row, or on SQLite at the
        # write lock (queued at once: its next look for merchants would wait there first)
        with stalled(sale), sale.app.test_request_context():
            for member in sale.members:
                assert flash.enqueue(sale.merchant["id"], member["id"], item_id=sale.item["id"],
                                     quantity=1, address=ADDRESS).status == "queued"
            wait_until(lambda: delivered(sale) > 0, "the writer to read a batch")
            if sale.engine.dialect.name == "postgresql":
                wait_until(lambda: len(lock_waiters(sale)) == 1, "the writer at the item row")
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(timeout=10)
    assert written(sale) == [] and delivered(sale) > 0
    with flask_command(sale.app, "mall", "writer", "--consumer", "heir", "--claim-idle", "0",
                       "--once") as heir:
        assert heir.wait(timeout=60) == 0, heir.stderr.read().decode()[-3000:]
    assert len(written(sale)) == 6 and backlog(sale) == 0
    assert sale.balance_the_books([]) == 6
    assert redis_stock(sale.app, sale.merchant, sale.item) == STOCK - 6
    assert redis_holds(sale.app, sale.merchant, sale.item) == 0


def _reading(sale: Sale, consumer: str) -> bool:
    """The consumer has read the merchant's stream (it waits for entries now)."""
    with sale.app.app_context():
        stream = keys.mall_flash_stream(sale.merchant["id"])
        return consumer in {c["name"] for c in rds.xinfo_consumers(stream, flash.GROUP)}


def test_a_writer_asked_to_stop_finishes_its_batch_and_exits(fault_api, server):
    sale = flash_sale(fault_api, buyers=4)
    queue(sale, server, sale.members)
    with flask_command(sale.app, "mall", "writer", "--consumer", "polite") as writer:
        wait_until(lambda: backlog(sale) == 0, "the writer to drain the stream")
        writer.send_signal(signal.SIGTERM)
        assert writer.wait(timeout=30) == 0
        assert b'"entries": 4' in writer.stdout.read()
    assert sale.balance_the_books([]) == 4


def test_a_worker_killed_while_its_orders_wait_for_redis_loses_and_repeats_nothing(fault_api,
                                                                                  server):
    """Orders held in the workers before their script runs (Redis paused for writes), one
    worker killed: its answers are cut, and each client retries its own Idempotency-Key.
    The script that queues an order also keeps its answer under the key, in one atomic step
    (mall/lane.py), so no death can fall between the two: a retry before the script queues
    the order once, a copy after it replays the first ticket."""
    sale = flash_sale(fault_api, buyers=6)
    request_keys = {member["id"]: uuid.uuid4().hex for member in sale.members}
    with sale.app.app_context():
        rds.execute_command("CLIENT", "PAUSE", 20_000, "WRITE")
        try:
            with ThreadPoolExecutor(len(sale.members)) as pool:
                pending = [pool.submit(_order_with_key, server, sale, member,
                                       request_keys[member["id"]]) for member in sale.members]
                wait_until(lambda: sum(server.requests_held().values()) == len(sale.members),
                           "every order held in a worker")
                held = server.requests_held()
                victim = max(held, key=held.get)
                os.kill(victim, signal.SIGKILL)
                wait_until(lambda: victim not in server.workers(), "the worker gone")
                rds.execute_command("CLIENT", "UNPAUSE")
                first = [answer.result(timeout=60) for answer in pending]
        finally:
            rds.execute_command("CLIENT", "UNPAUSE")
    assert first.count(CUT) == held[victim]
    answered = {member["id"]: answer if answer != CUT
                else _order_with_key(server, sale, member, request_keys[member["id"]])
                for member, answer in zip(sale.members, first, strict=True)}
    assert {(a.status_code, a.json()["status"]) for a in answered.values()} == {(202, "queued")}
    member = sale.members[0]
    copy = _order_with_key(server, sale, member, request_keys[member["id"]])
    assert copy.headers["Idempotent-Replayed"] == "true"
    assert copy.json() == answered[member["id"]].json()
    assert write_all(sale) == len(sale.members)
    ticket = requests.get(f"{server.url}/api/v1/me/flash-tickets/{copy.json()['ticket']}",
                          headers=member["headers"], timeout=10).json()
    assert ticket["status"] == "paid"
    assert write_all(sale) == 0 and len(written(sale)) == len(sale.members)
    assert sale.balance_the_books([]) == len(sale.members)


def _order_with_key(server, sale: Sale, member: dict, key: str):
    try:
        return requests.post(f"{server.url}/api/v1/mall/orders",
                             json={"item_id": sale.item["id"], "address": ADDRESS},
                             headers={**member["headers"], "Idempotency-Key": key}, timeout=60)
    except requests.ConnectionError:
        return CUT
