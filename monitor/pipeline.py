"""One poll of one source: fetch → remember → extract → match → group → enqueue.

Each new item is stored together with its matches, developments and outbox rows in
one transaction, so a crash leaves it either wholly recorded or still unseen (and
picked up again by the next poll), never half-written.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from alerts.base import SuitRef
from feeds.base import DocketEntry, FeedError, Fetch, Item, PollResult, Source
from feeds.extract import Extracted
from feeds.registry import SourceConfig
from monitor.config import CaseConfig, Settings
from monitor.delivery.compose import build_alert, channel_status, told
from monitor.grouping.filings import filed_at
from monitor.grouping.grouper import Decision, Grouper
from monitor.grouping.stamps import ARRIVAL_BOUND, believable, undated
from monitor.grouping.steps import docket_step, event_of
from monitor.identity import item_url, stable_id
from monitor.matching.dockets import (
    DocketMatcher,
    alerts_entry,
    is_fuller,
    is_routine,
    match_entry,
)
from monitor.matching.matcher import Match, Matcher
from monitor.matching.suits import Found, SuitFinder, suit_case, suit_row
from monitor.store.rows import MatchRecord, NewDevelopment, OutboxEntry, SourceRow, iso
from monitor.store.store import Store

log = logging.getLogger("casewatch.pipeline")

Clock = Callable[[], datetime]
# (page bytes, url, want_title, want_date): a title or date the feed gave is not searched
Extractor = Callable[[bytes, str, bool, bool], Awaitable[Extracted | None]]
EXTRACT_CONCURRENCY = 4


@dataclass(frozen=True, slots=True)
class PollReport:
    source_id: str
    ok: bool
    items: int = 0  # items in the response
    new: int = 0  # items never seen before
    alerts: int = 0  # outbox rows written
    not_modified: bool = False
    backlog: bool = False  # first poll, recorded silently
    error: str | None = None
    error_kind: str | None = None
    fetch_seconds: float | None = None  # fetching and parsing the response, or failing to


def backoff_delay(
    interval: timedelta,
    errors: int,
    *,
    cap: timedelta,
    retry_after: float | None,
    rng: random.Random,
) -> timedelta:
    """Capped exponential backoff with ±20% jitter, never shorter than Retry-After."""
    base = min(cap.total_seconds(), interval.total_seconds() * 2 ** max(0, errors - 1))
    delay = base * rng.uniform(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return timedelta(seconds=min(delay, cap.total_seconds() * 1.2))


class Pipeline:
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        fetch: Fetch,
        sources: Mapping[str, Source],
        matcher: Matcher,
        grouper: Grouper,
        extractor: Extractor,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.fetch = fetch
        self.sources = sources
        self.matcher = matcher
        self.grouper = grouper
        self.extractor = extractor
        self.clock = clock
        self.rng = rng or random.Random()
        self.cases = {case.id: case for case in settings.cases}
        self.dockets = DocketMatcher(settings.cases)
        self.channels = {channel.id: channel for channel in settings.channels}
        self.suits = SuitFinder(settings.watches)
        self.suit_ids = {suit.id for suit in store.suits()} if settings.watches else set()
        self.followed: list[CaseConfig] = []  # suits found since the start
        self.found = Matcher([])  # their news
        self.on_case: Callable[[CaseConfig], None] | None = None  # a suit followed from now

    def interval(self, source_id: str) -> timedelta:
        return self.settings.source(source_id).interval or self.settings.service.default_interval

    async def poll(self, source_id: str) -> PollReport:
        """Poll one source. Never raises for a source's own failure: it is recorded."""
        source = self.sources[source_id]
        config = self.settings.source(source_id)
        row = self.store.source(source_id)
        interval = self.interval(source_id)
        started = time.perf_counter()
        try:
            result = await source.poll(self.fetch, row.state)
        except FeedError as exc:
            return replace(self._failed(source_id, exc.message, exc.kind, exc.retry_after,
                                        row.consecutive_errors + 1, interval),
                           fetch_seconds=time.perf_counter() - started)
        except Exception as exc:  # a parser bug must not stop the daemon
            log.exception("source %s: unexpected error", source_id)
            return self._failed(source_id, f"{type(exc).__name__}: {exc}", "parse", None,
                                row.consecutive_errors + 1, interval)
        fetched = time.perf_counter() - started
        try:
            return await self._remember(source_id, source, config, row, result, interval,
                                        fetched)
        except sqlite3.Error as exc:
            # a full disk, a database locked past the busy timeout, a read-only file: the
            # new items stay unseen (nothing was half-written) and are read again next poll
            message = f"database write failed ({exc}); new items are read again next poll"
            log.error("source %s: %s", source_id, message)
            try:
                self._failed(source_id, message, "store", None, row.consecutive_errors + 1,
                             interval)
            except sqlite3.Error:
                pass  # the failure cannot be recorded either; the log line says it
            return PollReport(source_id, ok=False, error=message, error_kind="store")

    async def _remember(self, source_id: str, source: Source, config: SourceConfig,
                        row: SourceRow, result: PollResult, interval: timedelta,
                        fetched: float) -> PollReport:
        """Store what a successful poll returned: unseen items, matches and alerts."""
        done = self.clock()
        next_poll = done + interval
        if result.not_modified:
            self.store.record_poll_success(
                source_id, now=done, next_poll=next_poll, etag=result.etag,
                last_modified=result.last_modified, state=result.state,
                got_new=False,
            )
            return PollReport(source_id, ok=True, not_modified=True, fetch_seconds=fetched)
        for warning in result.warnings:
            log.warning("source %s: %s", source_id, warning)
        if result.dropped:
            log.info("source %s: %d items without a usable docket number dropped", source_id,
                     result.dropped)
        items = undated(result.items, unchanged=result.unchanged)
        stamped = items is not result.items  # the feed stamps its items alike
        fresh = self._unseen(source_id, items, done)
        alerts_first = self._alerts_first(config)
        silent = not row.first_poll_done and not alerts_first
        quiet = [] if silent or alerts_first else \
            [i for i in fresh if i.guid in result.backlog]
        if quiet:
            fresh = [i for i in fresh if i.guid not in result.backlog]
            with self.store.atomic():
                self._store_backlog(quiet, done)
        if silent:
            with self.store.atomic():
                self._store_backlog(fresh, done)
                self._record_success(source_id, result, done, next_poll, got_new=bool(fresh))
            return PollReport(source_id, ok=True, items=len(result.items) + result.unchanged,
                              new=len(fresh), backlog=True, fetch_seconds=fetched)
        if source.extract and fresh:
            fresh = await self._extract_all(fresh)
            self.store.record_extraction(source_id,
                                         all_failed=all(i.extract_failed for i in fresh))
        # items the source did not have at its last success, not long ago, are that new
        # (not when they all carry one stamp: their one arrival would be that stamp again)
        recent = (row.last_success is not None and done - row.last_success <= ARRIVAL_BOUND
                  and not stamped)
        alerts = 0
        skipped = False
        try:
            # one commit for the poll: each commit writes every page it touched to the
            # log, and items of one poll share most of them (the term counts above all);
            # a failure leaves the poll's items unseen, to be read again
            with self.store.atomic():
                for item in fresh:
                    try:
                        alerts += self.ingest(item, self.clock(), arrived_new=recent)
                    except sqlite3.Error:
                        raise  # the database's trouble is every item's: the poll fails
                    except Exception:  # one item's trouble (a bug) is not the others'
                        log.exception("source %s: item %s not stored; it is read again "
                                      "next poll", source_id, item.url or item.guid)
                        skipped = True
                if skipped:  # forget the validators and the body, so it is read whole again
                    result = replace(result, etag=None, last_modified=None, state={})
                self._record_success(source_id, result, self.clock(), next_poll,
                                     got_new=bool(fresh))
        except BaseException:
            self.grouper.forget()  # its caches may hold what the rollback undid
            raise
        return PollReport(source_id, ok=True, items=len(result.items) + result.unchanged,
                          new=len(fresh) + len(quiet), alerts=alerts, fetch_seconds=fetched)

    # steps ----------------------------------------------------------------------------

    def _failed(self, source_id: str, message: str, kind: str, retry_after: float | None,
                errors: int, interval: timedelta) -> PollReport:
        now = self.clock()
        # a service that refused us is backed off from the first refusal on: asked again
        # at the usual interval, it would refuse again, and block for longer
        steps = errors + 1 if kind == "blocked" else errors
        delay = backoff_delay(interval, steps, cap=self.settings.service.max_backoff,
                              retry_after=retry_after, rng=self.rng)
        self.store.record_poll_failure(source_id, now=now, next_poll=now + delay,
                                       error=message, kind=kind)
        log.warning("source %s failed (%s, %d in a row): %s; next try in %ds",
                    source_id, kind, errors, message, delay.total_seconds())
        return PollReport(source_id, ok=False, error=message, error_kind=kind)

    def _store_backlog(self, items: list[Item], now: datetime) -> None:
        """Items stored as a backlog: seen, never alerted."""
        for item in items:
            self.store.insert_item(item, now=now, canonical_url=item_url(item) or None,
                                   status="backlog")

    def _alerts_first(self, config: SourceConfig) -> bool:
        """Whether what a source finds at first (its first poll, a search's first run)
        alerts, rather than being recorded silently as its backlog."""
        return (config.alert_on_first_poll if config.alert_on_first_poll is not None
                else self.settings.service.alert_on_first_poll)

    def _record_success(self, source_id: str, result: PollResult, now: datetime,
                        next_poll: datetime, *, got_new: bool) -> None:
        self.store.record_poll_success(
            source_id, now=now, next_poll=next_poll, etag=result.etag,
            last_modified=result.last_modified, state=result.state, got_new=got_new,
        )

    def _unseen(self, source_id: str, items: list[Item], now: datetime) -> list[Item]:
        known = self.store.known_guids(source_id, (i.guid for i in items))
        fuller = self._fuller_entries(source_id,
                                      [i for i in items if i.guid in known and i.docket])
        fresh: list[Item] = []
        seen: set[str] = set()
        for item in items:
            if item.guid in seen:
                continue
            seen.add(item.guid)
            if item.guid in fuller:
                item = fuller[item.guid]
            elif item.guid in known:
                continue
            when = believable(item.published, now)
            fresh.append(item if when == item.published else replace(item, published=when))
        # oldest first, so developments form in the order events happened
        return sorted(fresh, key=lambda i: (i.published is None, i.published or datetime.min))

    def _fuller_entries(self, source_id: str, items: list[Item]) -> dict[str, Item]:
        """Known docket entries a source now tells more about (a description added): each
        comes back under a versioned guid, so it is stored as an update of the entry."""
        out: dict[str, Item] = {}
        for item in items:
            entry = item.docket
            assert entry is not None
            prior = self.store.docket_original(entry.guid)
            if prior is not None and is_fuller(entry, prior[1]):
                version = stable_id(entry.description, entry.document_url, length=8)
                out[item.guid] = replace(item, guid=f"{item.guid}@{version}")
        if out:  # a version already stored is not news again
            stored = self.store.known_guids(source_id, (i.guid for i in out.values()))
            out = {guid: item for guid, item in out.items() if item.guid not in stored}
        return out

    async def _extract_all(self, items: list[Item]) -> list[Item]:
        gate = asyncio.Semaphore(EXTRACT_CONCURRENCY)

        async def one(item: Item) -> Item:
            async with gate:
                return await self._extract(item)

        return list(await asyncio.gather(*(one(item) for item in items)))

    async def _extract(self, item: Item) -> Item:
        if item.docket is not None or not item.url or not item.page:
            return item
        try:
            page = await self.fetch(item.url, guard=True)
            extracted = await self.extractor(page.body, page.url, not item.title,
                                             item.published is None) if page else None
        except FeedError as exc:
            log.info("article %s not fetched (%s): using the feed's summary", item.url, exc)
            extracted = None
        if extracted is None:
            return replace(item, extract_failed=True)
        return replace(
            item,
            text=extracted.text,
            title=item.title or extracted.title,
            site_name=extracted.site_name,
            published=item.published or believable(extracted.date, self.clock()),
            extracted=True,
            canonical_url=extracted.canonical_url,
        )

    def ingest(self, item: Item, now: datetime, *, arrived_new: bool = False) -> int:
        """Store one unseen item with its matches and alerts; returns outbox rows written.

        `arrived_new`: the item was not in its source at a recent poll (`ARRIVAL_BOUND`),
        so when it has no date of its own, `now` stands for one in grouping."""
        if item.docket is not None:
            with self.store.atomic():
                return self._ingest_docket(item, item.docket, now)
        dated_by_arrival = arrived_new and item.published is None
        written = 0
        try:
            with self.store.atomic():
                identity = self.grouper.identify(item, now)
                item_id = self.store.insert_item(
                    item, now=now, canonical_url=identity.canonical_url,
                    text_hash=identity.text_hash,
                    status={"url": "duplicate", "text": "duplicate", "copy": "near_duplicate",
                            None: "new"}[identity.reason],
                    duplicate_of=identity.original, dated_by_arrival=dated_by_arrival,
                )
                if item_id is None:
                    return 0
                if identity.original is not None:
                    self._attach_copy(item_id, identity.original, now)
                    log.info("item %s is a %s of item %d: not alerted", item.url or item.guid,
                             "copy" if identity.reason == "copy" else "repeat",
                             identity.original)
                    return 0
                matches = self._live([*self.matcher.match(item, identity.words),
                                      *self.found.match(item, identity.words)])
                self.grouper.remember(item_id, identity, now, matched=bool(matches))
                for match in matches:
                    case = self.cases[match.case_id]
                    decision = self.grouper.assign(case, item, identity, now,
                                                   dated_by_arrival=dated_by_arrival)
                    written += self._record_match(case, item, item_id, match, decision, now)
        except BaseException:
            self.grouper.forget()  # its caches may hold what the rollback undid
            raise
        return written

    def _ingest_docket(self, item: Item, entry: DocketEntry, now: datetime) -> int:
        """A docket entry: its identity is court + docket number + entry, across sources.

        The same entry from another source is a repeat, unless it says more (a long
        description where there was only a short one, a document): then it updates
        the entry's development instead of alerting again.
        """
        prior = self.store.docket_original(entry.guid)
        fuller = prior is not None and is_fuller(entry, prior[1])
        item_id = self.store.insert_item(
            item, now=now, canonical_url=None,
            status="new" if prior is None else "update" if fuller else "duplicate",
            duplicate_of=prior[0] if prior is not None else None,
        )
        if item_id is None:
            return 0
        if prior is not None:
            if not fuller:
                self._attach_copy(item_id, prior[0], now)
                return 0
            written = 0
            for row in self.store.item_matches(prior[0]):
                case = self.cases.get(row["case_id"])
                if case is None or row["development_id"] is None:
                    continue
                match = Match(case.id, row["score"], tuple(json.loads(row["terms"])),
                              entry.short_description or entry.description[:300])
                decision = Decision(role="update", development_id=row["development_id"])
                written += self._record_match(case, item, item_id, match, decision, now,
                                              send=alerts_entry(case, entry))
            return written
        matches, suit = self._live(match_entry(item, entry, self.matcher, self.dockets)), None
        if not matches and self.suits and (found := self.suits.find(entry, item.source_id)):
            suit, matches = self._follow(found, entry, now)
        written = 0
        for match in matches:
            case = self.cases[match.case_id]
            step = self._filing_step(case, entry)
            dev_id = "dev-" + stable_id(case.id, "docket", item.guid, length=12)
            link = self.grouper.file(case, step, filed_at(entry.filed_at, item.published, now),
                                     dev_id, now)
            if link.development_id is not None:  # the press told it first
                decision = Decision(role="update", development_id=link.development_id)
            else:
                decision = Decision(
                    role="development", development_id=dev_id,
                    new_development=NewDevelopment(id=dev_id, case_id=case.id,
                                                   event=event_of(step) if step else None,
                                                   headline=item.title,
                                                   possibly_related_to=link.related),
                    possibly_related_to=link.related,
                )
            written += self._record_match(case, item, item_id, match, decision, now, step=step,
                                          send=suit is not None or alerts_entry(case, entry),
                                          suit=suit)
        return written

    def _live(self, matches: list[Match]) -> list[Match]:
        """The matches, less those of a suit `casewatch unwatch` ended meanwhile."""
        return [m for m in matches if m.case_id not in self.suit_ids
                or ((suit := self.store.suit(m.case_id)) and suit.ended_at is None)]

    def _follow(self, found: Found, entry: DocketEntry,
                now: datetime) -> tuple[SuitRef | None, list[Match]]:
        """A new suit naming a watched party, followed as a case from now (if not ended)."""
        row = suit_row(found, entry, iso(now) or "")
        case = suit_case(row, found.watch)
        if case is None or not self.store.add_suit(row):
            return None, []
        self.cases[case.id] = case
        self.suit_ids.add(case.id)
        self.dockets = DocketMatcher(list(self.cases.values()))
        self.followed.append(case)
        self.found = Matcher(self.followed)
        if self.on_case is not None:
            self.on_case(case)
        log.info("new suit %s naming %s, followed as a case", case.id, row.party)
        return (SuitRef(row.court, row.docket_number, row.caption, row.party, row.side,
                        row.watch_id),
                [Match(case.id, 1.0, (found.named.as_named,), entry.short_description)])

    @staticmethod
    def _filing_step(case: CaseConfig, entry: DocketEntry) -> str | None:
        """The procedural step a docket entry is, for news to report; none for routine
        paperwork (the case's own list of it, when it has one)."""
        if is_routine(entry, case.docket_routine):
            return None
        return docket_step(entry.short_description, entry.description)

    def _attach_copy(self, item_id: int, original: int, now: datetime) -> None:
        """A repeat or copy joins the original's developments, silently."""
        for row in self.store.item_matches(original):
            self.store.insert_match(
                item_id,
                MatchRecord(case_id=row["case_id"], score=row["score"],
                            terms=tuple(json.loads(row["terms"])), snippet=row["snippet"],
                            development_id=row["development_id"], role="duplicate"),
                now=now,
            )

    def _record_match(self, case: CaseConfig, item: Item, item_id: int, match: Match,
                      decision: Decision, now: datetime, *, send: bool = True,
                      step: str | None = None, suit: SuitRef | None = None) -> int:
        article = item.docket is None  # a filing is not counted among the articles
        if decision.new_development is not None:
            articles = int(article)
            self.store.insert_development(decision.new_development, item_id=item_id, now=now,
                                          articles=articles)
        else:
            articles = self.store.touch_development(decision.development_id, now=now,
                                                    article=article)
        role = "docket_entry" if item.docket is not None and decision.role == "development" \
            else decision.role
        self.store.insert_match(
            item_id,
            MatchRecord(case_id=case.id, score=match.score, terms=match.terms,
                        snippet=match.snippet, development_id=decision.development_id,
                        role=role, vector=decision.vector, step=step),
            now=now,
        )
        if decision.role == "duplicate" or not send:
            return 0
        kind = "new_suit" if suit is not None else "docket_entry" \
            if item.docket is not None and decision.role == "development" else decision.role
        alert = build_alert(
            kind=kind, case=case, item=item, snippet=match.snippet, terms=match.terms,
            development_id=decision.development_id, new=decision.new_development,
            possibly_related_to=decision.possibly_related_to, articles=articles,
            **told(self.store.development_items(decision.development_id), item_id,
                   item.docket), suit=suit,
        )
        written = 0
        for channel_id in case.notify:
            status = channel_status(self.channels[channel_id], alert)
            if status and self.store.enqueue(
                OutboxEntry(alert_id=alert.id, channel_id=channel_id, kind=alert.kind,
                            case_id=case.id, payload=alert.payload(), status=status),
                now=now,
            ):
                written += 1
        return written
