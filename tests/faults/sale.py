"""A flash sale over HTTP for the fault tests: the members racing for one item, a way to
stall their orders at a known point, and the books the sale must balance whatever failed."""

import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from flask import Flask
from sqlalchemy import select, text

from core.extensions import db
from loyalty import verify
from loyalty.models import LedgerEntry, PointsAccount
from mall.models import Item, Order
from tests.helpers import Api, cli
from tests.mall.shop import ADDRESS, create_item, many_members, redis_holds, redis_stock
from tests.servers import Gunicorn, wait_until

STOCK, PRICE, BONUS = 10, 10, 100  # units on sale, points per unit, every member's sign-up bonus
CUT = "CONNECTION_CUT"  # no answer: the request died with the process serving it


def contract_code(response: requests.Response) -> str | None:
    """None for a success, else the code of the contract's error JSON (anything else fails)."""
    if response.status_code < 400:
        return None
    assert response.headers["Content-Type"] == "application/json", response.text[:500]
    assert "Traceback" not in response.text, response.text
    error = response.json()["error"]
    assert error["message"], error
    return error["code"]


@dataclass
class Sale:
    """An item of STOCK units at PRICE points, and members who each order one unit once."""

    app: Flask
    merchant: dict
    item: dict
    members: list[dict]

    @classmethod
    def open(cls, api: Api, buyers: int) -> "Sale":
        """The item on sale, its stock loaded into Redis, and `buyers` members."""
        merchant = api.merchant()
        item = create_item(api.client, api.staff(merchant), stock=STOCK, points_price=PRICE)
        sale = cls(api.app, merchant, item, many_members(api.app, merchant, buyers))
        sale.reconcile()
        return sale

    @property
    def engine(self):
        with self.app.app_context():
            return db.engine

    def order(self, server: Gunicorn, member: dict) -> tuple[int, int, str | None]:
        """One unit, with an Idempotency-Key as the mini-program sends: (member, status, code)."""
        try:
            response = requests.post(
                f"{server.url}/api/v1/mall/orders",
                json={"item_id": self.item["id"], "address": ADDRESS},
                headers={**member["headers"], "Idempotency-Key": uuid.uuid4().hex}, timeout=60)
        except requests.ConnectionError:
            return member["id"], 0, CUT
        return member["id"], response.status_code, contract_code(response)

    def sell_out(self, server: Gunicorn, members: list[dict]) -> list:
        """Members order in turn until the item is sold out: every other answer is a 201."""
        answers = []
        for member in members:
            answers.append(self.order(server, member))
            if answers[-1][2] == "OUT_OF_STOCK":
                break
            assert answers[-1][1] == 201, answers[-1]
        return answers

    def balance_the_books(self, answers: list) -> int:
        """No points lost or orphaned, no oversell, every answer true; returns units sold."""
        with self.app.app_context():
            orders = db.session.execute(
                select(Order).where(Order.item_id == self.item["id"])).scalars().all()
            spent = Counter()
            for order in orders:
                spent[order.member_id] += order.points
            assert self._balances() == {m["id"]: BONUS - spent[m["id"]] for m in self.members}
            assert self._mall_entries() == sorted((o.order_no, -o.points) for o in orders)
            sold = sum(order.quantity for order in orders)
            assert sold <= STOCK and self._db_stock() + sold == STOCK
            assert verify.failures() == []
        _assert_truthful(answers, buyers=set(spent))
        return sold

    def reconcile(self) -> dict:
        """`flask mall reconcile`; then Redis holds the database's stock and no holds."""
        report = cli(self.app, "mall", "reconcile")
        with self.app.app_context():
            assert redis_stock(self.app, self.merchant, self.item) == self._db_stock()
        assert redis_holds(self.app, self.merchant, self.item) == 0
        return report

    def _balances(self) -> dict[int, int]:
        return dict(db.session.execute(
            select(PointsAccount.member_id, PointsAccount.balance)
            .where(PointsAccount.merchant_id == self.merchant["id"])).all())

    def _mall_entries(self) -> list[tuple[str, int]]:
        return sorted(db.session.execute(select(LedgerEntry.ref_id, LedgerEntry.amount).where(
            LedgerEntry.merchant_id == self.merchant["id"],
            LedgerEntry.ref_type == "mall_order")).all())

    def _db_stock(self) -> int:
        return db.session.execute(select(Item.stock).where(Item.id == self.item["id"])).scalar()


def _assert_truthful(answers: list, buyers: set[int]) -> None:
    """A 201 wrote an order, an error wrote nothing; a cut request may have done either."""
    for member_id, status, code in answers:
        if code != CUT:
            assert (member_id in buyers) == (status == 201), (member_id, status, code)


@contextmanager
def stalled(sale: Sale):
    """Hold what every order of the item waits for, until the block ends: on PostgreSQL its
    row, so orders stop at the stock update, past their Redis hold and their debit; on
    SQLite the write lock, so they stop at their first query."""
    with sale.engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE (see app.py)
        if conn.dialect.name == "postgresql":
            conn.execute(select(Item.id).where(Item.id == sale.item["id"])
                         .with_for_update(key_share=True))  # FOR NO KEY UPDATE
        yield


def wait_until_stuck(sale: Sale, server: Gunicorn, count: int) -> None:
    """Wait until the workers hold `count` orders, stalled (on PostgreSQL: at the item row)."""
    wait_until(lambda: sum(server.requests_held().values()) == count, f"{count} orders in flight")
    if sale.engine.dialect.name == "postgresql":
        wait_until(lambda: len(lock_waiters(sale)) == count, f"{count} orders at the item row")


def lock_waiters(sale: Sale) -> list[int]:
    """PostgreSQL backends of the test database that wait for a lock."""
    with sale.engine.connect() as conn:  # a new transaction: pg_stat_activity is not cached
        return conn.execute(text(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'")).scalars().all()


def drop_connections(sale: Sale, backends: list[int]) -> None:
    """Terminate these PostgreSQL backends: their clients lose the connection mid-request."""
    with sale.engine.connect() as conn:
        for pid in backends:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
