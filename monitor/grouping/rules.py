"""The rules that decide whether an article joins a development of its case (level 3).

An article is weighed against each development of its case held in memory (the last
`LOOKBACK`), in this order:

1. `VETOES`: any one keeps the article out of that development, however alike the
   words. A veto names news that differs (another step, party, day, year, sum) or,
   for an undated article that no time window can place, what the text alone cannot
   tell apart.
2. The development it resembles most among those no veto excludes, at any time, is
   the one it is said to be *possibly related* to when it joins none (cosine ≥ GREY).
3. `outside_window`: too far in time from the development's articles, unless the
   texts state the same date; and `late`: past the development's first day without
   being a close rewrite, unless the texts name the same date.
4. `JOINS`: the first join rule that applies lowers the cosine needed (news of the
   same date, the same step in the same few days): the cosine is scaled by JOIN over
   the rule's threshold. The development with the highest cosine so weighed joins
   when it reaches JOIN.

Each rule is a pure function of an `Article` and a `Development`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from monitor.grouping.developments import LOOKBACK, Development, Member
from monitor.grouping.events import numbered_parties, tag_event
from monitor.grouping.money import other_amounts
from monitor.grouping.textdates import conflict, years_apart
from monitor.text.normalise import Words

JOIN = 0.15  # cosine to join a development (precision first)
AGREE_JOIN = 0.08  # for a dated article whose headline names a step the development's do
SAME_DAY_JOIN = 0.08  # for a dated article whose text names the day the development's do
GREY = 0.10  # from here to JOIN: a new development, labelled possibly related
WINDOW = timedelta(hours=36)  # the longest silence within one development's coverage
STRAGGLER = timedelta(hours=48)  # ... for a close rewrite, alike to its first article too
STRAGGLER_JOIN = 0.28  # that cosine, with the development and with its first article
FRESH = timedelta(hours=18)  # a development's first day, when its rewrites come
LATE_JOIN = 0.25  # after FRESH, the cosine a rewrite must reach
SEED_JOIN = 0.15  # undated, the cosine with a development's first article must reach this too
DATED_SEED_JOIN = 0.10  # dated, the same, lower: time already speaks for the article


@dataclass(frozen=True, slots=True)
class Article:
    """The article being grouped, as the rules read it."""

    member: Member  # what a development it joins would keep of it
    event: str | None  # the step read from its whole text
    parties: frozenset[str]  # the numbered parties it names ("john doe 2")
    dated: bool  # it has a date: its own, or its arrival's
    when: datetime  # that date, or when it was seen
    seen: datetime  # when it was first seen
    news_date: date | None = None  # dated, the date its lede gives its news, to the day
    stated: bool = False  # that date is one the text names (month and day), not a weekday
    docket: bool = False  # a court docket entry, not news


def read_article(member: Member, words: Words, *, published: datetime | None,
                 seen: datetime, docket: bool = False) -> Article:
    """The article as the rules read it: `published` is its date (its own or its
    arrival's), None when it has none; `seen` when it was first seen."""
    dated = published is not None
    day = member.day if dated else None
    return Article(member, tag_event(words), numbered_parties(words), dated=dated,
                   when=published or seen, seen=seen,
                   news_date=day.exact if day is not None else None,
                   stated=day is not None and day.stated, docket=docket)


def new_parties(found: frozenset[str], known: set[str]) -> set[str]:
    """Numbered parties beyond the first that are not among `known`."""
    return {p for p in found if int(p.rsplit(" ", 1)[1]) >= 2} - known


def agreed_step(article: Article, dev: Development) -> bool:
    """Its headline names a step some headline of the development names, by the same
    side and party when both say."""
    head = article.member.head
    return head.step is not None and any(h.same_step(head) for h in dev.headlines)


# vetoes ------------------------------------------------------------------------------------


def docket_entry(article: Article, dev: Development) -> bool:
    """A docket entry is always a development of its own."""
    return article.docket


def past_lookback(article: Article, dev: Development) -> bool:
    """Last seen more than LOOKBACK ago: a restart, which loads only those, would not see it."""
    return article.seen - dev.last_seen > LOOKBACK


def other_headline_step(article: Article, dev: Development) -> bool:
    """The headline names another step than the development's, or another side's or party's."""
    return (article.member.head.step is not None and bool(dev.headlines)
            and not agreed_step(article, dev))


def undated_other_step(article: Article, dev: Development) -> bool:
    """Undated, the step read from the whole text is all there is to go on, and it differs."""
    return (not article.dated and bool(article.event) and bool(dev.event)
            and article.event != dev.event)


def new_numbered_party(article: Article, dev: Development) -> bool:
    """It names a numbered party (John Doe #2) the development has not seen: new news."""
    return bool(new_parties(article.parties, dev.parties))


def undated_other_day(article: Article, dev: Development) -> bool:
    """Undated, its lede names a day of its news that none of the development's names."""
    return (not article.dated and bool(dev.days)
            and all(conflict(article.member.day, d) for d in dev.days))


def undated_other_year(article: Article, dev: Development) -> bool:
    """Undated, the latest year it names is YEARS_APART or more from the development's."""
    return not article.dated and years_apart(article.member.year, dev.years)


def _unlike_first(article: Article, dev: Development, floor: float) -> bool:
    """Its cosine with the development's first article falls short of `floor`."""
    return not dev.seed.dot(article.member.vector) >= floor


def undated_unlike_first(article: Article, dev: Development) -> bool:
    """Undated, it must resemble the development's first article too, lest a chain drift."""
    return not article.dated and _unlike_first(article, dev, SEED_JOIN)


def undated_taken_again(article: Article, dev: Development) -> bool:
    """Undated, a step it says was taken again is not the first time, which the development told."""
    return not article.dated and article.member.again and not dev.again


def other_sum(article: Article, dev: Development) -> bool:
    """Its headline or lede names sums of money and the development's name only other ones."""
    return other_amounts(article.member.amounts, dev.amounts)


Veto = Callable[[Article, Development], bool]
VETOES: tuple[Veto, ...] = (
    docket_entry,
    past_lookback,
    other_headline_step,
    undated_other_step,
    new_numbered_party,
    undated_other_day,
    undated_other_year,
    undated_unlike_first,
    undated_taken_again,
    other_sum,
)


# time, and what lets an article in -----------------------------------------------------


def same_date_named(article: Article, dev: Development) -> float | None:
    """Dated, its text names the date of its news some of the development's articles name."""
    if article.news_date is not None and article.news_date in dev.dates:
        return JOIN / SAME_DAY_JOIN
    return None


def same_step_agreed(article: Article, dev: Development) -> float | None:
    """Dated, its headline names the step the development's do: the same step in days."""
    return JOIN / AGREE_JOIN if article.dated and agreed_step(article, dev) else None


def same_date_stated(article: Article, dev: Development) -> bool:
    """Dated, its text names (month and day) the date of its news some of the
    development's articles name so: a late rewrite of the same day's news. A weekday
    ("on Tuesday") placed by the publication date does not reopen a development: two
    events days apart are each told as "Tuesday" by someone."""
    return article.stated and article.news_date in dev.stated


def outside_window(article: Article, dev: Development, similarity: float) -> bool:
    """More than WINDOW from every article of the development, unless the texts state
    the same date: coverage of one event comes in a burst, and a silence of a day and a
    half, then news, is most often news of something else. A straggler (a weekly, a
    blog two days on) may come up to STRAGGLER after the rest when its cosine with the
    development and with its first article both reach STRAGGLER_JOIN."""
    gap = dev.gap(article.when)
    if gap <= WINDOW or same_date_stated(article, dev):
        return False
    return not (gap <= STRAGGLER and similarity >= STRAGGLER_JOIN
                and dev.seed.dot(article.member.vector) >= STRAGGLER_JOIN)


def late(article: Article, dev: Development, similarity: float) -> bool:
    """More than FRESH after the development's first article and less alike than
    LATE_JOIN, unless the texts name the same date (a weekday placed by the publication
    date will do: the window still holds). Rewrites of an event mostly come on its
    first day; what comes after it, in words only loosely alike, is as likely the next
    event of the case (the ruling after the hearing, a second arrest), and a
    development folded into another is never told."""
    return (dev.age(article.when) > FRESH and similarity < LATE_JOIN
            and same_date_named(article, dev) is None)


def dated_unlike_first(article: Article, dev: Development) -> bool:
    """Dated, it must resemble the development's first article a little to join, lest one
    wrong article's words draw the centroid to another event and the rest of it follow.
    Checked only for a development it would otherwise join (the dot product is not free);
    it still may be said to be possibly related to it."""
    return article.dated and _unlike_first(article, dev, DATED_SEED_JOIN)


Join = Callable[[Article, Development], float | None]
JOINS: tuple[Join, ...] = (same_date_named, same_step_agreed)


def weighed(article: Article, dev: Development, similarity: float) -> float:
    """The cosine as JOIN reads it: scaled by the first join rule that applies."""
    for rule in JOINS:
        if (factor := rule(article, dev)) is not None:
            return similarity * factor
    return similarity


def joins(similarity: float) -> bool:
    """A cosine, so weighed, enough to join."""
    return similarity >= JOIN


def possibly_related(similarity: float) -> bool:
    """Not joined, but alike enough to say so: the grey zone from GREY up."""
    return similarity >= GREY
