"""Reporting periods in the merchant's timezone, and bucketing of UTC hours into them."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func

from core.clock import now
from core.errors import ValidationFailed

MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """Local dates [start, end] and the UTC instants [since, until) they cover."""

    start: date
    end: date
    since: datetime
    until: datetime


def local_range(timezone: str, start: date | None, end: date | None) -> Period:
    """[start 00:00, end+1 00:00) local, in UTC; the default is the last 30 local days."""
    zone = ZoneInfo(timezone)
    today = now().astimezone(zone).date()
    end = end or today
    start = start or end - timedelta(days=29)
    if start > end:
        raise ValidationFailed(details={"from": ["Must not be after `to`."]})
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed(details={"from": [f"At most {MAX_DAYS} days."]})
    return Period(start, end, datetime.combine(start, time(), zone).astimezone(UTC),
                  datetime.combine(end + timedelta(days=1), time(), zone).astimezone(UTC))


def hour_bucket(column, dialect: str):
    """An SQL expression truncating a UTC timestamp to its hour, on either database."""
    if dialect == "postgresql":
        return func.date_trunc("hour", column)
    return func.strftime("%Y-%m-%d %H:00:00", column)


def as_utc(value) -> datetime:
    """A bucket value (datetime on PostgreSQL, text on SQLite) as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def bucket_start(moment: datetime, timezone: str, size: str) -> date:
    """The local day, ISO week (Monday) or month a UTC moment falls in."""
    day = moment.astimezone(ZoneInfo(timezone)).date()
    if size == "week":
        return day - timedelta(days=day.weekday())
    if size == "month":
        return day.replace(day=1)
    return day
