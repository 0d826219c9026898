"""The daemon's HTTP endpoints: /healthz, /readyz and /metrics (Prometheus text format),
and the case pages (`monitor.runtime.site`).

A small HTTP/1.1 server on the daemon's own event loop (`asyncio.start_server`, one
request per connection). It answers only while the loop turns, so a loop that is stuck
fails its health check too.

- `/healthz`: 200 while the scheduler runs and the database takes a write; else 503.
- `/readyz`: 200 once the config is loaded, the database migrated and the scheduler
  started; 503 before that and from the start of shutdown.
- `/metrics`: counters moved at the edges (each poll's report, each delivery run's
  report), and what the database holds (outbox, matches, developments, last successful
  poll), read when scraped so that it is right after a restart too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from feeds.newssearch import NewsSearchConfig, search_report
from monitor.runtime.site import Request, Site, parse_query

if TYPE_CHECKING:
    from monitor.config import Settings
    from monitor.delivery.deliverer import DeliveryReport
    from monitor.pipeline import PollReport
    from monitor.store.rows import SourceRow
    from monitor.store.store import Store

log = logging.getLogger("casewatch.http")

READ_TIMEOUT = 5.0  # seconds a client gets to send its request head
FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
OUTCOMES = ("sent", "failed", "dead")
OUTBOX_STATUSES = ("pending", "digest", "sent", "dead")
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # what every Prometheus reads
_ADDRESS = re.compile(r"([^:\s]*):(\d{1,5})")

# the `_created` twin of every counter doubles the output and says little here
prometheus_client.disable_created_metrics()


class HttpError(Exception):
    """The HTTP endpoints cannot be served (a bad address, a port in use)."""


class Running(Protocol):
    """What the metrics read: the daemon's current App (a config reload replaces it)."""

    store: Store
    settings: Settings

    def grouping_held(self) -> tuple[int, int]: ...


class Checks(Protocol):
    """What /healthz and /readyz ask: None when fine, else a short reason."""

    def health(self) -> str | None: ...

    def readiness(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


def parse_address(address: str) -> tuple[str | None, int]:
    """"host:port" → (host, port); an empty host means every interface."""
    found = _ADDRESS.fullmatch(address)
    if not found or int(found.group(2)) > 65535:
        raise HttpError(f'http: expected "host:port", got "{address}"')
    return found.group(1) or None, int(found.group(2))


def parse_request_head(head: bytes) -> tuple[str, str]:
    """The method and path of a request head; ValueError when it is not HTTP/1.x."""
    request = parse_request(head)
    return request.method, request.path


def parse_request(head: bytes) -> Request:
    """A request head's method, path, query and headers; ValueError when it is not
    HTTP/1.x."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise ValueError(f"not an HTTP/1.x request line: {lines[0][:80]!r}")
    target = urlsplit(parts[1])
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return Request(parts[0], target.path, parse_query(target.query), headers)


def check_reply(problem: str | None) -> Reply:
    if problem is None:
        return Reply(200, b'{"status": "ok"}\n')
    body = json.dumps({"status": "unavailable", "reason": problem}) + "\n"
    return Reply(503, body.encode())


def render_reply(reply: Reply, *, head_only: bool = False) -> bytes:
    """The bytes of an HTTP/1.1 response that closes its connection."""
    phrase = HTTPStatus(reply.status).phrase
    lines = [
        f"HTTP/1.1 {reply.status} {phrase}",
        f"Content-Type: {reply.content_type}",
        f"Content-Length: {len(reply.body)}",
        "Cache-Control: no-store",
        "Connection: close",
        *(f"{name}: {value}" for name, value in reply.headers),
    ]
    if reply.status == 405:
        lines.append("Allow: GET, HEAD")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + reply.body


class Metrics:
    """casewatch's Prometheus metrics, in a registry of their own (one per daemon)."""

    def __init__(self, current: Callable[[], Running]) -> None:
        self.current = current
        self.registry = CollectorRegistry()
        r = self.registry
        self.polls = Counter("casewatch_polls", "Polls of a source, successful or not.",
                             ["source"], registry=r)
        self.poll_errors = Counter("casewatch_poll_errors", "Failed polls, by error kind.",
                                   ["source", "kind"], registry=r)
        self.items_seen = Counter("casewatch_items_seen", "Items in the sources' responses.",
                                  ["source"], registry=r)
        self.items_new = Counter("casewatch_items_new",
                                 "Items never seen before, recorded.", ["source"], registry=r)
        self.alerts = Counter(
            "casewatch_alerts",
            "Delivery attempts by outcome: sent, failed (tried again later) or dead.",
            ["channel", "outcome"], registry=r)
        self.fetch_seconds = Histogram(
            "casewatch_fetch_duration_seconds",
            "Time to fetch and parse a source's response (or to fail at it).",
            ["source"], buckets=FETCH_BUCKETS, registry=r)
        r.register(StoreCollector(current))
        self.declare()

    def declare(self) -> None:
        """Every configured source and channel has its series, at zero until it moves."""
        settings = self.current().settings
        for source in settings.sources:
            for family in (self.polls, self.items_seen, self.items_new, self.fetch_seconds):
                family.labels(source.id)
        for channel in settings.channels:
            for outcome in OUTCOMES:
                self.alerts.labels(channel.id, outcome)

    def polled(self, report: PollReport) -> None:
        self.polls.labels(report.source_id).inc()
        if not report.ok:
            self.poll_errors.labels(report.source_id, report.error_kind or "unknown").inc()
        self.items_seen.labels(report.source_id).inc(report.items)
        self.items_new.labels(report.source_id).inc(report.new)
        if report.fetch_seconds is not None:
            self.fetch_seconds.labels(report.source_id).observe(report.fetch_seconds)

    def delivered(self, channel_id: str, report: DeliveryReport) -> None:
        for outcome, count in zip(OUTCOMES, (report.sent, report.retried, report.dead),
                                  strict=True):
            if count:
                self.alerts.labels(channel_id, outcome).inc(count)

    def render(self) -> bytes:
        self.declare()  # sources and channels a reload added
        return generate_latest(self.registry)


def _search_metrics(settings: Settings, rows: Mapping[str, SourceRow]) -> Iterator[Metric]:
    """Per news search source and case: when last searched and what it found; per
    source: the requests of its last poll and its budget."""
    searched = GaugeMetricFamily("casewatch_search_last_timestamp_seconds",
                                 "When a case was last searched by a news search source.",
                                 labels=["source", "provider", "case"])
    found = GaugeMetricFamily("casewatch_search_items",
                              "Results of a case's last search.",
                              labels=["source", "provider", "case"])
    requests = GaugeMetricFamily("casewatch_search_requests",
                                 "Requests a news search source sent in its last poll.",
                                 labels=["source", "provider"])
    budget = GaugeMetricFamily("casewatch_search_budget",
                               "Searches a news search source may send per poll.",
                               labels=["source", "provider"])
    for source in settings.sources:
        row = rows.get(source.id)
        if not isinstance(source, NewsSearchConfig) or row is None:
            continue
        report = search_report(source, row.state.state, [c.id for c in settings.cases])
        for case in report.cases:
            labels = [source.id, source.provider, case.case]
            if case.searched:
                with contextlib.suppress(ValueError):
                    searched.add_metric(labels, datetime.fromisoformat(case.searched)
                                        .timestamp())
            if case.items is not None:
                found.add_metric(labels, case.items)
        if report.requests is not None:
            requests.add_metric([source.id, source.provider], report.requests)
        budget.add_metric([source.id, source.provider], report.budget)
    yield from (searched, found, requests, budget)


class StoreCollector:
    """What the database holds, read at each scrape."""

    def __init__(self, current: Callable[[], Running]) -> None:
        self.current = current

    def collect(self) -> Iterator[Metric]:
        app = self.current()
        try:
            rows = {row.id: row for row in app.store.sources()}
            outbox = app.store.outbox_counts()
            per_case = app.store.case_counts()
        except sqlite3.Error as exc:
            log.warning("metrics: the database cannot be read: %s", exc)
            return
        depth = GaugeMetricFamily("casewatch_outbox_rows", "Outbox rows by status.",
                                  labels=["status"])
        for status in sorted({*OUTBOX_STATUSES, *outbox}):
            depth.add_metric([status], outbox.get(status, 0))
        yield depth
        last = GaugeMetricFamily("casewatch_last_success_timestamp_seconds",
                                 "When a source was last polled successfully (Unix time).",
                                 labels=["source"])
        errors = GaugeMetricFamily("casewatch_source_consecutive_errors",
                                   "Failed polls of a source since its last success.",
                                   labels=["source"])
        for source_id in (s.id for s in app.settings.sources):
            row = rows.get(source_id)
            if row is None:
                continue
            if row.last_success is not None:
                last.add_metric([source_id], row.last_success.timestamp())
            errors.add_metric([source_id], row.consecutive_errors)
        yield last
        yield errors
        yield from _search_metrics(app.settings, rows)
        matches = CounterMetricFamily("casewatch_matches", "Items matched to a case.",
                                      labels=["case"])
        developments = CounterMetricFamily("casewatch_developments",
                                           "Developments of a case.", labels=["case"])
        for case_id in (c.id for c in app.settings.cases):
            matched, developed = per_case.get(case_id, (0, 0))
            matches.add_metric([case_id], matched)
            developments.add_metric([case_id], developed)
        yield matches
        yield developments
        articles, held = app.grouping_held()
        grouping = GaugeMetricFamily(
            "casewatch_grouping_held",
            "What grouping holds in memory: articles indexed for copies and developments "
            "(at most the last 30 days).", labels=["kind"])
        grouping.add_metric(["articles"], articles)
        grouping.add_metric(["developments"], held)
        yield grouping


class HttpServer:
    """/healthz, /readyz, /metrics and the case pages on the running event loop."""

    def __init__(self, checks: Checks, metrics: Metrics, site: Site | None = None) -> None:
        self.checks = checks
        self.metrics = metrics
        self.site = site
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.Task[None]] = set()  # connections being read or answered

    @classmethod
    async def start(cls, address: str, checks: Checks, metrics: Metrics,
                    site: Site | None = None) -> HttpServer:
        host, port = parse_address(address)
        self = cls(checks, metrics, site)
        try:
            self._server = await asyncio.start_server(self._handle, host, port)
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise HttpError(f"cannot serve HTTP on {address}: {reason}") from None
        log.info("serving /healthz, /readyz and /metrics%s on http://%s:%d",
                 " and the case pages" if site is not None else "", host or "0.0.0.0",
                 self.port)
        return self

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    async def aclose(self) -> None:
        """Stop listening, and end the connections still open (a browser opens some ahead
        of time and may never send a request on them)."""
        if self._server is not None:
            self._server.close()
            for task in self._open:
                task.cancel()
            await asyncio.gather(*self._open, return_exceptions=True)
            await self._server.wait_closed()
        if self.site is not None:
            self.site.close()

    def answer(self, method: str, path: str, request: Request | None = None) -> Reply:
        if method not in ("GET", "HEAD"):
            return Reply(405, b'{"status": "method not allowed"}\n')
        if self.site is not None and (page := self.site.answer(
                request or Request(method, path))) is not None:
            return Reply(page.status, page.body, page.content_type, page.headers)
        if path == "/healthz":
            return check_reply(self.checks.health())
        if path == "/readyz":
            return check_reply(self.checks.readiness())
        if path == "/metrics":
            return Reply(200, self.metrics.render(), METRICS_TYPE)
        return Reply(404, b'{"status": "not found"}\n')

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._open.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._open.discard(task)  # type: ignore[arg-type]
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        method = "GET"
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
            request = parse_request(head)
            method = request.method
            reply = self.answer(method, request.path, request)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                ConnectionError):
            writer.close()
            return
        except ValueError:
            reply = Reply(400, b'{"status": "bad request"}\n')
        except Exception:  # a bug in a check must not take the server down
            log.exception("http: error answering a request")
            reply = Reply(500, b'{"status": "internal error"}\n')
        try:
            writer.write(render_reply(reply, head_only=method == "HEAD"))
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
