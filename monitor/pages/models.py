"""What each page shows, built from the store's rows by pure functions: the templates
only lay these out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from math import ceil
from typing import Any

from monitor.pages.chart import Chart
from monitor.pages.wording import safe_url, step_label
from monitor.store.views import CaseSummary, DevelopmentRow, Member

CASES_PER_PAGE = 100
DEVELOPMENTS_PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class CaseLine:
    id: str
    caption: str
    total: int = 0
    last_7_days: int = 0
    last_30_days: int = 0
    last_headline: str = ""
    last_step: str = ""
    last_at: str | None = None


@dataclass(frozen=True, slots=True)
class SourceLine:
    id: str
    kind: str
    state: str  # ok, failing, silent, or "not polled yet"
    reason: str = ""
    last_poll: str | None = None
    next_poll: str | None = None
    last_success: str | None = None
    errors: int = 0
    last_error: str = ""
    error_kind: str = ""


@dataclass(frozen=True, slots=True)
class Paging:
    page: int
    pages: int
    total: int

    @classmethod
    def of(cls, page: int, total: int, per_page: int) -> Paging:
        pages = max(1, ceil(total / per_page))
        return cls(min(max(page, 1), pages), pages, total)


@dataclass(frozen=True, slots=True)
class IndexPage:
    cases: list[CaseLine]
    paging: Paging
    query: str
    failing: list[SourceLine]


@dataclass(frozen=True, slots=True)
class OutboxChannel:
    id: str
    kind: str
    counts: dict[str, int]  # pending, digest, dead
    rows: list[dict[str, Any]]
    more: int = 0  # rows not shown


@dataclass(frozen=True, slots=True)
class Told:
    """One item of a development as the timeline lists it."""

    kind: str  # "news" or "docket"
    title: str  # an article's title; an entry's description
    url: str  # the article, or the entry's document ("" when none or not http)
    outlet: str = ""  # an article's outlet
    when: str | None = None  # published, or filed
    entry: str = ""  # "#39" for a docket entry
    seen: str = ""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    id: str
    step: str
    when: str
    seen: str
    updated: str  # when an item last joined it
    headline: str
    first: Told | None
    filings: list[Told] = field(default_factory=list)  # the updates, by kind
    coverage: list[Told] = field(default_factory=list)
    copies: int = 0
    related_to: str | None = None

    @property
    def updates(self) -> int:
        return len(self.filings) + len(self.coverage)


@dataclass(frozen=True, slots=True)
class CasePage:
    id: str
    caption: str
    court: str
    docket_number: str
    entries: list[TimelineEntry]
    paging: Paging
    steps: list[tuple[str, str]]  # (value, label) of the filter's choices
    step: str
    kinds: list[str]
    kind: str
    chart: Chart | None


def most_active_first(cases: Iterable[tuple[str, str]],
                      last_at: Mapping[str, str]) -> list[tuple[str, str]]:
    """The cases (id, caption), the one with the latest new development first, then by
    id; those with none last."""
    ordered = sorted(cases)
    ordered.sort(key=lambda case: last_at.get(case[0], ""), reverse=True)  # stable
    return ordered


def find_cases(cases: Sequence[tuple[str, str]], query: str) -> list[tuple[str, str]]:
    """The cases whose id or caption holds every word of `query` (any case)."""
    words = query.lower().split()
    return [case for case in cases
            if all(w in f"{case[0]} {case[1]}".lower() for w in words)]


def case_line(case_id: str, caption: str, found: CaseSummary | None) -> CaseLine:
    if found is None:
        return CaseLine(case_id, caption)
    return CaseLine(case_id, caption, found.total, found.last_7_days, found.last_30_days,
                    found.last_headline, step_label(found.last_event, filing=found.last_filed),
                    found.last_at)


def told(member: Member) -> Told:
    if member.docket is not None:
        entry = member.docket.get("entry_number")
        return Told("docket",
                    member.docket.get("description") or member.docket.get(
                        "short_description") or member.title,
                    safe_url(member.docket.get("document_url")),
                    when=member.docket.get("filed_at") or member.published,
                    entry=f"#{entry}" if entry is not None else "", seen=member.seen)
    return Told("news", member.title, safe_url(member.url), member.outlet,
                member.published, seen=member.seen)


def timeline(developments: Sequence[DevelopmentRow],
             members: Iterable[Member]) -> list[TimelineEntry]:
    """Each development with the item that began it and the updates that followed."""
    of: dict[str, list[Member]] = {}
    for member in members:
        of.setdefault(member.development_id, []).append(member)
    out = []
    for dev in developments:
        items = of.get(dev.id, [])
        first = next((m for m in items if m.role in ("development", "docket_entry")), None)
        later = [told(m) for m in items if m.role == "update"]
        began_in_court = first is not None and first.docket is not None
        out.append(TimelineEntry(
            id=dev.id, step=step_label(dev.event, filing=began_in_court), when=dev.dated,
            seen=dev.created_at,
            updated=dev.last_seen_at,
            headline=dev.headline, first=told(first) if first else None,
            filings=[t for t in later if t.kind == "docket"],
            coverage=[t for t in later if t.kind == "news"],
            copies=sum(1 for m in items if m.role == "duplicate"),
            related_to=dev.possibly_related_to))
    return out


def step_choices(events: Iterable[str]) -> list[tuple[str, str]]:
    return [(event, step_label(event)) for event in sorted(set(events))]
