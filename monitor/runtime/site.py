"""The case pages on the daemon's HTTP port: which page a request asks for, whether it
may see it, and the store's rows read for it.

- `/`: every case, the most recently active first, with its last development and its
  counts over 7 and 30 days; the sources that are not healthy.
- `/cases/<id>`: the case's timeline, newest first, filtered by step and source kind;
  `/cases/<id>/feed.xml`: its developments as Atom.
- `/sources`: each source's health and polls. `/outbox`: alerts waiting or dead.

Pages read through a connection of their own that SQLite keeps from writing. When
`[service] http_token` is set (it must be, off loopback) a page needs it as a bearer
token or as the password of basic auth; the probes stay open.
"""

from __future__ import annotations

import base64
import hmac
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import parse_qs

from monitor.config import CaseConfig, Settings
from monitor.pages import render
from monitor.pages.chart import weekly
from monitor.pages.models import (
    CASES_PER_PAGE,
    DEVELOPMENTS_PER_PAGE,
    CasePage,
    IndexPage,
    OutboxChannel,
    Paging,
    SourceLine,
    case_line,
    find_cases,
    most_active_first,
    step_choices,
    timeline,
)
from monitor.runtime.health import source_health
from monitor.store.sqlite import Database
from monitor.store.store import Store
from monitor.store.views import Views, reader

PAGES = ("/", "/sources", "/outbox")
HTML = "text/html; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
# nothing runs on a page: no script, no frames, styles only its own, links only out
SECURITY_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
     "img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
)
CHALLENGE = (("WWW-Authenticate", 'Basic realm="casewatch", charset="UTF-8"'),)


class Shown(Protocol):
    """What the pages read: the daemon's current App (a config reload replaces it)."""

    store: Store
    settings: Settings

    def clock(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case

    def arg(self, name: str) -> str:
        return (self.query.get(name) or [""])[0].strip()

    def page(self) -> int:
        try:
            return max(1, int(self.arg("page") or 1))
        except ValueError:
            return 1


@dataclass(frozen=True, slots=True)
class Page:
    status: int
    body: bytes
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = SECURITY_HEADERS


def is_page(path: str) -> bool:
    return path in PAGES or path.startswith("/cases/")


def authorised(header: str, token: str) -> bool:
    """Whether an Authorization header carries the token: `Bearer <token>`, or basic auth
    with the token as the password (any user name)."""
    scheme, _, credentials = header.strip().partition(" ")
    given = credentials.strip()
    if scheme.lower() == "basic":
        try:
            given = base64.b64decode(given, validate=True).decode("utf-8").partition(":")[2]
        except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
            return False
    elif scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.encode(), token.encode())


def parse_query(query: str) -> dict[str, list[str]]:
    return parse_qs(query, keep_blank_values=True, max_num_fields=20)


class _Reader(Views):
    def __init__(self, db: Database) -> None:
        self.db = db


class Site:
    """Answers the page requests of the HTTP server."""

    def __init__(self, current: Callable[[], Shown]) -> None:
        self.current = current
        self._reader: tuple[str, _Reader] | None = None

    def close(self) -> None:
        if self._reader is not None:
            self._reader[1].db.close()
            self._reader = None

    def _views(self, app: Shown) -> Views:
        """The current database, opened to read only (the store itself for :memory:)."""
        path = app.settings.service.database
        if path == ":memory:":
            return app.store
        if self._reader is None or self._reader[0] != path:
            self.close()
            self._reader = (path, _Reader(reader(path)))
        return self._reader[1]

    def answer(self, request: Request) -> Page | None:
        """The page asked for; None when the path is not a page (or pages are off)."""
        if not is_page(request.path):
            return None
        app = self.current()
        service = app.settings.service
        if not service.pages:
            return None
        now = app.clock()
        token = service.token
        if token is not None and not authorised(request.headers.get("authorization", ""),
                                                token):
            return self._error(401, "This page needs the token of [service] http_token.",
                               now, extra=CHALLENGE)
        try:
            return self._route(app, request, now)
        except sqlite3.Error as exc:
            return self._error(503, f"The database cannot be read now: {exc}", now)

    def _route(self, app: Shown, request: Request, now: datetime) -> Page:
        views, settings = self._views(app), app.settings
        if request.path == "/":
            failing = [line for line in source_lines(settings, app.store, now)
                       if line.state in ("failing", "silent")]
            return self._html(render.index_page(
                index_view(settings, views, request, now, failing), now))
        if request.path == "/sources":
            return self._html(render.sources_page(source_lines(settings, app.store, now),
                                                  now))
        if request.path == "/outbox":
            return self._html(render.outbox_page(outbox_channels(settings, views), now))
        case_id, _, rest = request.path.removeprefix("/cases/").partition("/")
        case = next((c for c in settings.cases if c.id == case_id), None)
        if case is None or rest not in ("", "feed.xml"):
            what = "case" if case is None else "page"
            return self._error(404, f"There is no such {what}.", now)
        if rest == "feed.xml":
            view = case_view(settings, views, case, Request("GET", request.path), now,
                             chart=False)
            host = request.headers.get("host", "") or "localhost"
            body = render.case_feed(view, now, base_url=f"http://{host}")
            return Page(200, body.encode("utf-8", "replace"), ATOM)
        return self._html(render.case_page(case_view(settings, views, case, request, now),
                                           now))

    @staticmethod
    def _html(text: str, status: int = 200,
              extra: tuple[tuple[str, str], ...] = ()) -> Page:
        return Page(status, text.encode("utf-8", "replace"), HTML, SECURITY_HEADERS + extra)

    def _error(self, status: int, message: str, now: datetime,
               extra: tuple[tuple[str, str], ...] = ()) -> Page:
        return self._html(render.error_page(status, message, now), status, extra)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def source_lines(settings: Settings, store: Store, now: datetime) -> list[SourceLine]:
    rows = {row.id: row for row in store.sources()}
    out = []
    for source in settings.sources:
        row = rows.get(source.id)
        if row is None or not (row.first_poll_done or row.last_poll):
            out.append(SourceLine(source.id, source.kind, "not polled yet",
                                  next_poll=_iso(row.next_poll) if row else None))
            continue
        health = source_health(settings, row, now)
        out.append(SourceLine(
            source.id, source.kind, health.state, health.reason,
            last_poll=_iso(row.last_poll), next_poll=_iso(row.next_poll),
            last_success=_iso(row.last_success), errors=row.consecutive_errors,
            last_error=row.last_error or "", error_kind=row.last_error_kind or ""))
    return out


def index_view(settings: Settings, views: Views, request: Request, now: datetime,
               failing: list[SourceLine]) -> IndexPage:
    cases = most_active_first(((c.id, c.title) for c in settings.cases), views.case_order())
    query = request.arg("q")[:200]
    if query:
        cases = find_cases(cases, query)
    paging = Paging.of(request.page(), len(cases), CASES_PER_PAGE)
    start = (paging.page - 1) * CASES_PER_PAGE
    week, month = now - timedelta(days=7), now - timedelta(days=30)
    lines = [case_line(case_id, caption,
                       views.case_summary(case_id, week=week, month=month))
             for case_id, caption in cases[start:start + CASES_PER_PAGE]]
    return IndexPage(lines, paging, query, failing)


def outbox_channels(settings: Settings, views: Views) -> list[OutboxChannel]:
    rows, counts = views.waiting()
    out = []
    for channel in settings.channels:
        mine = [row for row in rows if row["channel_id"] == channel.id]
        count = {status: counts.get((channel.id, status), 0)
                 for status in ("pending", "digest", "dead")}
        out.append(OutboxChannel(channel.id, channel.kind, count, mine,
                                 more=sum(count.values()) - len(mine)))
    return out


def case_view(settings: Settings, views: Views, case: CaseConfig, request: Request,
              now: datetime, *, chart: bool = True) -> CasePage:
    case_id = case.id
    kinds_of = {s.id: s.kind for s in settings.sources}
    told_by = views.case_sources(case_id)
    kinds = sorted({kinds_of.get(source, "removed source") for source in told_by})
    step, kind = request.arg("step"), request.arg("source")
    sources = None
    if kind:
        sources = [s for s in told_by if kinds_of.get(s, "removed source") == kind]
    page = request.page()
    while True:
        developments, total = views.timeline(
            case_id, events=[step] if step else (), sources=sources,
            limit=DEVELOPMENTS_PER_PAGE, offset=(page - 1) * DEVELOPMENTS_PER_PAGE)
        paging = Paging.of(page, total, DEVELOPMENTS_PER_PAGE)
        if paging.page == page:
            break
        page = paging.page  # past the end: the last page
    entries = timeline(developments, views.members([d.id for d in developments]))
    return CasePage(
        id=case.id, caption=case.title, court=case.court or "",
        docket_number=case.docket_number or "", entries=entries, paging=paging,
        steps=step_choices(views.case_events(case_id)), step=step, kinds=kinds, kind=kind,
        chart=weekly(views.activity(case_id)) if chart else None)
