"""The daemon loop: one APScheduler job per source, one delivery job per channel and one
cron job per digest.

Each channel delivers on its own, so a receiver that hangs holds up its channel only. A
delivery tick that finds its channel's last delivery still sending returns without a word:
that is a slow receiver or a long outbox, not trouble. A poll that outlasts its source's
interval is still reported by APScheduler ("skipped: maximum number of running instances").

A restart does not stampede: each source's next run comes from its stored next poll,
and sources never polled before are spread over their interval.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config import ConfigError, Settings
from monitor.runtime.app import App
from monitor.runtime.http import Metrics
from monitor.runtime.logs import SECRETS, secret_values

log = logging.getLogger("casewatch.scheduler")
STOP_GRACE_SECONDS = 5.0  # sends still in flight then are cancelled: resent after start


def first_run(next_poll: datetime | None, now: datetime, interval: timedelta,
              rng: random.Random) -> datetime:
    """When a source first runs after start: its stored next poll, else spread over the interval."""
    if next_poll is not None:
        return max(next_poll, now)
    return now + timedelta(seconds=rng.uniform(0, min(interval.total_seconds(), 60.0)))


class Daemon:
    """Runs an App until stopped. With `load` and `build`, SIGHUP re-reads the config: a
    valid one replaces the running App (state lives in the database, so nothing is lost);
    an invalid one is refused with its errors and the running config stays."""

    def __init__(self, app: App, *, rng: random.Random | None = None,
                 stop_grace: float = STOP_GRACE_SECONDS,
                 load: Callable[[], Settings] | None = None,
                 build: Callable[[Settings], App] | None = None) -> None:
        self.app = app
        self.stop_grace = stop_grace
        self.rng = rng or random.Random()
        self.load = load
        self.build = build
        self.stop_event = asyncio.Event()
        self.reload_event = asyncio.Event()
        self._running: set[asyncio.Task[object]] = set()
        self.metrics = Metrics(lambda: self.app)  # a reload replaces the App
        self.scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )

    def _tracked(self, make: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            if self.stop_event.is_set():
                return
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await make()
            except asyncio.CancelledError:
                if not self.stop_event.is_set():
                    raise
                # cut short by a stop: what it did is committed, the rest waits for the
                # next start (a poll is repeated, a send in flight is sent again)
                log.info("job cancelled at stop")
            except Exception:
                log.exception("job failed")
            finally:
                if task is not None:
                    self._running.discard(task)

        return job

    def schedule(self) -> None:
        app = self.app
        now = app.clock()
        for source in app.settings.sources:
            interval = app.pipeline.interval(source.id)
            row = app.store.source(source.id)
            self.scheduler.add_job(
                self._tracked(partial(self.poll, source.id)),
                IntervalTrigger(seconds=interval.total_seconds(),
                                jitter=min(interval.total_seconds() * 0.1, 60)),
                id=f"poll:{source.id}", name=f"poll:{source.id}",
                next_run_time=first_run(row.next_poll, now, interval, self.rng),
            )
        every = app.settings.service.delivery_interval.total_seconds()
        for channel_id in app.channels:
            # two instances: a tick while the last delivery sends runs, finds the channel
            # busy and returns (APScheduler would skip it with a warning, every tick)
            self.scheduler.add_job(
                self._tracked(partial(self.deliver, channel_id)),
                IntervalTrigger(seconds=every), id=f"deliver:{channel_id}",
                name=f"deliver:{channel_id}", max_instances=2, next_run_time=now,
            )
        self.scheduler.add_job(self._tracked(self.check_health), IntervalTrigger(seconds=60),
                               id="health", name="health",
                               next_run_time=now + timedelta(seconds=60))
        for channel_id, trigger in app.digester.triggers.items():
            self.scheduler.add_job(self._tracked(partial(self.digest, channel_id)),
                                   trigger, id=f"digest:{channel_id}",
                                   name=f"digest:{channel_id}")

    async def check_health(self) -> None:
        """Say sources that started failing or fell silent, and those that recovered."""
        if self.app.health.check():
            self.wake_delivery()

    async def digest(self, channel_id: str) -> None:
        """At a digest's cron time: gather what waited into one outbox row and send it."""
        if self.app.digester.collect(channel_id):
            self.wake_delivery()

    async def poll(self, source_id: str) -> None:
        """Poll one source; when it wrote alerts, deliver them now rather than at the next tick."""
        report = await self.app.poll(source_id)
        self.metrics.polled(report)
        if report.alerts:
            self.wake_delivery()

    async def deliver(self, channel_id: str) -> None:
        """Send the channel's due rows. While its last delivery is still sending, there is
        nothing to do: that delivery sends what is due, in order."""
        deliverer = self.app.deliverer
        if deliverer.busy(channel_id):
            return
        self.metrics.delivered(channel_id, await deliverer.deliver_channel(channel_id))

    def wake_delivery(self) -> None:
        """Run the delivery job of every idle channel that has rows due."""
        deliverer = self.app.deliverer
        now = datetime.now(UTC)
        for channel_id in self.app.store.due_channels(self.app.clock()):
            if channel_id in self.app.channels and not deliverer.busy(channel_id):
                self.scheduler.modify_job(f"deliver:{channel_id}", next_run_time=now)

    def request_stop(self) -> None:
        self.stop_event.set()

    def request_reload(self) -> None:
        self.reload_event.set()

    async def _drain(self) -> None:
        """Let running jobs finish (up to the grace period), then cancel the rest."""
        if self._running:
            _, pending = await asyncio.wait(self._running, timeout=self.stop_grace)
            for task in pending:  # every write is one transaction: cancelling is safe
                task.cancel()

    async def reload(self) -> bool:
        """Re-read the config; swap in a new App when it is valid. False when refused."""
        if self.load is None or self.build is None:
            log.warning("reload requested, but this daemon was not started from a file")
            return False
        try:
            settings = self.load()
            SECRETS.set(secret_values(settings))
            fresh = self.build(settings)
        except ConfigError as exc:
            log.error("config reload refused, the running config stays: %s",
                      "; ".join(exc.errors))
            return False
        except Exception as exc:  # an unopenable database, say
            log.error("config reload refused, the running config stays: %s", exc)
            return False
        self.scheduler.remove_all_jobs()
        await self._drain()
        old, self.app = self.app, fresh
        self.app.deliverer.retire_unconfigured()
        self.schedule()
        await old.aclose()
        log.info("config reloaded: %d sources, %d cases, %d channels",
                 len(settings.sources), len(settings.cases), len(settings.channels))
        return True

    def health(self) -> str | None:
        """For /healthz: None while the scheduler runs and the database takes writes."""
        if not self.scheduler.running:
            return "scheduler not running"
        problem = self.app.store.write_problem()
        return f"database not writable: {problem}" if problem else None

    def readiness(self) -> str | None:
        """For /readyz: None from the scheduler's start until shutdown begins."""
        if self.stop_event.is_set():
            return "stopping"
        return None if self.scheduler.running else "starting"

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        handlers = {signal.SIGTERM: self.request_stop, signal.SIGINT: self.request_stop,
                    signal.SIGHUP: self.request_reload}
        for sig, handler in handlers.items():
            try:
                loop.add_signal_handler(sig, handler)
            except (NotImplementedError, RuntimeError):
                pass
        self.app.deliverer.retire_unconfigured()
        self.app.digester.collect_due()  # digests whose time passed while stopped
        self.schedule()
        self.scheduler.start()
        log.info("casewatch running: %d sources, %d cases, %d channels",
                 len(self.app.settings.sources), len(self.app.settings.cases),
                 len(self.app.settings.channels))
        while not self.stop_event.is_set():
            stop = asyncio.ensure_future(self.stop_event.wait())
            reload = asyncio.ensure_future(self.reload_event.wait())
            await asyncio.wait({stop, reload}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            reload.cancel()
            if self.reload_event.is_set() and not self.stop_event.is_set():
                self.reload_event.clear()
                await self.reload()
        log.info("stopping")
        self.scheduler.shutdown(wait=False)
        await self._drain()
        log.info("stopped")
