"""The wallet's arithmetic, without a database: plans, payment splits, refund parts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wallet.split import (
    Parts,
    find_plan,
    refund_split,
    split_payment,
    topup_parts,
    topup_refund_parts,
)

PLAN = {"code": "t1000", "name": "1000", "amount_fen": 100_000, "gift_fen": 10_000,
        "bonus_points": 500}


def test_a_plan_top_up_is_principal_plus_its_gift_and_points():
    assert topup_parts(100_000, PLAN) == (100_000, 10_000, 500)
    assert topup_parts(12_345, None) == (12_345, 0, 0)
    assert find_plan([PLAN], "t1000") is PLAN
    assert find_plan([PLAN], "nope") is None


def test_proportional_split_takes_both_parts_and_rounds_the_gift_up():
    assert split_payment(1_000, 100_000, 10_000, "proportional") == Parts(909, 91)
    assert split_payment(110_000, 100_000, 10_000, "proportional") == Parts(100_000, 10_000)
    assert split_payment(1, 3, 0, "proportional") == Parts(1, 0)


def test_gift_first_and_principal_first_exhaust_one_part_before_the_other():
    assert split_payment(15_000, 100_000, 10_000, "gift_first") == Parts(5_000, 10_000)
    assert split_payment(300, 100_000, 10_000, "gift_first") == Parts(0, 300)
    assert split_payment(105_000, 100_000, 10_000, "principal_first") == Parts(100_000, 5_000)
    assert split_payment(300, 100_000, 10_000, "principal_first") == Parts(300, 0)


def test_a_payment_beyond_the_balance_is_refused():
    with pytest.raises(ValueError):
        split_payment(11, 5, 5, "proportional")


@given(st.integers(0, 10**10), st.integers(0, 10**10), st.data(),
       st.sampled_from(["proportional", "gift_first", "principal_first"]))
def test_every_split_adds_up_and_never_overdraws_a_part(principal, gift, data, order):
    amount = data.draw(st.integers(0, principal + gift))
    parts = split_payment(amount, principal, gift, order)
    assert parts.total == amount
    assert 0 <= parts.principal_fen <= principal and 0 <= parts.gift_fen <= gift


@given(st.integers(0, 10**8), st.integers(0, 10**8), st.data())
def test_partial_refunds_that_add_up_return_exactly_both_parts(principal, gift, data):
    paid = Parts(principal, gift)
    if paid.total == 0:
        return
    cuts = sorted(data.draw(st.lists(st.integers(1, paid.total - 1), max_size=6)
                            ) if paid.total > 1 else [])
    amounts = [b - a for a, b in zip([0, *cuts], [*cuts, paid.total], strict=True) if b > a]
    refunded, given_back = 0, Parts(0, 0)
    for amount in amounts:
        part = refund_split(paid, refunded, amount, given_back)
        assert part.total == amount and part.principal_fen >= 0 and part.gift_fen >= 0
        refunded += amount
        given_back = Parts(given_back.principal_fen + part.principal_fen,
                           given_back.gift_fen + part.gift_fen)
    assert given_back == paid


def test_a_refund_beyond_the_payment_is_refused():
    with pytest.raises(ValueError):
        refund_split(Parts(90, 10), 60, 41, Parts(54, 6))


def test_a_top_up_refund_never_takes_more_than_the_wallet_holds():
    assert topup_refund_parts(Parts(100_000, 10_000), Parts(300_000, 4_000)) == Parts(100_000,
                                                                                      4_000)
    assert topup_refund_parts(Parts(100_000, 10_000), Parts(2_500, 20_000)) == Parts(2_500,
                                                                                     10_000)
