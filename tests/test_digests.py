"""Digests: alerts wait, then one message at each cron time in the channel's time zone;
through the real pipeline, a real SQLite file and a webhook receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import ConfigError, parse_settings
from monitor.delivery.cron import digest_trigger, latest_fire
from monitor.runtime.app import App, build_app
from tests.conftest import (
    FakeClock,
    Table,
    config_toml,
    doe_case,
    feed_source,
    loopback_service,
    webhook_channel,
)
from tests.servers import LoopbackServer, Response, rss

TITLES = [
    "Doe sues Acme: complaint filed",
    "Judge ruled Acme must face Doe lawsuit",
    "Doe v. Acme ends in settlement",
]


def config(tmp_path: Path, feed: str, hook: str, **channel: object) -> str:
    """Doe v. Acme to a webhook channel with a digest at nine in Berlin; `channel` changes
    its keys (None: takes one out)."""
    digests = {"digest": "0 9 * * *", "timezone": "Europe/Berlin", **channel}
    return config_toml(database=tmp_path / "cw.db", service=loopback_service(),
                       sources=[feed_source("news", feed)], cases=[doe_case(notify=["hook"])],
                       channels=[webhook_channel("hook", hook, **digests)])


def make_app(tmp_path: Path, clock: FakeClock, server: LoopbackServer, *,
             digest: str = "0 9 * * *", timezone: str = "Europe/Berlin") -> App:
    text = config(tmp_path, server.url("/feed"), server.url("/hook"), digest=digest,
                  timezone=timezone)
    return build_app(parse_settings(text, {}), clock=clock, extract_workers=0)


def serve(server: LoopbackServer, count: int) -> None:
    server.route("/feed", rss([{"title": TITLES[n], "link": server.url(f"/a/{n}"),
                                "text": f"News about Doe v. Acme, part {n}."}
                               for n in range(count)]))


def tick(aio: asyncio.Runner, app: App) -> list[str]:
    """What the daemon does at a cron time: gather due digests, deliver."""
    made = app.digester.collect_due()
    aio.run(app.deliverer.deliver_due())
    return made


def statuses(app: App) -> dict[str, int]:
    return app.store.outbox_counts()


@pytest.mark.parametrize(("start", "fires"), [
    (datetime(2026, 1, 5, 7, 30, tzinfo=UTC), datetime(2026, 1, 5, 8, 0, tzinfo=UTC)),  # CET
    (datetime(2026, 7, 6, 6, 30, tzinfo=UTC), datetime(2026, 7, 6, 7, 0, tzinfo=UTC)),  # CEST
])
def test_alerts_are_gathered_into_one_message_at_nine_in_berlin(
        tmp_path: Path, aio: asyncio.Runner, server: LoopbackServer,
        start: datetime, fires: datetime) -> None:
    clock = FakeClock(start)
    serve(server, 3)
    server.route("/hook", Response(200, "ok"))
    app = make_app(tmp_path, clock, server)
    try:
        aio.run(app.poll("news"))
        assert statuses(app) == {"digest": 3}
        alert_ids = [r.alert_id for r in app.store.held("hook", until=clock.now)]
        clock.now = fires - timedelta(seconds=1)
        assert tick(aio, app) == [] and not server.hits("/hook")  # 08:59:59 local
        clock.now = fires
        (digest_id,) = tick(aio, app)
        (request,) = server.hits("/hook")
        payload = json.loads(request.body)
        assert payload["kind"] == "digest" and payload["id"] == digest_id
        assert request.headers["idempotency-key"] == digest_id
        assert [e["id"] for e in payload["entries"]] == alert_ids
        assert {e["item"]["title"] for e in payload["entries"]} == set(TITLES)
        assert payload["case"]["id"] == "doe"
        assert statuses(app) == {"digested": 3, "sent": 1}
        clock.advance(days=1)  # the next day: nothing waited, nothing is sent
        assert tick(aio, app) == [] and len(server.hits("/hook")) == 1
    finally:
        aio.run(app.aclose())


def test_alerts_after_the_cron_time_wait_for_the_next_one(
        tmp_path: Path, aio: asyncio.Runner, server: LoopbackServer) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 7, 30, tzinfo=UTC))
    serve(server, 1)
    server.route("/hook", Response(200, "ok"))
    app = make_app(tmp_path, clock, server)
    try:
        aio.run(app.poll("news"))
        clock.now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        tick(aio, app)
        serve(server, 3)
        clock.advance(minutes=5)
        aio.run(app.poll("news"))
        assert tick(aio, app) == [] and len(server.hits("/hook")) == 1
        clock.now = datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
        tick(aio, app)
        first, second = (json.loads(r.body) for r in server.hits("/hook"))
        assert len(first["entries"]) == 1 and len(second["entries"]) == 2
        assert first["id"] != second["id"]
    finally:
        aio.run(app.aclose())


def test_a_digest_due_while_stopped_is_sent_at_start(
        tmp_path: Path, aio: asyncio.Runner, server: LoopbackServer) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 7, 30, tzinfo=UTC))
    serve(server, 2)
    server.route("/hook", Response(200, "ok"))
    app = make_app(tmp_path, clock, server)
    aio.run(app.poll("news"))
    aio.run(app.aclose())
    clock.now = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)  # down over 09:00 Berlin
    app = make_app(tmp_path, clock, server)
    try:
        (digest_id,) = tick(aio, app)
        (request,) = server.hits("/hook")
        assert request.headers["idempotency-key"] == digest_id
        assert len(json.loads(request.body)["entries"]) == 2
        assert tick(aio, app) == [] and len(server.hits("/hook")) == 1
    finally:
        aio.run(app.aclose())


def test_a_digest_that_failed_to_send_survives_a_restart_with_its_id(
        tmp_path: Path, aio: asyncio.Runner, server: LoopbackServer) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 7, 30, tzinfo=UTC))
    serve(server, 3)
    server.route("/hook", Response(503, "busy"))
    app = make_app(tmp_path, clock, server)
    aio.run(app.poll("news"))
    clock.now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    (digest_id,) = tick(aio, app)
    assert statuses(app) == {"digested": 3, "pending": 1}
    aio.run(app.aclose())

    server.route("/hook", Response(200, "ok"))
    clock.advance(hours=2)
    app = make_app(tmp_path, clock, server)
    try:
        assert tick(aio, app) == []  # gathered once, never twice
        first, again = server.hits("/hook")
        assert first.body == again.body
        assert {first.headers["idempotency-key"], again.headers["idempotency-key"]} == {digest_id}
        assert len(json.loads(again.body)["entries"]) == 3
        assert statuses(app) == {"digested": 3, "sent": 1}
    finally:
        aio.run(app.aclose())


def test_latest_fire_finds_the_last_cron_time_before_now() -> None:
    weekdays = digest_trigger("0 8 * * 1-5", "America/New_York")
    friday = datetime(2026, 1, 9, 13, 0, tzinfo=UTC)  # 08:00 in New York
    monday = datetime(2026, 1, 12, 12, 0, tzinfo=UTC)
    assert latest_fire(weekdays, datetime(2026, 1, 9, tzinfo=UTC), monday) == friday
    assert latest_fire(weekdays, friday.replace(minute=1), monday) is None
    every_minute = digest_trigger("* * * * *", "UTC")
    long_ago = datetime(2025, 1, 1, tzinfo=UTC)
    assert latest_fire(every_minute, long_ago, monday) == monday


@pytest.mark.parametrize(("change", "expected"), [
    ({"digest": "0 9 * *"},
     'channels[0].digest: invalid cron expression "0 9 * *": Wrong number of fields'),
    ({"digest": "0 25 * * *"}, 'channels[0].digest: invalid cron expression "0 25 * * *"'),
    ({"timezone": "Europe/Berln"}, 'channels[0].timezone: unknown time zone "Europe/Berln"'),
    ({"digest": None, "updates": "digest"},
     'channels[0].updates: "digest" needs a digest schedule'),
])
def test_digest_config_errors_name_their_path(tmp_path: Path, change: Table,
                                              expected: str) -> None:
    feed, hook = "http://127.0.0.1:9/feed", "http://127.0.0.1:9/hook"
    parse_settings(config(tmp_path, feed, hook), {})
    with pytest.raises(ConfigError) as info:
        parse_settings(config(tmp_path, feed, hook, **change), {})
    (error,) = info.value.errors
    assert error.startswith(expected), error


@pytest.mark.parametrize(("field", "days"), [
    ("1-5", "mon,tue,wed,thu,fri"), ("0", "sun"), ("7", "sun"), ("5-7", "sun,fri,sat"),
    ("mon-fri", "mon,tue,wed,thu,fri"), ("*/2", "sun,tue,thu,sat"), ("0,6", "sun,sat"),
])
def test_crontab_weekdays_count_from_sunday(field: str, days: str) -> None:
    trigger = digest_trigger(f"0 8 * * {field}", "UTC")
    week = [datetime(2026, 1, 4 + n, 8, tzinfo=UTC) for n in range(7)]  # from a Sunday
    fired = {f"{day:%a}".lower() for day in week
             if trigger.get_next_fire_time(None, day) == day}
    assert fired == set(days.split(","))
