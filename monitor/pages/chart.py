"""A case's developments and press coverage per week, as the bars of an SVG chart.

`weekly` is pure: it counts a case's items by the week (Monday to Sunday) of their date
and lays the counts out as rectangles; the case page's template draws them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

WIDTH = 720  # px the weeks share; a week gets 12 to 36 of them
BAR = 6
LABEL = 44  # px a month label needs
HEIGHT = 96  # px of the tallest bar
TOP, BOTTOM, LEFT = 14, 18, 28  # room for the value scale and the month labels
SERIES = ("developments", "articles")


@dataclass(frozen=True, slots=True)
class Bar:
    series: str
    x: int
    y: int
    height: int
    value: int
    title: str
    width: int


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[int, str]]  # (x, month) under the first week of each month shown
    top: int  # the scale's largest value
    weeks: int
    totals: dict[str, int]
    base: int = TOP + HEIGHT  # y of the axis
    top_y: int = TOP + 4  # y of the scale's largest value
    left: int = LEFT


def _monday(when: str) -> date | None:
    try:
        day = date.fromisoformat(when[:10])
    except ValueError:
        return None
    return day - timedelta(days=day.weekday())


def weekly(activity: Iterable[tuple[str, str, bool, int]], *,
           weeks: int = 52) -> Chart | None:
    """The chart of items counted as (date, kind, begins a development, how many): per
    week, the developments begun and the articles published, over the last `weeks` weeks
    with any (None when there is nothing to draw)."""
    counts: dict[str, Counter[date]] = {name: Counter() for name in SERIES}
    for when, kind, begins, count in activity:
        monday = _monday(when)
        if monday is None:
            continue
        if begins:
            counts["developments"][monday] += count
        if kind == "news":
            counts["articles"][monday] += count
    mondays = set(counts["developments"]) | set(counts["articles"])
    if not mondays:
        return None
    last = max(mondays)
    first = max(min(mondays), last - timedelta(weeks=weeks - 1))
    span = (last - first).days // 7 + 1
    slot = max(12, min(36, WIDTH // span))
    bar = max(BAR, slot * 2 // 5)
    top = max(max(c.values(), default=0) for c in counts.values())
    bars: list[Bar] = []
    labels: list[tuple[int, str]] = []
    for n in range(span):
        monday = first + timedelta(weeks=n)
        x = LEFT + n * slot
        if (n == 0 or monday.day <= 7) and (not labels or x - labels[-1][0] >= LABEL):
            labels.append((x, monday.strftime("%b %Y" if not labels or monday.month == 1
                                              else "%b")))
        for offset, name in enumerate(SERIES):
            value = counts[name][monday]
            if not value:
                continue
            height = max(2, round(HEIGHT * value / top))
            noun = name if value != 1 else name.removesuffix("s")
            bars.append(Bar(name, x + offset * bar, TOP + HEIGHT - height, height, value,
                            f"week of {monday.isoformat()}: {value} {noun}", bar))
    totals = {name: sum(
        v for m, v in counts[name].items() if m >= first) for name in SERIES}
    return Chart(width=LEFT + span * slot + 4, height=TOP + HEIGHT + BOTTOM, bars=bars,
                 labels=labels, top=top, weeks=span, totals=totals)
