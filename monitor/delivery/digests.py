"""Digests: a channel with `digest = "<cron>"` gets one message per cron time, not one per alert.

Alerts for such a channel wait in the outbox with status "digest". At a cron time (in
the channel's time zone) one transaction gathers the waiting rows created up to that
time into one outbox row of kind "digest" (its id is stable: channel and fire time),
marks them "digested" and records the fire time; the delivery loop then sends the
digest like any alert, with retries. A cron time that passed while the daemon was down
is caught up at start. Nothing waiting, nothing sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from alerts.base import Alert, ChannelConfigBase
from monitor.delivery.cron import digest_trigger, latest_fire
from monitor.identity import stable_id
from monitor.store.rows import OutboxEntry, iso
from monitor.store.store import Store

log = logging.getLogger("casewatch.digests")

def digest_alert(alert_id: str, entries: list[Alert]) -> Alert:
    """One message gathering `entries`; its case is theirs when they share one."""
    cases = {(entry.case_id, entry.case_caption) for entry in entries}
    case_id, caption = next(iter(cases)) if len(cases) == 1 else ("*", f"{len(cases)} cases")
    return Alert(id=alert_id, kind="digest", case_id=case_id, case_caption=caption, item=None,
                 entries=tuple(entries))


class Digester:
    def __init__(self, *, store: Store, configs: Mapping[str, ChannelConfigBase],
                 clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self.triggers = {
            channel_id: digest_trigger(config.digest, config.timezone)
            for channel_id, config in configs.items()
            if config.digest
        }

    def collect_due(self) -> list[str]:
        """Gather every digest whose time has come (at start: those missed while down)."""
        return [alert_id for channel_id in self.triggers
                if (alert_id := self.collect(channel_id)) is not None]

    def collect(self, channel_id: str) -> str | None:
        """If a cron time of the channel has passed, gather what waited until then into one
        outbox row; returns its alert id, or None when nothing was due or waiting."""
        trigger = self.triggers[channel_id]
        now = self.clock()
        with self.store.atomic():
            last = self.store.digest_last_fire(channel_id)
            if last is not None:
                start = last + timedelta(seconds=1)
            else:
                oldest = self.store.oldest_held(channel_id)
                if oldest is None:
                    return None
                start = oldest
            fire = latest_fire(trigger, start, now)
            if fire is None:
                return None
            held = self.store.held(channel_id, until=fire)
            self.store.set_digest_fire(channel_id, fire)
            if not held:
                return None
            alert_id = "d-" + stable_id("digest", channel_id, iso(fire) or "")
            alert = digest_alert(alert_id, [Alert.from_payload(row.payload) for row in held])
            self.store.enqueue(OutboxEntry(alert_id=alert_id, channel_id=channel_id,
                                           kind="digest", case_id=alert.case_id,
                                           payload=alert.payload()), now=now)
            self.store.mark_digested(channel_id, [row.alert_id for row in held],
                                     digest_id=alert_id)
        log.info("digest %s for %s (%s): %d alerts", alert_id, channel_id, iso(fire), len(held))
        return alert_id
