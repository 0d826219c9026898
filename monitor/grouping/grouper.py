"""Identity of items and grouping into developments, in three levels.

1. Exact: canonical URL (case, ports, fragments, tracking parameters, AMP variants, the
   page's own rel=canonical on the same site), GUID per source, and a hash of the
   normalised text. A repeat is stored as another source of the same item.
2. Near-duplicate: MinHash LSH over word shingles, confirmed by Jaccard or containment,
   over the last 30 days. A copy is attached to the original.
3. Same development: within one case, a rewrite of an event already alerted joins its
   development (TF-IDF cosine against the development's centroid, within a time
   window; a lower cosine when the headline names the same step); a headline naming
   another step, or the same step taken by the other side or by other parties of the
   same side, or a new numbered party
   forces a new one, and so does another sum of money in the headline or lede
   (`monitor.grouping.money`; undated, so does another step read from the whole text, another
   day of the news read from the lede, or a latest named year two or more years away,
   `monitor.grouping.textdates`, too unlike the development's first article, or a step its
   headline or lede says was taken again, "again denies", where no article of the
   development says so); a dated article
   whose text names the date a development's articles name joins it on a lower cosine,
   even outside the window; the grey zone alerts, labelled as possibly related. An
   article without a date that a poll found soon after the source's last one is dated
   by its arrival (`dated_by_arrival`).

All of it is derived from rows in SQLite, each article's vector stored as it was
weighed when it arrived, so a restart rebuilds the same state.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal

import numpy as np

from feeds.base import Item
from monitor.config import CaseConfig
from monitor.grouping.events import (
    Headline,
    headline,
    numbered_parties,
    sides,
    tag_event,
    taken_again,
)
from monitor.grouping.money import news_amounts, other_amounts
from monitor.grouping.neardup import NearDuplicates, is_copy, shingles, signature, text_hash
from monitor.grouping.similarity import (
    EMPTY,
    Centroids,
    DocumentFrequencies,
    Packed,
    pack,
    terms,
    vector,
)
from monitor.grouping.textdates import Day, conflict, event_day, latest_year, years_apart
from monitor.identity import item_url, stable_id
from monitor.store.rows import NewDevelopment, parse_iso
from monitor.store.store import Store
from monitor.text.normalise import Words, clean, tokens

JOIN = 0.15  # cosine to join a development (precision first)
AGREE_JOIN = 0.08  # for a dated article whose headline names a step the development's do
GREY = 0.10  # from here to JOIN: a new development, labelled possibly related
LONG_JOIN = 0.30  # a rewrite this similar may join up to LONG_WINDOW later
WINDOW = timedelta(hours=72)
LONG_WINDOW = timedelta(days=7)
LOOKBACK = timedelta(days=30)
PRUNE_EVERY = timedelta(days=1)  # how often what is held is cut back to LOOKBACK
SAME_DAY_JOIN = 0.08  # for a dated article whose text names the day the development's do
SEED_JOIN = 0.15  # undated, the cosine with a development's first article must reach this too


@dataclass(frozen=True, slots=True)
class Decision:
    role: Literal["development", "update", "duplicate"]
    development_id: str
    new_development: NewDevelopment | None = None
    possibly_related_to: str | None = None
    vector: bytes | None = None  # the article's vector as it was weighed, to store


@dataclass(frozen=True, slots=True)
class Identity:
    """What makes an item the same as one already stored (levels 1 and 2)."""

    canonical_url: str | None
    text_hash: str | None
    words: Words
    signature: np.ndarray | None = None
    original: int | None = None
    reason: Literal["url", "text", "copy"] | None = None


@dataclass(frozen=True, slots=True)
class _Member:
    """What a development keeps of each of its articles, read the same way when the
    article arrives and when the case is loaded again from the database."""

    vector: Packed  # TF-IDF over its own words (not the case's names), as weighed then
    head: Headline  # the step its headline names, and who takes it
    day: Day | None  # the day its lede says the news happened
    amounts: frozenset[float]  # sums of money in its headline and lede
    year: int | None  # the latest year it names
    again: bool = False  # its headline or lede tells of a step taken again


@dataclass(slots=True)
class _Development:
    id: str
    event: str | None
    parties: set[str]
    row: int  # its row in the case's centroids
    last_seen: datetime  # when its latest article arrived
    times: list[datetime] = field(default_factory=list)  # its articles' publication times
    headlines: set[Headline] = field(default_factory=set)  # the steps its headlines name
    days: list[Day] = field(default_factory=list)  # the days its articles say it happened
    dates: set[date] = field(default_factory=set)  # those of them known to the day
    amounts: set[float] = field(default_factory=set)  # the sums its articles' news names
    years: list[int] = field(default_factory=list)  # the latest years its articles name
    seed: Packed = EMPTY  # the vector of the article that started it
    again: bool = False  # some article of it tells of a step taken again

    def agrees(self, head: Headline) -> bool:
        """Some headline of it names the same step, by the same side and party when both
        say."""
        return any(h.same_step(head) for h in self.headlines)

    def other_day(self, day: Day | None) -> bool:
        """The article names a day of its news that none of this one's articles name."""
        return bool(self.days) and all(conflict(day, d) for d in self.days)

    def same_date(self, when: date | None) -> bool:
        """The article names the date of its news some of this one's articles name."""
        return when is not None and when in self.dates

    def resembles_seed(self, vec: Packed) -> bool:
        """Undated, time holds nothing together: a development whose members each joined
        on the wording of the last could drift from the news it alerted (a ruling's
        analysis joins it, then the next ruling joins the analysis). So an undated article
        must also resemble the article the development began with."""
        return self.seed.dot(vec) >= SEED_JOIN

    def gap(self, when: datetime) -> timedelta:
        return min((abs(when - t) for t in self.times), default=timedelta.max)


@dataclass(slots=True)
class _Case:
    developments: list[_Development] = field(default_factory=list)
    centroids: Centroids = field(default_factory=Centroids)

    def open(self, dev_id: str, event: str | None, parties: set[str],
             seen: datetime) -> _Development:
        dev = _Development(dev_id, event, parties, self.centroids.new_row(), seen)
        self.developments.append(dev)
        return dev

    def keep_recent(self, now: datetime) -> None:
        """Let go of the developments last seen more than LOOKBACK ago, and their rows."""
        kept = [dev for dev in self.developments if now - dev.last_seen <= LOOKBACK]
        if len(kept) == len(self.developments):
            return
        self.centroids = self.centroids.subset([dev.row for dev in kept])
        for row, dev in enumerate(kept):
            dev.row = row
        self.developments = kept

    def add(self, dev: _Development, member: _Member, when: datetime, seen: datetime, *,
            first: bool = False) -> None:
        self.centroids.add(dev.row, member.vector)
        if first:
            dev.seed = member.vector
        dev.amounts |= member.amounts
        dev.again = dev.again or member.again
        if member.year is not None:
            dev.years.append(member.year)
        if member.head.step is not None:
            dev.headlines.add(member.head)
        if (day := member.day) is not None:
            dev.days.append(day)
            if (exact := day.exact) is not None:
                dev.dates.add(exact)
        dev.times.append(when)
        dev.last_seen = max(dev.last_seen, seen)


def case_words(case: CaseConfig) -> frozenset[str]:
    """Words every article of a case shares by construction: no evidence of one event."""
    names = [case.caption, *case.aliases, *case.parties, case.id.replace("-", " ")]
    return frozenset(tokens(clean(" ".join(names))))


def _content(words: Words, skip: frozenset[str]) -> Counter[str]:
    counts = terms(words)
    for word in skip & counts.keys():
        del counts[word]
    return counts


def _adds_news(words: Words, original: Words) -> bool:
    """A near-copy that names a new party or another procedural step is not a copy: an
    updated wire story ("UPDATE 1") carries the news in the paragraphs it adds."""
    if _new_parties(numbered_parties(words), set(numbered_parties(original))):
        return True
    mine, theirs = tag_event(words), tag_event(original)
    return mine is not None and theirs is not None and mine != theirs


def _new_parties(found: frozenset[str], known: set[str]) -> set[str]:
    """Numbered parties beyond the first that the development has not seen."""
    return {p for p in found if int(p.rsplit(" ", 1)[1]) >= 2} - known


class Grouper:
    """Decides, for each stored item, whether it is new, a copy, or part of a development."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._near: NearDuplicates | None = None
        self._df: DocumentFrequencies | None = None
        self._cases: dict[str, _Case] = {}
        self._skip: dict[str, frozenset[str]] = {}
        self._names: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._pruned_at: datetime | None = None

    def _case_words(self, case: CaseConfig) -> frozenset[str]:
        if case.id not in self._skip:
            self._skip[case.id] = case_words(case)
        return self._skip[case.id]

    def _sides(self, case: CaseConfig) -> tuple[frozenset[str], frozenset[str]]:
        if case.id not in self._names:
            self._names[case.id] = sides([case.caption, *case.aliases])
        return self._names[case.id]

    def forget(self) -> None:
        """Drop what is cached; it is rebuilt from the database when next needed."""
        self._near, self._df, self._cases = None, None, {}

    def _window(self, now: datetime) -> None:
        """What grouping holds in memory is what a restart reads: the last 30 days of
        signatures and developments. Articles and developments older than that are
        never compared again, but a daemon running for months would hold them all (and
        compare each article with every development's centroid); so once a day they
        are let go. What stays is kept as it is, not read again (a development read
        again would weigh its words with today's document frequencies), so decisions
        are those of a daemon that held everything."""
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        if self._near is not None:
            self._near.drop_before(now - LOOKBACK)
        for state in self._cases.values():
            state.keep_recent(now)

    def held(self) -> tuple[int, int]:
        """(articles indexed for copies, developments) held in memory now."""
        return (len(self._near) if self._near is not None else 0,
                sum(len(case.developments) for case in self._cases.values()))

    # levels 1 and 2 ---------------------------------------------------------------------

    def _index(self, now: datetime) -> NearDuplicates:
        if self._near is None:
            self._near = NearDuplicates()
            for item_id, blob, stored in self._store.signatures_since(now - LOOKBACK):
                self._near.add(item_id, np.frombuffer(blob, dtype=np.uint32), stored)
        return self._near

    def _frequencies(self) -> DocumentFrequencies:
        if self._df is None:
            counts, documents = self._store.document_frequencies()
            self._df = DocumentFrequencies(counts, documents)
        return self._df

    def identify(self, item: Item, now: datetime) -> Identity:
        self._window(now)
        canon = item_url(item) or None
        words = Words.of(item.title, item.body)
        # only full article text identifies a copy; summaries are too short
        digest = text_hash(words.body) if item.text else None
        shingle_set = shingles(words.body) if item.text else frozenset()
        found = Identity(canon, digest, words)
        if canon and (original := self._store.item_by_canonical_url(canon)) is not None:
            return replace(found, original=original, reason="url")
        if digest and (original := self._store.item_by_text_hash(digest)) is not None:
            return replace(found, original=original, reason="text")
        if not shingle_set:
            return found
        found = replace(found, signature=signature(shingle_set))
        for candidate in self._index(now).candidates(found.signature):
            # the index loaded at start holds the last 30 days; one running longer holds
            # more, and must decide as a restarted one would
            stored = self._store.item_title_text(candidate, since=now - LOOKBACK)
            if stored is None:
                continue
            theirs = Words.of(*stored)
            if is_copy(shingle_set, shingles(theirs.body)) and not _adds_news(words, theirs):
                return replace(found, original=candidate, reason="copy")
        return found

    def remember(self, item_id: int, identity: Identity, now: datetime, *,
                 matched: bool) -> None:
        """Count a new original item in the IDF background and, when it matched a case,
        index it for later copies (a copy of an article no case wants needs no memory)."""
        if matched and identity.signature is not None:
            self._store.set_signature(item_id, identity.signature.tobytes())
            self._index(now).add(item_id, identity.signature, now)
        words = terms(identity.words)
        self._frequencies().add(words)
        self._store.add_document_frequencies(words)

    # level 3 ------------------------------------------------------------------------------

    def _member(self, case: CaseConfig, title: str, body: str, words: Words,
                published: datetime | None, stored: bytes | None = None) -> _Member:
        """What the development keeps of an article. Its vector is `stored` when the
        database has it: weighed with today's document frequencies, an article read
        again would not weigh its words as it did when it joined, and a restart could
        then decide otherwise than the daemon that ran on."""
        return _Member(
            vector=Packed.from_bytes(stored) if stored is not None else pack(
                vector(_content(words, self._case_words(case)), self._frequencies())),
            head=headline(words, self._sides(case)),
            day=event_day(words, published.date() if published else None),
            amounts=news_amounts(title, body), year=latest_year(words),
            again=taken_again(words))

    def _case(self, case: CaseConfig, now: datetime) -> _Case:
        """The case's developments seen in the last 30 days, with their centroids."""
        if case.id not in self._cases:
            state = _Case()
            devs: dict[str, _Development] = {}
            for row in self._store.case_members(case.id, since=now - LOOKBACK):
                fetched = parse_iso(row["fetched_at"]) or now
                dev = devs.get(row["development_id"])
                if dev is None:
                    dev = devs[row["development_id"]] = state.open(
                        row["development_id"], row["event"], set(json.loads(row["parties"])),
                        fetched)
                published = parse_iso(row["published"]) or (
                    fetched if row["dated_by_arrival"] else None)
                title, body = row["title"] or "", row["text"] or row["summary"] or ""
                member = self._member(case, title, body, Words.of(title, body), published,
                                      row["vector"])
                state.add(dev, member, published or fetched, fetched,
                          first=row["role"] != "update")
            self._cases[case.id] = state
        return self._cases[case.id]

    def assign(self, case: CaseConfig, item: Item, identity: Identity, now: datetime, *,
               dated_by_arrival: bool = False) -> Decision:
        """The development of `case` a new original item belongs to, or a new one.

        `dated_by_arrival`: the item has no date, but `now`, when it was first seen, is
        known to be close to it (a poll soon after the source's last one found it), so
        it is grouped as an item of that date."""
        self._window(now)
        published = item.published or (now if dated_by_arrival else None)
        when = published or now
        dated = published is not None
        words = identity.words
        member = self._member(case, item.title, item.body, words, published)
        vec, head, day, amounts, year = (member.vector, member.head, member.day,
                                         member.amounts, member.year)
        event = tag_event(words)
        parties = numbered_parties(words)
        day_date = day.exact if day is not None and dated else None
        state = self._case(case, now)
        similarities = state.centroids.cosines(vec)
        packed = vec if not dated else EMPTY
        best: _Development | None = None  # the most similar within the time window
        best_similarity = 0.0
        nearest: _Development | None = None  # the most similar at any time
        nearest_similarity = 0.0
        if item.docket is None:  # a docket entry is always its own development
            for dev in state.developments:
                if now - dev.last_seen > LOOKBACK:
                    continue  # as after a restart, which loads only the last 30 days
                agree = head.step is not None and dev.agrees(head)
                if head.step is not None and dev.headlines and not agree:
                    continue  # the headline names another step, or another side's
                if not dated and event and dev.event and event != dev.event:
                    continue  # undated, the whole text's step is all there is to go on
                if _new_parties(parties, dev.parties):
                    continue  # so is a new party
                if not dated and (dev.other_day(day) or years_apart(year, dev.years)
                                  or not dev.resembles_seed(packed)):
                    continue  # and, undated, news the text says is of another day or year,
                    # or unlike the news the development began with
                if not dated and member.again and not dev.again:
                    continue  # a step taken again is not the first time it was taken
                if other_amounts(amounts, dev.amounts):
                    continue  # and news of another sum of money
                similarity = float(similarities[dev.row])
                if similarity > nearest_similarity:
                    nearest, nearest_similarity = dev, similarity
                same_date = dev.same_date(day_date)
                gap = dev.gap(when)
                if not same_date and (
                        gap > LONG_WINDOW or (gap > WINDOW and similarity < LONG_JOIN)):
                    continue
                if same_date:  # news of the same date, as the texts tell it
                    similarity *= JOIN / SAME_DAY_JOIN
                elif agree and dated:  # the same step in the same few days
                    similarity *= JOIN / AGREE_JOIN
                if similarity > best_similarity:
                    best, best_similarity = dev, similarity
        if best is not None and best_similarity >= JOIN:
            state.add(best, member, when, now)
            if parties - best.parties:
                best.parties |= parties
                self._store.set_development_parties(best.id, best.parties)
            return Decision(role="update", development_id=best.id,
                            vector=vec.to_bytes())
        # not joined: when it resembles one, say so rather than stay silent
        related = nearest.id if nearest is not None and nearest_similarity >= GREY else None
        dev_id = "dev-" + stable_id(case.id, item.source_id, item.guid, length=12)
        state.add(state.open(dev_id, event, set(parties), now), member, when, now, first=True)
        return Decision(
            role="development",
            development_id=dev_id,
            new_development=NewDevelopment(
                id=dev_id, case_id=case.id, event=event, headline=item.title,
                possibly_related_to=related, parties=tuple(sorted(parties)),
            ),
            possibly_related_to=related, vector=vec.to_bytes(),
        )
