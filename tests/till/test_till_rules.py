"""The till's arithmetic, without a database."""

import pytest

from loyalty.rules import DEFAULT_RULES
from till import rules

RULES = DEFAULT_RULES["till"]


def test_a_bill_takes_at_most_half_in_whole_steps():
    # 100 yuan bill: half is 5000 fen = 1000 points at 5 fen each
    assert rules.max_points(balance=5_000, amount_fen=10_000, category=None, rules=RULES) == 1000
    assert rules.max_points(balance=5_000, amount_fen=9_999, category=None, rules=RULES) == 900


def test_the_balance_caps_the_points_down_to_a_step():
    assert rules.max_points(balance=350, amount_fen=10**6, category=None, rules=RULES) == 300


def test_below_the_minimum_nothing_can_be_spent():
    assert rules.max_points(balance=99, amount_fen=10**6, category=None, rules=RULES) == 0
    assert rules.max_points(balance=500, amount_fen=199, category=None, rules=RULES) == 0


def test_excluded_categories_and_a_switched_off_till_take_no_points():
    excluded = {**RULES, "excluded_categories": ["surgery"]}
    assert rules.max_points(balance=500, amount_fen=10**6, category="surgery",
                            rules=excluded) == 0
    assert rules.max_points(balance=500, amount_fen=10**6, category=None,
                            rules={**RULES, "enabled": False}) == 0


@pytest.mark.parametrize(("points", "balance", "amount", "code"), [
    (150, 1000, 10**6, "VALIDATION_ERROR"),
    (2000, 1000, 10, "INSUFFICIENT_POINTS"),  # short wins over the share limit
    (1000, 5000, 10_000, None),
    (1100, 5000, 10_000, "LIMIT_EXCEEDED"),
])
def test_refusals_name_the_first_rule_broken(points, balance, amount, code):
    assert rules.refusal(points=points, balance=balance, amount_fen=amount, category=None,
                         rules=RULES) == code


def test_returns_round_cumulatively_so_a_full_refund_returns_every_point():
    used, cash, returned = 700, 30_000, 0
    for refunded in (10_000, 20_000, 30_000):
        returned += rules.points_to_return(used=used, cash_fen=cash, refunded_fen=refunded,
                                           returned=returned)
    assert returned == 700
    assert rules.points_to_return(used=700, cash_fen=30_000, refunded_fen=10_000,
                                  returned=0) == 233
