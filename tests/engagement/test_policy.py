from datetime import date

from engagement.policy import ladder_points, period_key, visit_refusal

LADDER = [5, 5, 10, 10, 15, 15, 30]


def test_the_ladder_pays_by_streak_day_and_starts_over_after_its_last_step():
    assert [ladder_points(LADDER, day) for day in range(1, 16)] == \
        [5, 5, 10, 10, 15, 15, 30, 5, 5, 10, 10, 15, 15, 30, 5]


def test_activity_periods_are_local_day_month_year_or_lifetime():
    day = date(2026, 11, 25)
    assert [period_key(p, day) for p in ("day", "month", "year", "lifetime")] == \
        ["2026-11-25", "2026-11", "2026", "lifetime"]


def test_a_visit_earns_only_for_an_active_sharer_under_the_cap():
    assert visit_refusal(sharer_active=True, rewarded_today=4, cap=5) is None
    assert visit_refusal(sharer_active=True, rewarded_today=5, cap=5) == "daily_cap_reached"
    assert visit_refusal(sharer_active=False, rewarded_today=0, cap=5) == "sharer_inactive"
    assert visit_refusal(sharer_active=True, rewarded_today=0, cap=0) == "daily_cap_reached"
