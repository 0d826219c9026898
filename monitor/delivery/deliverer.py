"""The outbox delivery loop: send due rows, mark them sent, retry or dead.

An attempt is counted before the send starts. A crash during a send leaves the row
pending, so it is sent again after a restart with the same alert id (the
idempotency key): at most one resend, never a loss.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.base import Alert, Channel, ChannelConfigBase, DeliveryError
from monitor.store.rows import OutboxRow
from monitor.store.store import Store

log = logging.getLogger("casewatch.delivery")

RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0


def retry_delay(attempts: int, retry_after: float | None, rng: random.Random) -> timedelta:
    """Capped exponential backoff with jitter; a server's Retry-After wins if longer.

    The jitter only shortens the wait (75-100% of it), so the cap is a real cap.
    """
    base = min(RETRY_CAP.total_seconds(), RETRY_BASE.total_seconds() * 2 ** max(0, attempts - 1))
    delay = base * rng.uniform(0.75, 1.0)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return timedelta(seconds=delay)


class Deliverer:
    def __init__(
        self,
        *,
        store: Store,
        channels: Mapping[str, Channel],
        configs: Mapping[str, ChannelConfigBase],
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.channels = channels
        self.configs = configs
        self.clock = clock
        self.rng = rng or random.Random()
        self._locks: dict[str, asyncio.Lock] = {}

    def _lock(self, channel_id: str) -> asyncio.Lock:
        lock = self._locks.get(channel_id)
        if lock is None:
            lock = self._locks[channel_id] = asyncio.Lock()
        return lock

    def busy(self, channel_id: str) -> bool:
        """True while a delivery to this channel is under way."""
        return self._lock(channel_id).locked()

    async def deliver_due(self) -> DeliveryReport:
        """Send every row due now, each channel on its own (for `run --once` and tests).

        A channel that is busy (a send in flight elsewhere) is left to that delivery.
        """
        self.retire_unconfigured()
        reports = await asyncio.gather(
            *(self.deliver_channel(cid) for cid in self.channels if not self.busy(cid))
        )
        return _total(reports)

    def retire_unconfigured(self) -> int:
        """Rows for channels no longer in the config are dead, with the reason."""
        dead = 0
        for channel_id in self.store.due_channels(self.clock()):
            if channel_id in self.channels:
                continue
            for row in self.store.due(self.clock(), channel_id=channel_id, limit=10_000):
                self.store.mark_dead(row.alert_id, channel_id,
                                     error=f'channel "{channel_id}" is no longer configured')
                dead += 1
        return dead

    async def deliver_channel(self, channel_id: str) -> DeliveryReport:
        """Send this channel's due rows, oldest first, until none is due or one must wait.

        One lock per channel: a hanging receiver holds up its own channel only.
        """
        channel = self.channels[channel_id]
        reports: list[DeliveryReport] = []
        async with self._lock(channel_id):
            while True:
                rows = self.store.due(self.clock(), channel_id=channel_id, limit=100)
                if not rows:
                    break
                report = await self._send_batch(channel, rows)
                reports.append(report)
                if report.retried or len(rows) < 100:
                    break
        return _total(reports)

    async def _send_batch(self, channel: Channel, rows: list[OutboxRow]) -> DeliveryReport:
        sent = retried = dead = 0
        for row in rows:
            outcome = await self.send_row(channel, row)
            sent += outcome == "sent"
            retried += outcome == "retry"
            dead += outcome == "dead"
            if outcome == "retry":
                break  # the channel is unwell: keep order, try the rest later
        return DeliveryReport(sent, retried, dead)

    async def send_row(self, channel: Channel, row: OutboxRow) -> str:
        self.store.mark_attempt(row.alert_id, row.channel_id)
        attempts = row.attempts + 1
        config = self.configs.get(row.channel_id)
        max_attempts = config.max_attempts if config else 30
        try:
            delivered = await channel.send(Alert.from_payload(row.payload))
        except DeliveryError as exc:
            return self._failed(row, attempts, max_attempts, exc.message, exc.retryable,
                                exc.retry_after, channel)
        except Exception as exc:  # a channel bug is retried, never fatal to the loop
            log.exception("%s: unexpected error", channel.describe())
            return self._failed(row, attempts, max_attempts, f"{type(exc).__name__}: {exc}",
                                True, None, channel)
        self.store.mark_sent(row.alert_id, row.channel_id, now=self.clock(),
                             response=delivered.detail)
        log.info("delivered alert %s to %s (%s)", row.alert_id, channel.describe(),
                 delivered.detail, extra={"alert": row.alert_id, "channel": row.channel_id,
                                          "case": row.case_id, "kind": row.kind,
                                          "attempt": attempts, "outcome": "sent"})
        return "sent"

    def _failed(self, row: OutboxRow, attempts: int, max_attempts: int, message: str,
                retryable: bool, retry_after: float | None, channel: Channel) -> str:
        if not retryable or attempts >= max_attempts:
            reason = message if not retryable else f"gave up after {attempts} attempts: {message}"
            self.store.mark_dead(row.alert_id, row.channel_id, error=reason)
            log.error("alert %s to %s is dead: %s", row.alert_id, channel.describe(), reason,
                      extra={"alert": row.alert_id, "channel": row.channel_id,
                             "case": row.case_id, "kind": row.kind, "attempt": attempts,
                             "outcome": "dead"})
            return "dead"
        delay = retry_delay(attempts, retry_after, self.rng)
        self.store.mark_retry(row.alert_id, row.channel_id, next_attempt=self.clock() + delay,
                              error=message)
        log.warning("alert %s to %s failed (%s); retry in %ds", row.alert_id,
                    channel.describe(), message, delay.total_seconds(),
                    extra={"alert": row.alert_id, "channel": row.channel_id,
                           "case": row.case_id, "kind": row.kind, "attempt": attempts,
                           "outcome": "retry"})
        return "retry"


def _total(reports: list[DeliveryReport]) -> DeliveryReport:
    return DeliveryReport(
        sent=sum(r.sent for r in reports),
        retried=sum(r.retried for r in reports),
        dead=sum(r.dead for r in reports),
    )
