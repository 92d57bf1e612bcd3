"""Pure rules of clinic care: pro-rata refunds and follow-up due dates (no database)."""

from datetime import date, timedelta

DEFAULT_FOLLOW_UP_DAYS = (3, 21, 90)


def refund_share(*, price_fen: int, points: int, sessions_total: int,
                 sessions_unused: int) -> tuple[int, int]:
    """(cash fen, points) back for the unused sessions; used sessions stay paid.

    Rounds down, so the clinic keeps the fraction of a fen or point; with no session used
    the whole price and every point come back exactly."""
    if not 0 <= sessions_unused <= sessions_total or sessions_total < 1:
        raise ValueError("sessions_unused must lie between 0 and sessions_total (≥ 1)")
    return (price_fen * sessions_unused // sessions_total,
            points * sessions_unused // sessions_total)


def due_dates(local_day: date, follow_up_days) -> list[tuple[int, date]]:
    """(days, due date) for each follow-up of an order made on `local_day`."""
    return [(days, local_day + timedelta(days=days)) for days in sorted(set(follow_up_days))]


def follow_up_status(due_on: date, today: date, overdue_after_days: int = 0) -> str:
    """scheduled before the due day, due on it, overdue after it."""
    if today < due_on:
        return "scheduled"
    return "due" if today <= due_on + timedelta(days=overdue_after_days) else "overdue"


def is_care_category(category: str | None, care_rules: dict) -> bool:
    """True when an order's category is one the merchant follows up."""
    return category is not None and category in care_rules.get("categories", [])
