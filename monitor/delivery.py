"""The outbox delivery loop: send due rows, mark them sent, retry or dead.

An attempt is counted before the send starts. A crash during a send leaves the row
pending, so it is sent again after a restart with the same alert id (the
idempotency key): at most one resend, never a loss.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.base import Alert, Channel, ChannelConfigBase, DeliveryError
from monitor.store import OutboxRow, Store

log = logging.getLogger("casewatch.delivery")

RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0


def retry_delay(attempts: int, retry_after: float | None, rng: random.Random) -> timedelta:
    """Capped exponential backoff with jitter; a server's Retry-After wins if longer."""
    base = min(RETRY_CAP.total_seconds(), RETRY_BASE.total_seconds() * 2 ** max(0, attempts - 1))
    delay = base * rng.uniform(0.75, 1.25)
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
        self._lock = asyncio.Lock()

    async def deliver_due(self) -> DeliveryReport:
        """Send every row due now. Channels run side by side; one slow channel delays no other."""
        async with self._lock:
            rows = self.store.due(self.clock(), limit=1000)
            by_channel: dict[str, list[OutboxRow]] = defaultdict(list)
            for row in rows:
                by_channel[row.channel_id].append(row)
            reports = await asyncio.gather(
                *(self._deliver_channel(cid, batch) for cid, batch in by_channel.items())
            )
        return DeliveryReport(
            sent=sum(r.sent for r in reports),
            retried=sum(r.retried for r in reports),
            dead=sum(r.dead for r in reports),
        )

    async def _deliver_channel(self, channel_id: str, rows: list[OutboxRow]) -> DeliveryReport:
        sent = retried = dead = 0
        channel = self.channels.get(channel_id)
        for row in rows:
            if channel is None:
                self.store.mark_dead(row.alert_id, channel_id,
                                     error=f'channel "{channel_id}" is no longer configured')
                dead += 1
                continue
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
                 delivered.detail)
        return "sent"

    def _failed(self, row: OutboxRow, attempts: int, max_attempts: int, message: str,
                retryable: bool, retry_after: float | None, channel: Channel) -> str:
        if not retryable or attempts >= max_attempts:
            reason = message if not retryable else f"gave up after {attempts} attempts: {message}"
            self.store.mark_dead(row.alert_id, row.channel_id, error=reason)
            log.error("alert %s to %s is dead: %s", row.alert_id, channel.describe(), reason)
            return "dead"
        delay = retry_delay(attempts, retry_after, self.rng)
        self.store.mark_retry(row.alert_id, row.channel_id, next_attempt=self.clock() + delay,
                              error=message)
        log.warning("alert %s to %s failed (%s); retry in %ds", row.alert_id,
                    channel.describe(), message, delay.total_seconds())
        return "retry"
