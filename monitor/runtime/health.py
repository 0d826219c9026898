"""Source health: a source that keeps failing, or falls silent, is said once, and so is
its recovery.

`assess` is a pure function of what the store remembers about a source. `HealthMonitor`
compares each assessment with the last one said and enqueues a `source_health` alert
on every change, to the channels with `ops = true`. When every failing source fails
for the same network reason (offline, timeout) at once, that is one outage, said once,
not every feed broken.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from alerts.base import Alert, AlertItem, ChannelConfigBase
from monitor.config import Settings
from monitor.identity import stable_id
from monitor.store.rows import OutboxEntry, SourceRow, iso
from monitor.store.store import Store

State = Literal["ok", "failing", "silent"]
NETWORK = "*network*"  # the subject of an outage alert
NETWORK_KINDS = frozenset({"offline", "timeout"})
EMPTY_EXTRACTS = 3  # polls in a row whose new articles all came out empty
ERROR_WORDS = {
    "offline": "unreachable", "timeout": "timing out", "http": "answering with an HTTP error",
    "not_feed": "not serving a feed", "too_large": "sending responses over the size cap",
    "refused": "refused by the address guard", "parse": "not parsable",
    "extract_empty": "giving articles from which no text could be extracted",
    "blocked": "refused by the search service (rate limit or block page), backing off",
}


@dataclass(frozen=True, slots=True)
class Health:
    state: State
    since: datetime | None = None
    kind: str | None = None  # the error kind when failing
    reason: str = ""


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def assess(row: SourceRow, now: datetime, *, failure_after: timedelta,
           expected_update: timedelta | None) -> Health:
    """How one source is doing, from its stored poll history."""
    if row.failing_since is not None and now - row.failing_since >= failure_after:
        kind = row.last_error_kind or "http"
        return Health("failing", row.failing_since, kind,
                      f"{ERROR_WORDS.get(kind, 'failing')} for {_ago(now - row.failing_since)}: "
                      f"{row.last_error or ''}".rstrip(": "))
    if row.empty_extracts >= EMPTY_EXTRACTS:
        return Health("failing", None, "extract_empty",
                      f"{ERROR_WORDS['extract_empty']} ({row.empty_extracts} polls in a row); "
                      "alerts fall back to the feed's summaries")
    if expected_update is not None and row.first_poll_done and row.failing_since is None:
        last = row.last_new_item or row.last_success
        if last is not None and now - last > expected_update:
            return Health("silent", last, None,
                          f"nothing new for {_ago(now - last)} (expected within "
                          f"{_ago(expected_update)})")
    return Health("ok")


def source_health(settings: Settings, row: SourceRow, now: datetime) -> Health:
    """How a configured source is doing, by the service's and its own limits."""
    return assess(row, now, failure_after=settings.service.failure_alert_after,
                  expected_update=settings.source(row.id).expected_update)


def is_outage(found: Mapping[str, Health]) -> bool:
    """Several sources failing, and all of them for a network reason: the network is down."""
    failing = [h for h in found.values() if h.state == "failing"]
    return len(failing) >= 2 and all(h.kind in NETWORK_KINDS for h in failing)


class HealthMonitor:
    def __init__(self, settings: Settings, store: Store,
                 channels: Mapping[str, ChannelConfigBase], clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.store = store
        self.channels = {cid: c for cid, c in channels.items() if c.ops}
        self.clock = clock

    def assess_all(self, now: datetime) -> dict[str, Health]:
        return {row.id: source_health(self.settings, row, now)
                for row in self.store.sources() if row.id in self.settings.sources_by_id}

    def after_poll(self, source_id: str) -> int:
        """After one poll: the whole check (which reads every source) only when the poll
        may have changed what is said. It is skipped when the source is in the state last
        said of it, with the network not said down (nothing new for it; what time alone
        changes for others is the periodic check's), and when the network is said down
        and the source is still not healthy (a failing poll cannot end an outage). A
        round of 1,000 polls checked 1,000 sources after each; during an outage, after
        every failing one."""
        said = self.store.health
        state = source_health(self.settings, self.store.source(source_id), self.clock()).state
        mine, network = (found[0] if (found := said(subject)) is not None else "ok"
                         for subject in (source_id, NETWORK))
        if (network == "ok" and state == mine) or (network != "ok" and state != "ok"):
            return 0
        return self.check()

    def check(self) -> int:
        """Say every change of health since the last check; returns outbox rows written."""
        now = self.clock()
        found = self.assess_all(now)
        said = self.store.health_said()  # one read, not one per source
        written = 0
        with self.store.atomic():
            if is_outage(found):
                since = min(h.since for h in found.values() if h.since is not None)
                failing = sorted(sid for sid, h in found.items() if h.state == "failing")
                outage = Health("failing", since, "offline",
                                f"{len(failing)} sources unreachable since {iso(since)}: "
                                f"{', '.join(failing)}")
                written += self._say(NETWORK, outage, now, said)
                # the sources' own states wait until the network is back
                return written
            written += self._say(NETWORK, Health("ok"), now, said)
            for source_id, health in found.items():
                written += self._say(source_id, health, now, said)
        return written

    def _say(self, subject: str, health: Health, now: datetime,
             said: Mapping[str, tuple[str, str | None]]) -> int:
        """Store the subject's health; a change of state is an alert, a new start date not."""
        stored = said.get(subject)
        before = stored[0] if stored is not None else "ok"
        since = iso(health.since) if health.since else None
        if stored is None and health.state == "ok":
            return 0
        if stored is not None and stored == (health.state, since):
            return 0
        self.store.set_health(subject, health.state, health.since, now=now)
        if before == health.state:
            return 0
        return self._enqueue(subject, health, before, now)

    def _enqueue(self, subject: str, health: Health, before: str, now: datetime) -> int:
        name = "The network" if subject == NETWORK else f"Source {subject}"
        if health.state == "ok":
            title = f"{name} is working again"
            reason = f"recovered after being {before}"
        else:
            title = f"{name} is {'down' if subject == NETWORK else health.state}"
            reason = health.reason
        alert = Alert(
            id="h-" + stable_id(subject, health.state, iso(health.since or now) or ""),
            kind="source_health", case_id="", case_caption="",
            item=AlertItem(title=title, url="", source=subject if subject != NETWORK else "",
                           published=iso(now), snippet=reason),
        )
        written = 0
        for channel_id, channel in self.channels.items():
            if channel.events and "source_health" not in channel.events:
                continue
            status = "digest" if channel.digest else "pending"
            written += self.store.enqueue(
                OutboxEntry(alert_id=alert.id, channel_id=channel_id, kind=alert.kind,
                            case_id="", payload=alert.payload(), status=status),
                now=now,
            )
        return written
