"""Suits found by a party watch, followed as cases.

`SuitFinder.find` tells whether a docket entry of a suit no case follows names a watched
party, within the watch's courts and sources, its case name not naming a party it
excludes and its number not one it ignores. A suit found is stored (`Store.add_suit`) and
from then on is a case like a configured one (`suit_cases`): its docket entries are
matched by court and number, its news by a query derived from its caption, until the
user ends it or removes its watch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from feeds.base import DocketEntry
from feeds.docket_numbers import parse_docket_number
from monitor.config import CaseConfig, Settings, WatchConfig
from monitor.matching.parties import Named, PartyIndex
from monitor.store.suits import SuitRow, suit_id

log = logging.getLogger("casewatch.suits")


@dataclass(frozen=True, slots=True)
class Found:
    """A new suit an entry shows: its id, the watch, and the party it names."""

    id: str
    docket_number: str  # normalised: "1:18-cv-03364"
    watch: WatchConfig
    named: Named


class SuitFinder:
    """`SuitFinder(watches).find(entry, source_id) -> Found | None`, one pass for all."""

    def __init__(self, watches: Sequence[WatchConfig]) -> None:
        self.watches = {watch.id: watch for watch in watches}
        self.parties = PartyIndex((w.id, party) for w in watches for party in w.parties)
        self.excluded = PartyIndex((w.id, name) for w in watches for name in w.exclude)
        self.ignored = {w.id: {number.key for n in w.ignore
                               if (number := parse_docket_number(n)) is not None}
                        for w in watches}

    def __bool__(self) -> bool:
        return bool(self.watches)

    def find(self, entry: DocketEntry, source_id: str) -> Found | None:
        number = parse_docket_number(entry.docket_number)
        if number is None or not entry.court:
            return None
        named = self.parties.find(entry.case_name)
        if not named:
            return None
        excluded = {n.key for n in self.excluded.find(entry.case_name)}
        court = entry.court.lower()
        for found in named:
            watch = self.watches[found.key]
            if (watch.courts and court not in watch.courts) or watch.id in excluded \
                    or (watch.sources and source_id not in watch.sources) \
                    or number.key in self.ignored[watch.id]:
                continue
            return Found(suit_id(court, number.key), number.normal(), watch, found)
        return None


def suit_row(found: Found, entry: DocketEntry, created_at: str) -> SuitRow:
    return SuitRow(found.id, found.watch.id, entry.court.lower(), found.docket_number,
                   entry.case_name, found.named.party, found.named.side, created_at)


def suit_case(suit: SuitRow, watch: WatchConfig) -> CaseConfig | None:
    """A suit as the case it is followed as; None when it cannot be one (logged)."""
    try:
        return CaseConfig(id=suit.id, caption=suit.caption, parties=[suit.party],
                          court=suit.court, docket_number=suit.docket_number,
                          notify=list(watch.notify), docket_alert=watch.docket_alert)
    except ValidationError as exc:
        log.warning("suit %s cannot be followed: %s", suit.id, exc.errors()[0]["msg"])
        return None


def suit_cases(settings: Settings, suits: Iterable[SuitRow]) -> list[CaseConfig]:
    """The suits followed, as cases: those of a watch still configured, and no case's id
    twice."""
    watches = {watch.id: watch for watch in settings.watches}
    taken = {case.id for case in settings.cases}
    out = []
    for suit in suits:
        watch = watches.get(suit.watch_id)
        if watch is None or suit.id in taken or suit.ended_at is not None:
            continue
        if (case := suit_case(suit, watch)) is not None:
            out.append(case)
            taken.add(case.id)
    return out


def with_suits(settings: Settings, suits: Iterable[SuitRow]) -> Settings:
    """Settings whose cases are the configured ones and the suits followed."""
    found = suit_cases(settings, suits)
    return settings.model_copy(update={"cases": [*settings.cases, *found]}) if found \
        else settings
