"""The mall's pure rules: no database, no Redis."""

from datetime import UTC, datetime

import pytest

from core.errors import Conflict
from mall.items import remaining_limit
from mall.models import Item, Order
from mall.stock import day_number


@pytest.mark.parametrize("status,action,after", [
    ("pending_payment", "pay", "paid"), ("paid", "ship", "shipped"),
    ("shipped", "complete", "completed"), ("paid", "complete", "completed"),
    ("pending_payment", "cancel", "cancelled"), ("paid", "cancel", "cancelled"),
    ("paid", "refund", "refunded"), ("shipped", "refund", "refunded"),
    ("completed", "refund", "refunded"),
])
def test_legal_transitions_move_the_order_and_stamp_the_time(app, status, action, after):
    order = Order(status=status)
    with app.app_context():
        assert order.advance(action) is True
    assert order.status == after and getattr(order, f"{after}_at") is not None


@pytest.mark.parametrize("status,action", [
    ("pending_payment", "ship"), ("pending_payment", "refund"), ("shipped", "cancel"),
    ("cancelled", "pay"), ("cancelled", "refund"), ("refunded", "cancel"),
    ("completed", "ship"),
])
def test_illegal_transitions_are_conflicts(status, action):
    with pytest.raises(Conflict):
        Order(status=status).advance(action)


def test_repeating_a_transition_changes_nothing():
    order = Order(status="shipped")
    assert order.advance("ship") is False and order.shipped_at is None


def test_the_remaining_limit_is_the_tightest_of_the_three():
    item = Item(limit_per_order=5, limit_per_member_day=3, limit_per_member_total=10)
    assert remaining_limit(item, total=8, today=1) == 2
    assert remaining_limit(item, total=0, today=0) == 3
    assert remaining_limit(item, total=11, today=0) == 0
    assert remaining_limit(Item(), total=99, today=99) is None


def test_day_numbers_follow_the_merchants_calendar():
    before = datetime(2026, 11, 24, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    after = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    assert day_number(after, "Asia/Shanghai") == day_number(before, "Asia/Shanghai") + 1
    assert day_number(after, "UTC") == day_number(before, "UTC")
