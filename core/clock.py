"""Injectable time: tests replace the clock through the app config (CLOCK)."""

import calendar
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


def now() -> datetime:
    """The current time in UTC, from the app's clock when there is one."""
    if has_app_context():
        return current_app.config.get("CLOCK", system_clock)()
    return system_clock()


def local_date(moment: datetime, timezone: str) -> date:
    """The calendar day of `moment` in the merchant's timezone."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def local_midnight(day: date, timezone: str) -> datetime:
    """The UTC moment a calendar day begins in the merchant's timezone."""
    return datetime.combine(day, time(), ZoneInfo(timezone)).astimezone(UTC)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later, clamped to the month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
