"""Cron schedules in a time zone: validation and "when did it last fire"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

CATCH_UP_WINDOW = timedelta(days=8)  # enough to find the latest of any weekly schedule


def check_timezone(name: str) -> str | None:
    """None if `name` is an IANA time zone, else what is wrong with it."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f'unknown time zone "{name}" (expected an IANA name such as "Europe/Berlin")'
    return None


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _day(text: str) -> int:
    if text.isdigit() and int(text) <= 7:
        return int(text)
    if text.lower() in _DAYS:
        return _DAYS.index(text.lower())
    raise ValueError(f'"{text}" is not a weekday (0-7 or sun-sat)')


def crontab_weekdays(field: str) -> str:
    """A crontab weekday field (0 or 7 = Sunday, 1 = Monday) as APScheduler day names.

    APScheduler 3 counts weekdays from Monday = 0, so "1-5" left as it is would mean
    Tuesday to Saturday; day names mean the same to both.
    """
    days: set[int] = set()
    for part in field.split(","):
        span, slash, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else 0
        if slash and not step:
            raise ValueError(f'"{part}" has a bad step')
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            low, high = (_day(x) for x in span.split("-", 1))
        else:
            low = _day(span)
            high = 7 if slash else low
        if low > high:
            raise ValueError(f'"{span}" is an empty range')
        days.update(day % 7 for day in range(low, high + 1, step or 1))
    return ",".join(_DAYS[day] for day in sorted(days))


def digest_trigger(expression: str, timezone: str) -> CronTrigger:
    """The schedule of a 5-field crontab expression in a time zone; ValueError if invalid."""
    from apscheduler.triggers.cron import CronTrigger

    try:
        fields = expression.split()
        if len(fields) == 5:  # else from_crontab says how many it got
            fields[4] = crontab_weekdays(fields[4])
        return CronTrigger.from_crontab(" ".join(fields), timezone=timezone)
    except ValueError as exc:
        raise ValueError(f'invalid cron expression "{expression}": {exc} '
                         "(expected 5 fields: minute hour day month weekday)") from None


def latest_fire(trigger: CronTrigger, start: datetime, now: datetime) -> datetime | None:
    """The latest fire time in [start, now] (UTC), or None."""
    first = trigger.get_next_fire_time(None, start)
    if first is None or first > now:
        return None
    latest = first
    probe = trigger.get_next_fire_time(None, max(first, now - CATCH_UP_WINDOW))
    while probe is not None and probe <= now:
        latest = max(latest, probe)
        probe = trigger.get_next_fire_time(probe, probe + timedelta(seconds=1))
    return latest.astimezone(UTC)
