"""What grouping holds of a case's developments: for each, what its articles said.

A development is kept as the sums of its articles' vectors (a row of the case's
`Centroids`) and what the rules of `monitor.grouping.rules` compare a new article
with: the steps its headlines name, the days and years its articles say the news is
of, the sums of money they name, and the vector of the article it began with. Each
article is read the same way when it arrives and when the case is loaded again from
the database, so a restart holds what the running daemon held.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from monitor.grouping.events import Headline, headline, taken_again
from monitor.grouping.filings import Coverage, Filing, names_sides
from monitor.grouping.money import news_amounts
from monitor.grouping.similarity import EMPTY, Centroids, Packed
from monitor.grouping.textdates import Day, event_day, latest_year
from monitor.text.normalise import Words

LOOKBACK = timedelta(days=30)  # what is held, and what a restart reads


@dataclass(frozen=True, slots=True)
class Member:
    """What a development keeps of each of its articles, read the same way when the
    article arrives and when the case is loaded again from the database."""

    vector: Packed  # TF-IDF over its own words (not the case's names), as weighed then
    head: Headline  # the step its headline names, and who takes it
    day: Day | None  # the day its lede says the news happened
    amounts: frozenset[float]  # sums of money in its headline and lede
    year: int | None  # the latest year it names
    again: bool = False  # its headline or lede tells of a step taken again
    named: bool = False  # it names both sides of the caption


def read_member(words: Words, title: str, body: str, vector: Packed,
                names: tuple[frozenset[str], frozenset[str]],
                published: datetime | None) -> Member:
    """What a development would keep of an article: `vector` is its weighed words,
    `names` the words of the caption's two sides (`events.sides`)."""
    return Member(vector=vector, head=headline(words, names),
                  day=event_day(words, published.date() if published else None),
                  amounts=news_amounts(title, body), year=latest_year(words),
                  again=taken_again(words),
                  named=names_sides((*words.title, *words.body), names))


@dataclass(slots=True)
class Development:
    id: str
    event: str | None
    parties: set[str]
    row: int  # its row in the case's centroids
    last_seen: datetime  # when its latest article arrived
    times: list[datetime] = field(default_factory=list)  # its articles' publication times
    headlines: set[Headline] = field(default_factory=set)  # the steps its headlines name
    days: list[Day] = field(default_factory=list)  # the days its articles say it happened
    dates: set[date] = field(default_factory=set)  # those of them known to the day
    stated: set[date] = field(default_factory=set)  # those of them the text names itself
    amounts: set[float] = field(default_factory=set)  # the sums its articles' news names
    years: list[int] = field(default_factory=list)  # the latest years its articles name
    seed: Packed = EMPTY  # the vector of the article that started it
    again: bool = False  # some article of it tells of a step taken again
    named: bool = False  # some article of it names both sides of the caption
    filed: bool = False  # it holds a filing (a docket entry with a step)

    def steps(self) -> frozenset[str]:
        """The steps its articles report: those its headlines name, else its event."""
        named = frozenset(h.step for h in self.headlines if h.step is not None)
        return named or (frozenset({self.event}) if self.event else frozenset())

    def coverage(self) -> Coverage:
        """It as a new filing weighs it (`filings.link_filing`)."""
        return Coverage(self.id, self.steps(), min(self.times, default=self.last_seen),
                        frozenset(self.stated), self.named, self.filed)

    def age(self, when: datetime) -> timedelta:
        """How long after its first article's time `when` comes."""
        return when - min(self.times, default=when)

    def gap(self, when: datetime) -> timedelta:
        """How far `when` lies from the nearest of its articles' times."""
        return min((abs(when - t) for t in self.times), default=timedelta.max)


@dataclass(slots=True)
class CaseDevelopments:
    """A case's developments of the last `LOOKBACK`, and their centroids."""

    developments: list[Development] = field(default_factory=list)
    centroids: Centroids = field(default_factory=Centroids)
    filings: list[Filing] = field(default_factory=list)  # its docket entries with a step

    def recent_filings(self, now: datetime) -> list[Filing]:
        """Its filings seen in the last LOOKBACK: those news may still report, alike for
        a daemon that ran on and one restarted (which reads more, by development)."""
        return [f for f in self.filings if now - f.seen <= LOOKBACK]

    def find(self, dev_id: str) -> Development | None:
        return next((dev for dev in self.developments if dev.id == dev_id), None)

    def open(self, dev_id: str, event: str | None, parties: set[str],
             seen: datetime) -> Development:
        dev = Development(dev_id, event, parties, self.centroids.new_row(), seen)
        self.developments.append(dev)
        return dev

    def keep_recent(self, now: datetime) -> None:
        """Let go of the developments last seen more than LOOKBACK ago, and their rows."""
        kept = [dev for dev in self.developments if now - dev.last_seen <= LOOKBACK]
        self.filings = self.recent_filings(now)
        if len(kept) == len(self.developments):
            return
        self.centroids = self.centroids.subset([dev.row for dev in kept])
        for row, dev in enumerate(kept):
            dev.row = row
        self.developments = kept

    def add(self, dev: Development, member: Member, when: datetime, seen: datetime, *,
            first: bool = False) -> None:
        self.centroids.add(dev.row, member.vector)
        if first:
            dev.seed = member.vector
        dev.amounts |= member.amounts
        dev.again = dev.again or member.again
        dev.named = dev.named or member.named
        if member.year is not None:
            dev.years.append(member.year)
        if member.head.step is not None:
            dev.headlines.add(member.head)
        if (day := member.day) is not None:
            dev.days.append(day)
            if (exact := day.exact) is not None:
                dev.dates.add(exact)
                if day.stated:
                    dev.stated.add(exact)
        dev.times.append(when)
        dev.last_seen = max(dev.last_seen, seen)
