"""The composition root: wires the store, fetcher, sources, channels and clock together."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

import httpx

from alerts.base import Channel, ChannelContext
from alerts.registry import build_channel
from feeds.extract import Extracted, extract_article
from feeds.fetch import Fetcher
from feeds.newssearch import NewsSearchConfig
from monitor.config import CaseConfig, Settings
from monitor.delivery.deliverer import Deliverer, DeliveryReport
from monitor.delivery.digests import Digester
from monitor.grouping.grouper import Grouper
from monitor.matching.matcher import Matcher
from monitor.matching.suits import with_suits
from monitor.pipeline import Pipeline, PollReport
from monitor.runtime.admission import OldestFirst, poll_rank
from monitor.runtime.health import HealthMonitor
from monitor.runtime.memory import keep_large_blocks_apart, settle
from monitor.runtime.sources import round_warning, source_for
from monitor.runtime.workers import call
from monitor.runtime.workers import pool as workers_pool
from monitor.store.store import Store

Clock = Callable[[], datetime]
log = logging.getLogger("casewatch.app")
POLL_CONCURRENCY = 32
SHUTDOWN_WAIT = 5.0  # seconds a stopping daemon waits for its workers
# calls in the worker pool at once, per worker: one running and three ready, so that a
# worker has its next page while the daemon's loop is busy storing a poll's articles
# (with fewer ready, the cores idle in a burst and it runs slower; with more, a poll's
# alerts wait longer behind other polls' pages); the rest wait their turn in
# monitor.runtime.admission, oldest poll first. bench/bench_farm.py measures both.
CALLS_PER_WORKER = 4
_poll_ranks = itertools.count(1)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    settings: Settings
    store: Store
    fetcher: Fetcher
    pipeline: Pipeline
    deliverer: Deliverer
    digester: Digester
    health: HealthMonitor
    channels: dict[str, Channel]
    http: httpx.AsyncClient
    clock: Clock
    executor: Executor | None = None
    polls: dict[str, PollReport] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # each source's last poll
    _slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    def _poll_slot(self) -> asyncio.Semaphore:
        """At most POLL_CONCURRENCY polls at once: a round of a thousand feeds would
        otherwise fetch every body before the workers could parse the first ones, and
        hold them all in memory. Two workers keep up with 32 polls; more at once only
        hold more bodies waiting and cost more CPU in the daemon's loop (the farm
        benchmark, bench/README.md, is where to measure a change)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:
            self._slots = (loop, asyncio.Semaphore(POLL_CONCURRENCY))
        return self._slots[1]

    def grouping_held(self) -> tuple[int, int]:
        """(articles indexed for copies, developments) grouping holds in memory."""
        return self.pipeline.grouper.held()

    async def poll(self, source_id: str, *, check_health: bool = True) -> PollReport:
        started = time.perf_counter()
        async with self._poll_slot():
            began = time.perf_counter()
            poll_rank.set(next(_poll_ranks))  # its pages go to the workers before later polls'
            report = await self.pipeline.poll(source_id)
        self.polls[source_id] = report
        self.seconds[source_id] = time.perf_counter() - began
        log.info("polled %s", source_id, extra={
            "source": source_id, "ok": report.ok, "items": report.items, "new": report.new,
            "alerts": report.alerts, "not_modified": report.not_modified,
            "error_kind": report.error_kind,
            "ms": round((time.perf_counter() - started) * 1000, 1)})
        if check_health:
            self.health.after_poll(source_id)
        return report

    async def run_once(
        self, on_poll: Callable[[PollReport], None] | None = None
    ) -> tuple[list[PollReport], DeliveryReport]:
        """Poll every source once (side by side), gather due digests, deliver what is due.

        As in the daemon, a poll that wrote alerts starts the delivery of every idle
        channel at once, while the other polls go on; the rest is delivered at the end."""
        early: list[asyncio.Task[DeliveryReport]] = []

        async def one(source_id: str) -> PollReport:
            report = await self.poll(source_id, check_health=False)
            if report.alerts:
                early.extend(asyncio.create_task(self.deliverer.deliver_channel(channel_id))
                             for channel_id in self.channels
                             if not self.deliverer.busy(channel_id))
            if on_poll:
                on_poll(report)
            return report

        # the slowest sources last time start first, so that a slow host's polls run
        # beside the others rather than after them (longest first)
        order = sorted(self.settings.sources, key=lambda s: -self.seconds.get(s.id, 0.0))
        done = {s.id: r for s, r in zip(order, await asyncio.gather(*(one(s.id) for s in order)),
                                        strict=True)}
        reports = [done[s.id] for s in self.settings.sources]
        sent = list(await asyncio.gather(*early))
        self.health.check()  # once for the round: a check reads every source
        self.digester.collect_due()
        sent.append(await self.deliverer.deliver_due())
        return list(reports), DeliveryReport(sent=sum(r.sent for r in sent),
                                             retried=sum(r.retried for r in sent),
                                             dead=sum(r.dead for r in sent))

    async def aclose(self) -> None:
        for channel in self.channels.values():
            await channel.aclose()
        await self.fetcher.aclose()
        await self.http.aclose()
        if self.executor is not None:
            # waited for (off the loop, and not for ever: a worker may be deep in one
            # page), so that its manager thread is done before the interpreter's exit
            # handler wakes it: on Python 3.11 the two race, and the loser prints an
            # OSError traceback as the process exits
            waiting = asyncio.to_thread(self.executor.shutdown, wait=True, cancel_futures=True)
            try:
                await asyncio.wait_for(waiting, SHUTDOWN_WAIT)
            except TimeoutError:
                log.warning("workers still busy %gs after stop; exiting anyway", SHUTDOWN_WAIT)
        self.store.close()


def build_app(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    stream: TextIO | None = None,
    extract_workers: int | None = None,
    rng: random.Random | None = None,
) -> App:
    """Everything the daemon needs, built from validated settings. Opens the database."""
    keep_large_blocks_apart()
    service = settings.service
    store = Store.open(service.database)
    store.ensure_sources(s.id for s in settings.sources)
    if settings.watches:  # the suits its watches found are cases too
        settings = with_suits(settings, store.suits())
    fetcher = Fetcher(
        user_agent=service.user_agent,
        max_bytes=service.max_response_bytes,
        per_host=service.per_host_concurrency,
        allow_private=service.allow_private_addresses,
        deadline=service.fetch_deadline.total_seconds(),
    )
    http = httpx.AsyncClient(timeout=httpx.Timeout(15.0, connect=10.0))
    workers = extract_workers if extract_workers is not None else service.workers
    executor = workers_pool(workers) if workers > 0 else None
    admission = OldestFirst(CALLS_PER_WORKER * max(1, workers))

    async def offload(func: Callable[..., Any], *args: Any) -> Any:
        """Pure CPU-bound work (parsing, extraction) in the pool, so both cores work;
        the oldest poll's first (monitor.runtime.admission)."""
        loop = asyncio.get_running_loop()

        def start() -> Awaitable[Any]:
            if executor is None:
                return asyncio.to_thread(func, *args)
            return loop.run_in_executor(executor, call, func, *args)

        return await admission.run(poll_rank.get(), start)

    async def extract(body: bytes, url: str, want_title: bool, want_date: bool,
                      ) -> Extracted | None:
        return await offload(extract_article, body, url, want_title, want_date)

    context = ChannelContext(http=http, stream=stream)
    channels = {c.id: build_channel(c, context) for c in settings.channels}
    sources = {s.id: source_for(settings, s, offload) for s in settings.sources}
    for source in sources.values():
        if (warning := round_warning(settings, source)):
            log.warning("source %s: %s", source.id, warning)
    pipeline = Pipeline(
        settings=settings,
        store=store,
        fetch=fetcher,
        sources=sources,
        matcher=Matcher(settings.cases),
        grouper=Grouper(store),
        extractor=extract,
        clock=clock,
        rng=rng,
    )
    deliverer = Deliverer(
        store=store,
        channels=channels,
        configs={c.id: c for c in settings.channels},
        clock=clock,
        rng=rng,
    )
    digester = Digester(store=store, configs={c.id: c for c in settings.channels}, clock=clock)
    health = HealthMonitor(settings, store, {c.id: c for c in settings.channels}, clock)
    settle()
    app = App(settings=settings, store=store, fetcher=fetcher, pipeline=pipeline,
              deliverer=deliverer, digester=digester, health=health, channels=channels,
              http=http, clock=clock, executor=executor)

    def followed(case: CaseConfig) -> None:
        """A suit found: the pages and status see it, the news searches search for it."""
        app.settings = app.settings.model_copy(update={"cases": [*app.settings.cases, case]})
        for config in app.settings.sources:
            if isinstance(config, NewsSearchConfig) and config.covers(case.id):
                sources[config.id] = source_for(app.settings, config, offload)

    pipeline.on_case = followed
    return app
