"""Pure care rules: pro-rata refunds and follow-up dates, without a database."""

from datetime import date

import pytest

from care.rules import due_dates, follow_up_status, is_care_category, refund_share


def test_an_unused_package_refunds_the_whole_price_and_every_point():
    assert refund_share(price_fen=99_900, points=333, sessions_total=10,
                        sessions_unused=10) == (99_900, 333)


def test_used_sessions_stay_paid_and_the_rest_comes_back_rounded_down():
    assert refund_share(price_fen=1000, points=100, sessions_total=3,
                        sessions_unused=2) == (666, 66)
    assert refund_share(price_fen=1000, points=0, sessions_total=10,
                        sessions_unused=7) == (700, 0)


def test_a_used_up_package_refunds_nothing():
    assert refund_share(price_fen=500, points=50, sessions_total=5, sessions_unused=0) == (0, 0)


@pytest.mark.parametrize("total, unused", [(3, 4), (3, -1), (0, 0)])
def test_impossible_session_counts_are_refused(total, unused):
    with pytest.raises(ValueError):
        refund_share(price_fen=1, points=1, sessions_total=total, sessions_unused=unused)


def test_follow_ups_fall_due_the_given_days_after_the_local_order_day():
    assert due_dates(date(2026, 11, 30), [90, 3, 21, 3]) == [
        (3, date(2026, 12, 3)), (21, date(2026, 12, 21)), (90, date(2027, 2, 28))]


def test_a_follow_up_is_scheduled_then_due_on_its_day_then_overdue():
    due_on = date(2026, 12, 3)
    assert [follow_up_status(due_on, date(2026, 12, d)) for d in (2, 3, 4)] == [
        "scheduled", "due", "overdue"]


def test_only_the_merchants_care_categories_are_followed_up():
    rules = {"categories": ["treatment"]}
    assert is_care_category("treatment", rules)
    assert not is_care_category("retail", rules) and not is_care_category(None, rules)
