"""One development across court and press: when a filing and news coverage tell one step.

A docket entry and an article are one development of a case when all of these hold:

- the article reports the step the entry is (`steps.reported_by`: the headline's step,
  else the step read from its whole text; an "Order on Motion to Dismiss" is the
  ruling the press reports as "judge tosses suit");
- the article comes after the filing, within `REPORTED_WITHIN`, or states the
  filing's date itself (it may come out up to `AHEAD` before the entry is dated: the
  court's clock and the docket's posting lag);
- the article names both sides of the caption (a government side excepted), so that
  coverage of another case of one of the parties, on the same day, stays out;
- exactly one filing (or development) qualifies; the same step before a compatible one.

Anything less is weak evidence: the two stay separate developments, and the newer one
says which it may relate to. Each function here is pure; the grouper holds the
filings and developments it weighs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from monitor.grouping.steps import reported_by

# Press coverage of a filing mostly comes within days; a week keeps the late weekly and
# the analysis piece, while the next step of the same kind (a second motion, the other
# side's appeal) comes too rarely within it to be confused (bench/eval_links.py).
REPORTED_WITHIN = timedelta(days=7)
AHEAD = timedelta(hours=24)  # an article may be dated before the entry: time zones, lag
# words of a caption's side that name a government, which coverage seldom names as such
_GOVERNMENT = frozenset({"people", "commonwealth", "usa", "state", "government"})


@dataclass(frozen=True, slots=True)
class Filing:
    """A docket entry of a case that news may report: its development, step and date."""

    development_id: str
    step: str
    filed: datetime
    seen: datetime  # when the entry was first seen


@dataclass(frozen=True, slots=True)
class Coverage:
    """A development of a case told by the press, as a new filing weighs it."""

    development_id: str
    steps: frozenset[str]  # the steps its articles report
    first: datetime  # its first article's date
    stated: frozenset[date]  # the dates of its news its articles state
    named: bool  # some article of it names both sides of the caption
    filed: bool  # it already holds a filing


@dataclass(frozen=True, slots=True)
class Link:
    """What a filing or an article joins (`development_id`), or, when the evidence is
    weak, the development it may relate to (`related`)."""

    development_id: str | None = None
    related: str | None = None


NO_LINK = Link()


def filed_at(entry_filed: datetime | None, published: datetime | None,
             seen: datetime) -> datetime:
    """When a docket entry was filed, as the rules read it: the court's time, else its
    item's date, else when it was first seen. Read the same way when the entry arrives
    and when a restart loads it, so that both link alike."""
    return entry_filed or published or seen


def government(side: Iterable[str]) -> bool:
    """A side of the caption that is a government: `United States`, `People`, `State`."""
    words = set(side)
    return {"united", "states"} <= words or bool(words & _GOVERNMENT)


def names_sides(words: Iterable[str], names: tuple[frozenset[str], frozenset[str]]) -> bool:
    """The text names both sides of the caption (`events.sides`); a government side
    need not be named, and a caption without two sides asks for nothing."""
    if not names[0] or not names[1]:
        return True
    found = set(words)
    return all(government(side) or not found.isdisjoint(side) for side in names)


def article_steps(headline_step: str | None, text_step: str | None) -> frozenset[str]:
    """The step an article reports: its headline's, else the one read from its text."""
    step = headline_step or text_step
    return frozenset({step}) if step else frozenset()


def in_time(filed: datetime, reported: datetime, stated: Collection[date] = ()) -> bool:
    """News dated `reported` can report a filing of `filed`: after it (less `AHEAD`),
    within `REPORTED_WITHIN`, or later when it states the filing's date."""
    if reported < filed - AHEAD:
        return False
    return reported - filed <= REPORTED_WITHIN or filed.date() in stated


def _reports(filing_step: str, steps: Iterable[str]) -> bool:
    return any(reported_by(filing_step, step) for step in steps)


def _one(candidates: list[tuple[str, bool]]) -> str | None:
    """The one candidate (development id, same step): the same step first."""
    for tier in ([c for c in candidates if c[1]], candidates):
        if tier:
            return tier[0][0] if len({dev for dev, _ in tier}) == 1 else None
    return None


def link_article(steps: frozenset[str], when: datetime | None, stated: Collection[date],
                 named: bool, filings: Sequence[Filing]) -> Link:
    """The filing's development an article of `steps`, dated `when`, joins; or the one
    it may relate to. An undated article, or one not naming both sides, joins none."""
    plausible = [f for f in filings if _reports(f.step, steps)]
    if not plausible:
        return NO_LINK
    timely = [f for f in plausible
              if when is not None and in_time(f.filed, when, stated)]
    if timely and named and when is not None:
        joined = _one([(f.development_id, f.step in steps) for f in timely])
        if joined is not None:
            return Link(development_id=joined)
    pool = timely or plausible
    if when is None:
        return Link(related=pool[-1].development_id)
    nearest = min(pool, key=lambda f: abs(when - f.filed))
    return Link(related=nearest.development_id)


def link_filing(step: str | None, filed: datetime, coverage: Iterable[Coverage]) -> Link:
    """The development told by the press a filing of `step` joins; or the one it may
    relate to. A development that already holds a filing takes no other. `coverage` is
    read only for an entry with a step."""
    if step is None:
        return NO_LINK
    plausible = [c for c in coverage if _reports(step, c.steps)]
    if not plausible:
        return NO_LINK
    timely = [c for c in plausible if in_time(filed, c.first, c.stated)]
    open_ = [c for c in timely if c.named and not c.filed]
    joined = _one([(c.development_id, step in c.steps) for c in open_])
    if joined is not None and len(open_) == len(timely):
        return Link(development_id=joined)
    pool = timely or plausible
    nearest = min(pool, key=lambda c: abs(c.first - filed))
    return Link(related=nearest.development_id)
