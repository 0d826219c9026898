"""Each rule of level 3 (monitor/grouping/rules.py), on its own.

Articles and developments are read from text as the grouper reads them (headline,
lede day, sums, years, vector); a development is held as the grouper holds it. Each
veto test asserts which of `VETOES` keep the article out, so that a rule turned off,
in its body or in the tuple, fails its test; each is paired with the nearest article
that the rule lets through.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feeds.base import Item
from monitor.config import CaseConfig
from monitor.grouping.developments import LOOKBACK, CaseDevelopments, Development, read_member
from monitor.grouping.events import sides
from monitor.grouping.grouper import Grouper
from monitor.grouping.rules import (
    AGREE_JOIN,
    DATED_SEED_JOIN,
    FRESH,
    GREY,
    JOIN,
    LATE_JOIN,
    SAME_DAY_JOIN,
    SEED_JOIN,
    STRAGGLER,
    STRAGGLER_JOIN,
    VETOES,
    WINDOW,
    Article,
    dated_unlike_first,
    docket_entry,
    joins,
    late,
    new_numbered_party,
    other_headline_step,
    other_sum,
    outside_window,
    past_lookback,
    possibly_related,
    read_article,
    same_date_named,
    same_step_agreed,
    undated_other_day,
    undated_other_step,
    undated_other_year,
    undated_taken_again,
    undated_unlike_first,
    weighed,
)
from monitor.grouping.similarity import DocumentFrequencies, pack, terms, vector
from monitor.store.store import Store
from monitor.text.normalise import Words

NAMES = sides(["John Doe v. Acme Corp.", "Doe v. Acme"])
MONDAY = datetime(2026, 1, 5, 9, tzinfo=UTC)
BREACH = ("Acme Corp. hid a data breach that exposed the medical records of two million "
          "patients, the lawsuit says, and waited five months before telling them.")


def article(title: str, text: str = BREACH, *, published: datetime | None = MONDAY,
            seen: datetime | None = None, docket: bool = False) -> Article:
    """The article as `Grouper.assign` reads it (its words weighed with an empty background)."""
    words = Words.of(title, text)
    member = read_member(words, title, text, pack(vector(terms(words), DocumentFrequencies())),
                         NAMES, published)
    return read_article(member, words, published=published, seen=seen or published or MONDAY,
                        docket=docket)


def development(*articles: Article) -> Development:
    """A development begun by the first article and joined by the others."""
    state = CaseDevelopments()
    first = articles[0]
    dev = state.open("dev-1", first.event, set(first.parties), first.seen)
    for n, member in enumerate(articles):
        state.add(dev, member.member, member.when, member.seen, first=n == 0)
    return dev


def vetoes(candidate: Article, dev: Development) -> list[str]:
    """The names of the vetoes that keep `candidate` out of `dev`."""
    return [veto.__name__ for veto in VETOES if veto(candidate, dev)]


def undated(title: str, text: str = BREACH) -> Article:
    return article(title, text, published=None, seen=MONDAY)


SUED = "Acme sued over hidden data breach"


# --- vetoes ----------------------------------------------------------------------------------


def test_a_docket_entry_joins_no_development() -> None:
    dev = development(article(SUED))
    assert docket_entry(article(SUED, docket=True), dev)
    assert vetoes(article(SUED, docket=True), dev) == ["docket_entry"]
    assert vetoes(article(SUED), dev) == []


def test_a_development_last_seen_before_the_lookback_is_not_compared() -> None:
    dev = development(article(SUED))
    late = MONDAY + LOOKBACK + timedelta(minutes=1)
    assert past_lookback(article(SUED, published=late), dev)
    assert vetoes(article(SUED, published=late), dev) == ["past_lookback"]
    assert vetoes(article(SUED, published=MONDAY + LOOKBACK), dev) == []


@pytest.mark.parametrize(
    ("first", "title"),
    [
        (SUED, "Judge rules Acme must face data breach lawsuit"),  # another step
        ("Acme appeals ruling in breach class action",
         "John Doe appeals ruling in Acme breach class action"),  # the other side's
    ],
    ids=["another-step", "the-other-side"],
)
def test_a_headline_naming_another_step_is_kept_out(first: str, title: str) -> None:
    dev = development(article(first))
    assert other_headline_step(article(title), dev)
    assert vetoes(article(title), dev) == ["other_headline_step"]


@pytest.mark.parametrize(
    ("first", "title"),
    [
        (SUED, "Patient sues Acme over breach it kept quiet"),  # the same step
        (SUED, "What the Acme data breach means for patients"),  # no step named
        ("What the Acme data breach means", "Judge rules Acme must face data breach suit"),
    ],
    ids=["same-step", "none-named", "development-names-none"],
)
def test_a_headline_naming_the_same_step_or_none_is_not(first: str, title: str) -> None:
    assert vetoes(article(title), development(article(first))) == []


ANALYSIS = "Acme breach lawsuit: what patients should know"
RULING_TEXT = ("The judge ruled on the motion to dismiss and denied it: the ruling lets the "
               "lawsuit over the data breach go on. " + BREACH)


def test_undated_the_step_of_the_whole_text_must_agree() -> None:
    dev = development(undated(SUED))
    assert (dev.event, undated(ANALYSIS, RULING_TEXT).event) == ("complaint_filed", "ruling")
    assert undated_other_step(undated(ANALYSIS, RULING_TEXT), dev)
    assert vetoes(undated(ANALYSIS, RULING_TEXT), dev) == ["undated_other_step"]
    assert vetoes(article(ANALYSIS, RULING_TEXT), development(article(SUED))) == []
    assert vetoes(undated(ANALYSIS), dev) == []


def test_a_new_numbered_party_is_kept_out() -> None:
    dev = development(article(SUED, "John Doe sued Acme. " + BREACH))
    second = article(SUED, "John Doe #2 sued Acme. " + BREACH)
    assert new_numbered_party(second, dev)
    assert vetoes(second, dev) == ["new_numbered_party"]
    dev.parties.add("john doe 2")  # as when an article naming the party joined
    assert vetoes(second, dev) == []
    assert vetoes(article(SUED, "John Doe #1 sued Acme. " + BREACH),
                  development(article(SUED))) == []  # the first is no new party


def test_undated_news_of_another_day_is_kept_out() -> None:
    dev = development(undated(SUED, "Acme was sued on Monday. " + BREACH))
    tuesday = undated(SUED, "Acme was sued on Tuesday. " + BREACH)
    assert undated_other_day(tuesday, dev)
    assert vetoes(tuesday, dev) == ["undated_other_day"]
    assert vetoes(undated(SUED, "Acme was sued on Monday. " + BREACH), dev) == []
    assert vetoes(undated(SUED), dev) == []  # naming no day
    assert not undated_other_day(article(SUED, "Acme was sued on Tuesday. " + BREACH), dev)


def test_undated_news_of_years_apart_is_kept_out() -> None:
    dev = development(undated(SUED, BREACH + " The case was filed in 2011."))
    retried = undated(SUED, BREACH + " It was filed in 2011 and retried in 2018.")
    assert undated_other_year(retried, dev)
    assert vetoes(retried, dev) == ["undated_other_year"]
    assert vetoes(undated(SUED, BREACH + " It was filed in 2012."), dev) == []
    assert not undated_other_year(article(SUED, BREACH + " Retried in 2018."), dev)


FIRST = "alpha bravo charlie delta echo foxtrot golf hotel india juliet " * 3 + "acme breach"
SECOND = "alpha bravo charlie delta echo kilo lima mike november oscar " * 3 + "acme breach"
THIRD = "papa quebec romeo sierra tango kilo lima mike november oscar " * 3 + "acme breach"


def test_undated_an_article_unlike_the_developments_first_is_kept_out() -> None:
    dev = development(undated("First", FIRST), undated("Second", SECOND))
    third = undated("Third", THIRD)
    assert dev.seed.dot(third.member.vector) < SEED_JOIN <= dev.seed.dot(
        undated("Second", SECOND).member.vector)
    assert undated_unlike_first(third, dev)
    assert vetoes(third, dev) == ["undated_unlike_first"]
    assert vetoes(undated("Fourth", SECOND), dev) == []
    assert not undated_unlike_first(article("Third", THIRD), development(article("First", FIRST)))


def test_dated_an_article_quite_unlike_the_developments_first_is_kept_out() -> None:
    dev = development(article("First", FIRST), article("Second", SECOND))
    third = article("Third", THIRD)
    assert dev.seed.dot(third.member.vector) < DATED_SEED_JOIN < SEED_JOIN
    assert dated_unlike_first(third, dev)
    assert not dated_unlike_first(article("Fourth", SECOND), dev)
    assert not dated_unlike_first(undated("Third", THIRD), development(undated("First", FIRST)))


DENIES = "Judge denies Acme bid to end breach class action"


def test_undated_a_step_taken_again_is_kept_out_of_its_first_taking() -> None:
    dev = development(undated(DENIES))
    again = undated("Judge again denies Acme bid to end breach class action")
    assert undated_taken_again(again, dev)
    assert vetoes(again, dev) == ["undated_taken_again"]
    assert vetoes(again, development(undated("Acme loses renewed bid to end class action"))) == []
    assert vetoes(article("Judge again denies Acme bid to end breach class action"),
                  development(article(DENIES))) == []  # dated: time tells them apart


def test_another_sum_of_money_is_kept_out() -> None:
    dev = development(article("Jury orders Acme to pay $290 million"))
    other = article("Acme owes $539 million, jury says")
    assert other_sum(other, dev)
    assert vetoes(other, dev) == ["other_sum"]
    assert vetoes(article("Acme must pay $300 million, jury says"), dev) == []  # rounder
    assert vetoes(article("Acme must pay, jury says"), dev) == []  # no sum named


# --- time, and what lets an article in ---------------------------------------------------------


def test_an_article_outside_the_window_is_kept_out_unless_a_close_straggler() -> None:
    dev = development(article(SUED))

    def hours(n: float) -> Article:
        return article(SUED, published=MONDAY + timedelta(hours=n))

    assert not outside_window(hours(30), dev, 0.0)
    assert outside_window(hours(40), dev, STRAGGLER_JOIN - 0.01)
    assert not outside_window(hours(40), dev, STRAGGLER_JOIN)  # alike to its first too
    assert outside_window(hours(50), dev, 0.9)
    assert WINDOW < timedelta(hours=40) < STRAGGLER < timedelta(hours=50)
    # the window runs from the nearest of its articles: coverage that goes on keeps it open
    assert not outside_window(hours(60), development(article(SUED), hours(30)), 0.0)
    # a straggler must be like the development's first article, not only its centroid
    other = article("Hospital chain faces overtime claims",
                    "A hospital chain faces claims over unpaid overtime from its nurses.")
    dev = development(other, article(SUED, published=MONDAY + timedelta(hours=1)))
    assert dev.seed.dot(hours(41).member.vector) < STRAGGLER_JOIN
    assert outside_window(hours(41), dev, 0.9)


def test_past_the_first_day_only_a_close_rewrite_joins() -> None:
    dev = development(article(SUED))
    soon = article(SUED, published=MONDAY + FRESH - timedelta(hours=1))
    later = article(SUED, published=MONDAY + FRESH + timedelta(hours=1))
    assert not late(soon, dev, 0.0)
    assert late(later, dev, LATE_JOIN - 0.01)
    assert not late(later, dev, LATE_JOIN)
    # the first day runs from the development's first article, however long it goes on
    dev = development(article(SUED), article(SUED, published=MONDAY + timedelta(hours=17)))
    assert late(later, dev, LATE_JOIN - 0.01)


MONDAY_NEWS = "Acme was sued on Monday. " + BREACH


def test_the_same_date_stated_lets_in_on_a_lower_cosine_even_outside_the_window() -> None:
    dev = development(article(SUED, "Acme was sued on January 5. " + BREACH))
    later = article("Acme breach case", "Acme was sued on Jan. 5. " + BREACH,
                    published=MONDAY + timedelta(days=9))
    assert later.news_date == MONDAY.date() and dev.dates == {MONDAY.date()}
    assert same_date_named(later, dev) == JOIN / SAME_DAY_JOIN
    assert not outside_window(later, dev, 0.0) and not late(later, dev, 0.0)
    assert joins(weighed(later, dev, SAME_DAY_JOIN)) and not joins(SAME_DAY_JOIN)
    other = article("Acme breach case", "Acme was sued on Jan. 6. " + BREACH,
                    published=MONDAY + timedelta(days=2))
    assert same_date_named(other, dev) is None
    assert weighed(other, dev, SAME_DAY_JOIN) == SAME_DAY_JOIN
    assert late(other, dev, 0.0)


def test_a_weekday_placed_by_the_date_lets_a_late_rewrite_in_but_keeps_the_window() -> None:
    """"On Monday", read in articles published days apart, names the same Monday: a late
    rewrite of that day's news may join past the first day, but only a date the texts
    state (month and day) reopens a development after the window: two events of a case
    days apart are each told with a weekday by someone."""
    dev = development(article(SUED, MONDAY_NEWS))
    assert dev.dates == {MONDAY.date()} and not dev.stated
    tuesday = article("Acme breach case", MONDAY_NEWS, published=MONDAY + timedelta(hours=30))
    assert tuesday.news_date == MONDAY.date() and not tuesday.stated
    assert not late(tuesday, dev, 0.0) and not outside_window(tuesday, dev, 0.0)
    thursday = article("Acme breach case", MONDAY_NEWS, published=MONDAY + timedelta(days=3))
    assert thursday.news_date == MONDAY.date() and outside_window(thursday, dev, 0.0)
    stated = article("Acme breach case", "Acme was sued on Jan. 5. " + BREACH,
                     published=MONDAY + timedelta(days=3))
    dev = development(article(SUED, "Acme was sued on January 5. " + BREACH))
    assert stated.stated and dev.stated == {MONDAY.date()}
    assert not outside_window(stated, dev, 0.0) and not late(stated, dev, 0.0)


def test_dated_the_same_step_in_the_headline_lets_in_on_a_lower_cosine() -> None:
    dev = development(article(SUED))
    rewrite = article("Patient sues Acme over breach", published=MONDAY + timedelta(days=1))
    assert same_step_agreed(rewrite, dev) == JOIN / AGREE_JOIN
    assert joins(weighed(rewrite, dev, AGREE_JOIN))
    undated_rewrite = undated("Patient sues Acme over breach")
    assert same_step_agreed(undated_rewrite, dev) is None
    assert weighed(undated_rewrite, dev, AGREE_JOIN) == AGREE_JOIN
    assert weighed(article("What the breach means"), dev, AGREE_JOIN) == AGREE_JOIN


def test_the_join_threshold_and_the_grey_zone() -> None:
    assert joins(JOIN) and not joins(JOIN - 1e-9)
    assert possibly_related(GREY) and not possibly_related(GREY - 1e-9)
    assert GREY < JOIN


def test_dated_an_article_unlike_the_first_does_not_join_a_development_it_resembles(
        tmp_path: Path) -> None:
    case = CaseConfig(id="acme", caption="Acme", query='"Acme"')
    grouper = Grouper(Store.open(tmp_path / "rules.db"))
    roles = []
    for n, (title, text) in enumerate((("First", FIRST), ("Second", SECOND), ("Third", THIRD))):
        item = Item(source_id=f"outlet{n}", guid=str(n), url=f"https://outlet{n}.example/",
                    title=title, text=text, published=MONDAY + timedelta(hours=n))
        when = MONDAY + timedelta(hours=n)
        roles.append(grouper.assign(case, item, grouper.identify(item, when), when).role)
    assert roles == ["development", "update", "development"]
