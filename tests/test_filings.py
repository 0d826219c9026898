"""The rules that link a filing and the news reporting it (`monitor.grouping.filings`),
each on its own; through the pipeline in test_court_and_press.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from monitor.grouping.events import sides
from monitor.grouping.filings import (
    AHEAD,
    REPORTED_WITHIN,
    Coverage,
    Filing,
    Link,
    article_steps,
    in_time,
    link_article,
    link_filing,
    names_sides,
)

FILED = datetime(2021, 1, 20, 22, 58, tzinfo=UTC)
COMPLAINT = Filing("dev-complaint", "complaint_filed", FILED, FILED)
AMENDED = Filing("dev-amended", "amended_complaint", FILED + timedelta(days=2),
                 FILED + timedelta(days=2))
STEPS = frozenset({"complaint_filed"})


def coverage(dev_id: str = "dev-news", steps: frozenset[str] = STEPS,
             first: datetime = FILED + timedelta(hours=16), *, named: bool = True,
             filed: bool = False, stated: frozenset[date] = frozenset()) -> Coverage:
    return Coverage(dev_id, steps, first, stated, named, filed)


@pytest.mark.parametrize(("after", "fits"), [
    (timedelta(hours=16), True),
    (REPORTED_WITHIN, True),
    (REPORTED_WITHIN + timedelta(minutes=1), False),
    (-AHEAD, True),
    (-AHEAD - timedelta(minutes=1), False),
])
def test_news_reports_a_filing_after_it_within_the_window(after: timedelta, fits: bool) -> None:
    assert in_time(FILED, FILED + after) is fits


def test_news_stating_the_filing_date_reports_it_later_but_never_before() -> None:
    assert in_time(FILED, FILED + timedelta(days=20), [FILED.date()])
    assert not in_time(FILED, FILED + timedelta(days=20), [FILED.date() + timedelta(days=1)])
    assert not in_time(FILED, FILED - timedelta(days=3), [FILED.date()])


@pytest.mark.parametrize(("caption", "words", "named"), [
    ("John Doe v. Twitter, Inc.", "twitter sued by doe", True),
    ("John Doe v. Twitter, Inc.", "judge dismisses suit against twitter", False),
    ("United States v. Comeaux", "comeaux sentenced", True),  # the government need not be named
    ("People of the State of California v. Uber", "uber settles", True),
    ("In re Google Privacy Litigation", "google settles", True),  # no two sides to ask for
])
def test_an_article_must_name_both_sides(caption: str, words: str, named: bool) -> None:
    assert names_sides(words.split(), sides([caption])) is named


def test_an_articles_step_is_its_headlines_else_its_texts() -> None:
    assert article_steps("ruling", "motion") == {"ruling"}
    assert article_steps(None, "motion") == {"motion"}
    assert article_steps(None, None) == frozenset()


def test_an_article_joins_the_one_filing_it_reports() -> None:
    when = FILED + timedelta(days=1)
    assert link_article(STEPS, when, (), True, [COMPLAINT]) == Link("dev-complaint")
    # the same step comes before a compatible one ("sued" reports an amended complaint too)
    assert link_article(STEPS, when, (), True, [COMPLAINT, AMENDED]) == Link("dev-complaint")
    assert link_article(frozenset({"amended_complaint"}), when + timedelta(days=2), (), True,
                        [COMPLAINT, AMENDED]) == Link("dev-amended")


@pytest.mark.parametrize(("steps", "when", "named"), [
    (frozenset({"ruling"}), FILED + timedelta(days=1), True),  # another step
    (STEPS, FILED + timedelta(days=9), True),  # too late
    (STEPS, None, True),  # undated
    (STEPS, FILED + timedelta(days=1), False),  # one side unnamed
])
def test_weak_evidence_links_nothing(steps: frozenset[str], when: datetime | None,
                                     named: bool) -> None:
    link = link_article(steps, when, (), named, [COMPLAINT])
    assert link.development_id is None
    # the same step at another time, or unnamed, is still said to be possibly related
    assert link.related == (None if steps != STEPS else "dev-complaint")


def test_two_filings_of_the_same_step_are_ambiguous() -> None:
    other = Filing("dev-other", "complaint_filed", FILED + timedelta(hours=2), FILED)
    link = link_article(STEPS, FILED + timedelta(days=1), (), True, [COMPLAINT, other])
    assert link.development_id is None and link.related in {"dev-complaint", "dev-other"}


def test_a_filing_joins_the_one_development_the_press_told_of_it() -> None:
    assert link_filing("complaint_filed", FILED, [coverage()]) == Link("dev-news")
    # press before the entry's date, within AHEAD (the docket posts it late)
    early = coverage(first=FILED - timedelta(hours=20))
    assert link_filing("complaint_filed", FILED, [early]) == Link("dev-news")


@pytest.mark.parametrize("news", [
    coverage(steps=frozenset({"motion"})),  # another step
    coverage(first=FILED + timedelta(days=8)),  # too late
    coverage(first=FILED - timedelta(days=2)),  # news of before the filing
    coverage(named=False),  # one side unnamed
    coverage(filed=True),  # it holds a filing already
], ids=["step", "late", "before", "unnamed", "filed"])
def test_a_filing_keeps_apart_from_weak_coverage(news: Coverage) -> None:
    assert link_filing("complaint_filed", FILED, [news]).development_id is None


def test_a_filing_two_developments_could_be_is_kept_apart_said_related() -> None:
    link = link_filing("complaint_filed", FILED, [coverage("a"), coverage("b")])
    assert link.development_id is None and link.related in {"a", "b"}
    # a development holding a filing already makes the other one doubtful too
    link = link_filing("complaint_filed", FILED, [coverage("a"), coverage("b", filed=True)])
    assert link.development_id is None


def test_a_routine_entry_links_nothing() -> None:
    assert link_filing(None, FILED, [coverage()]) == Link()
