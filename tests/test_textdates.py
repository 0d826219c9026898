"""The day an article says its news happened: found in its words, resolved by its date."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.grouping.textdates import (
    Day,
    conflict,
    event_day,
    latest_year,
    mentions,
    resolve,
    years_apart,
)
from monitor.text.normalise import Words, clean, tokens


def words(text: str, title: str = "") -> Words:
    return Words.of(title, text)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("A jury on Thursday found", [Day(weekday=3)]),
        ("Thursday's verdict", [Day(weekday=3)]),
        ("filed Jan. 21, 2021, in Delaware", [Day(month=1, day=21, year=2021, stated=True)]),
        ("on April 7th the judge", [Day(month=4, day=7, stated=True)]),
        ("ruled on 7 April 2021", [Day(month=4, day=7, year=2021, stated=True)]),
        ("the judge ruled yesterday", [Day(ago=1)]),
        ("may 5 ruling", [Day(month=5, day=5, stated=True)]),
        ("a May poll", []),
        ("pushed back to Tuesday, the court said on Sunday", [Day(weekday=6)]),
        ("must close by Oct. 28", []),
        ("until Friday", []),
        ("on Tuesday and again on Friday", [Day(weekday=1), Day(weekday=4)]),
        ("march 40 and 2021", []),
    ],
)
def test_days_named_in_text(text: str, found: list[Day]) -> None:
    assert [day for _, day in mentions(tokens(clean(text)))] == found


def test_a_weekday_is_the_latest_such_day_on_or_before_publication() -> None:
    friday = date(2012, 8, 24)
    assert resolve(Day(weekday=4), friday).exact == friday
    assert resolve(Day(weekday=3), friday).exact == date(2012, 8, 23)
    assert resolve(Day(weekday=5), friday).exact == date(2012, 8, 18)
    assert resolve(Day(ago=1), friday).exact == date(2012, 8, 23)


def test_a_day_is_stated_when_the_text_names_its_month_and_day() -> None:
    friday = date(2012, 8, 24)
    assert not resolve(Day(weekday=3), friday).stated
    assert not resolve(Day(ago=1), friday).stated
    assert resolve(Day(month=8, day=23, stated=True), friday).stated
    assert event_day(words("Filed on Aug. 23, the suit says"), friday).stated
    assert not event_day(words("Filed on Thursday, the suit says"), friday).stated


def test_a_month_and_day_is_the_nearest_such_date() -> None:
    assert resolve(Day(month=12, day=30), date(2021, 1, 2)).exact == date(2020, 12, 30)
    assert resolve(Day(month=1, day=3), date(2020, 12, 30)).exact == date(2021, 1, 3)
    assert resolve(Day(month=2, day=29), date(2023, 3, 1)).exact == date(2024, 2, 29)
    assert resolve(Day(month=2, day=30), date(2023, 3, 1)) == Day(month=2, day=30)  # none
    exact = resolve(Day(month=1, day=21, year=2021), None)
    assert exact.exact == date(2021, 1, 21) and exact.weekday == 3


def test_the_lede_names_the_day_of_the_news_and_the_title_only_when_it_does_not() -> None:
    text = "A federal jury on Monday found for Google. " + "word " * 20 + "on Friday."
    assert event_day(words(text)) == Day(weekday=0)
    assert event_day(words(text), date(2012, 5, 8)).exact == date(2012, 5, 7)
    assert event_day(words("No day here.", "Judge rules Friday")) == Day(weekday=4)
    late = "word " * 100 + "on Monday"
    assert event_day(words(late)) is None
    assert event_day(words("The court ruled yesterday.")) is None  # yesterday of what?
    assert event_day(words("The court ruled yesterday."), date(2021, 4, 6)).exact == \
        date(2021, 4, 5)


def test_days_conflict_only_when_known_well_enough_to_differ() -> None:
    monday, tuesday = Day(weekday=0), Day(weekday=1)
    assert conflict(monday, tuesday) and not conflict(monday, monday)
    assert not conflict(monday, None) and not conflict(None, None)
    assert not conflict(monday, Day(month=5, day=7))  # cannot tell
    assert conflict(Day(month=5, day=7), Day(month=5, day=8))
    assert not conflict(Day(month=5, day=7), Day(month=5, day=7, year=2012))
    assert conflict(Day(month=5, day=7, year=2012), Day(month=5, day=7, year=2014))
    may7 = resolve(Day(weekday=0), date(2012, 5, 7))
    may8 = resolve(Day(weekday=1), date(2012, 5, 8))
    assert conflict(may7, may8) and not conflict(may7, resolve(Day(month=5, day=7), None))
    assert conflict(may7, Day(weekday=1))  # a date and a weekday


def test_a_dateline_is_not_the_day_of_the_news() -> None:
    text = "News 23 January 2021 | The lawsuit was filed on Wednesday in federal court."
    assert event_day(words(text)) == Day(weekday=2)


def test_the_latest_year_named_and_years_apart() -> None:
    assert latest_year(words("The 2012 trial ended in a split verdict; in 2016 a jury")) == 2016
    assert latest_year(words("No year here, only 300 pages and 12 claims.")) is None
    assert years_apart(2018, [2012, 2012])
    assert not years_apart(2013, [2012])
    assert not years_apart(None, [2012]) and not years_apart(2018, [])
