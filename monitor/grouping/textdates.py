"""The day an article says its news happened, read from its own words.

News names the day of the event it reports early and plainly: "A federal jury on
Thursday found...", "The complaint, filed Jan. 21, 2021...", "Judge Koh ruled
yesterday". `mentions` finds such day expressions in normalised words (weekdays,
month and day with an optional year, "today" and "yesterday"); `event_day` takes the
first one of the text (the lede names the news; later mentions are background, and
a day after "until", "by", "to"... is a deadline; a full date opening the text is its
dateline) and, when the article's publication date is known, resolves it to a calendar
date (a weekday is the latest such day on or before publication, a month and day the
nearest such date). Without a publication date it stays partial: a weekday, or a month
and day. Two days `conflict` when they are known well enough to differ. A day is
`stated` when the text names its month and day: a weekday or "yesterday" placed by the
publication date is only as good as that date.

Grouping uses it both ways: a dated article that names the date a development's
articles name joins it on less shared wording (and, when both state it, outside the
time window); an
undated one that names another day never joins it, nor one whose articles' latest
named year (`latest_year`) is two or more years from its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from monitor.text.normalise import Words

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = {name: n for n, name in enumerate(WEEKDAYS)}
_MONTH = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}
# words before a day that make it another day than the news's own
_NOT_THE_EVENT = frozenset({"next", "until", "till", "by", "before", "after", "since", "from",
                            "to", "for", "through", "deadline"})
_RELATIVE = {"today": 0, "tonight": 0, "yesterday": 1}
LEDE = 80  # words of the text that may name the day of its news
DATELINE = 6  # a full date in the text's first words is when it was written, not the news
YEARS_APART = 2  # latest years named this far apart: news of different times


@dataclass(frozen=True, slots=True)
class Day:
    """A day as precisely as the text (and the publication date) tell it."""

    weekday: int | None = None  # 0 Monday … 6 Sunday
    month: int | None = None
    day: int | None = None
    year: int | None = None
    ago: int | None = None  # "today" 0, "yesterday" 1: days before publication
    stated: bool = False  # the text names the month and day itself, not a weekday

    @property
    def exact(self) -> date | None:
        if self.year is None or self.month is None or self.day is None:
            return None
        try:
            return date(self.year, self.month, self.day)
        except ValueError:
            return None


def _day_number(word: str) -> int | None:
    if word.isdigit() and len(word) <= 2 and 1 <= int(word) <= 31:
        return int(word)
    for suffix in ("st", "nd", "rd", "th"):  # "April 7th"
        if word.endswith(suffix) and word[:-2].isdigit() and 1 <= int(word[:-2]) <= 31:
            return int(word[:-2])
    return None


def _year(word: str) -> int | None:
    return int(word) if word.isdigit() and len(word) == 4 and 1900 <= int(word) <= 2100 \
        else None


def mentions(words: Sequence[str]) -> list[tuple[int, Day]]:
    """Each day named in normalised words, with the position of its first word."""
    found: list[tuple[int, Day]] = []
    n = len(words)
    i = 0
    while i < n:
        word = words[i]
        if i > 0 and words[i - 1] in _NOT_THE_EVENT:
            i += 1
            continue
        if word in _WEEKDAY:
            found.append((i, Day(weekday=_WEEKDAY[word])))
        elif word in _RELATIVE:
            found.append((i, Day(ago=_RELATIVE[word])))
        elif word in _MONTH and i + 1 < n and (day := _day_number(words[i + 1])) is not None:
            # "April 7", "Jan 21 2021"; "may" only before a plain day number
            if word != "may" or words[i + 1].isdigit():
                year = _year(words[i + 2]) if i + 2 < n else None
                found.append((i, Day(month=_MONTH[word], day=day, year=year, stated=True)))
                i += 3 if year else 2
                continue
        elif (day := _day_number(word)) is not None and i + 1 < n and words[i + 1] in _MONTH \
                and words[i + 1] != "may":  # "7 April 2021"
            year = _year(words[i + 2]) if i + 2 < n else None
            found.append((i, Day(month=_MONTH[words[i + 1]], day=day, year=year,
                                   stated=True)))
            i += 3 if year else 2
            continue
        i += 1
    return found


def resolve(day: Day, published: date | None) -> Day:
    """The day made as exact as a known publication date allows."""
    if (exact := day.exact) is not None:
        return replace(day, weekday=exact.weekday())
    if published is None:
        return day
    if day.ago is not None:
        when = published - timedelta(days=day.ago)
    elif day.weekday is not None:  # the latest such weekday on or before publication
        when = published - timedelta(days=(published.weekday() - day.weekday) % 7)
    elif day.month is not None and day.day is not None:  # the nearest such date
        options = []
        for year in (published.year - 1, published.year, published.year + 1):
            try:
                options.append(date(year, day.month, day.day))
            except ValueError:
                continue
        if not options:
            return day
        when = min(options, key=lambda d: abs(d - published))
    else:
        return day
    return Day(weekday=when.weekday(), month=when.month, day=when.day, year=when.year,
               stated=day.stated)


def event_day(words: Words, published: date | None = None) -> Day | None:
    """The day the article's news happened, by the first day its lede names (the title
    when the text names none), resolved against the publication date when known."""
    for seq in (words.body[:LEDE], words.title):
        found = [(i, day) for i, day in mentions(seq)
                 if not (seq is words.body and i < DATELINE and day.year is not None)]
        if found:
            day = found[0][1]
            if day.ago is not None and published is None:
                return None  # "yesterday" of an unknown day says nothing
            return resolve(day, published)
    return None


def conflict(a: Day | None, b: Day | None) -> bool:
    """Whether two days are known well enough to be different days."""
    if a is None or b is None:
        return False
    if (x := a.exact) is not None and (y := b.exact) is not None:
        return x != y
    if a.weekday is not None and b.weekday is not None and a.weekday != b.weekday:
        return True
    if a.month is not None and b.month is not None and a.day is not None \
            and b.day is not None:
        if (a.month, a.day) != (b.month, b.day):
            return True
        return a.year is not None and b.year is not None and a.year != b.year
    return False


def latest_year(words: Words) -> int | None:
    """The latest year the text names: its news happened that year or later. Articles
    recap a case's history by year ("the 2012 trial"), so two whose latest years lie
    `YEARS_APART` or more apart tell of different times."""
    years = [year for word in words.body if (year := _year(word)) is not None]
    return max(years) if years else None


def years_apart(year: int | None, others: Sequence[int]) -> bool:
    """Whether `year` lies `YEARS_APART` or more from the latest of `others`."""
    return year is not None and bool(others) and abs(year - max(others)) >= YEARS_APART
