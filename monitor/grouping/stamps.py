"""What an item's date is worth to grouping: a date in the future is none, and a feed
that stamps all its items alike gives no dates at all; an undated item new soon after a
successful poll is dated by its arrival (`ARRIVAL_BOUND`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from feeds.base import Item

FUTURE_SLACK = timedelta(days=1)  # time zones and clock skew; later dates are not believed
# An item with no date of its own, new in a poll that follows a successful one of its
# source at most this long before, was published since: grouping dates it by its arrival.
ARRIVAL_BOUND = timedelta(days=1)
# Several items of one response all dated within ONE_STAMP of one another: the feed gives
# one time (its build's or the fetch's) to every item, not dates; its items are undated.
ONE_STAMP = timedelta(minutes=5)
ONE_STAMP_ITEMS = 3


def believable(moment: datetime | None, now: datetime) -> datetime | None:
    """A published date, unless it lies in the future (a feed dated 2200): then none."""
    if moment is not None and moment > now + FUTURE_SLACK:
        return None
    return moment


def one_stamp(items: list[Item], *, unchanged: int = 0) -> bool:
    """Several news items, all dated within ONE_STAMP of one another: not dates at all.

    Only a whole response says so (`unchanged`: items as in the last one, not read
    again): a busy feed's few new items of one burst, beside the ones it kept, are news
    of a few minutes, while a feed that stamps its items alike, with one time or with
    the time of each fetch, changes or brings them all at once."""
    times = [i.published for i in items if i.docket is None]
    if unchanged or len(times) < ONE_STAMP_ITEMS or any(t is None for t in times):
        return False
    known = [t for t in times if t is not None]
    return max(known) - min(known) <= ONE_STAMP


def undated(items: list[Item], *, unchanged: int = 0) -> list[Item]:
    """The items without the dates a feed that stamps them all alike gives them (a new
    list), else `items` itself."""
    return [replace(i, published=None) for i in items] \
        if one_stamp(items, unchanged=unchanged) else items
