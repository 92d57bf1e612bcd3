"""Pure engagement rules: streak ladder, activity periods, share-visit refusals."""

from datetime import date


def ladder_points(ladder: list[int], streak: int) -> int:
    """Points for day `streak` of a streak; the ladder starts over after its last step."""
    return ladder[(streak - 1) % len(ladder)]


def period_key(period: str, day: date) -> str:
    """The activity period that a local day falls in (day, month, year or lifetime)."""
    return {"day": day.isoformat(), "month": day.strftime("%Y-%m"),
            "year": str(day.year), "lifetime": "lifetime"}[period]


def visit_refusal(*, sharer_active: bool, rewarded_today: int, cap: int) -> str | None:
    """Why a first visit by another member today earns the sharer nothing, or None."""
    if not sharer_active:
        return "sharer_inactive"
    if rewarded_today >= cap:
        return "daily_cap_reached"
    return None
