"""The outbox delivery loop against real webhook receivers on 127.0.0.1 and a real
SQLite file; only the clock is fake."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import parse_settings
from monitor.delivery.deliverer import RETRY_CAP
from monitor.runtime.app import App, build_app
from monitor.runtime.scheduler import Daemon
from monitor.store.rows import OutboxRow
from tests.conftest import (
    FakeClock,
    config_toml,
    doe_case,
    feed_source,
    loopback_service,
    webhook_channel,
)
from tests.servers import LoopbackServer, Request, Response, rss

EVENTS = [
    "Doe sues Acme: complaint filed",
    "Judge rules on Acme motion to dismiss",
    "Doe v. Acme ends in settlement",
]


def feed(server: LoopbackServer, count: int = 1) -> str:
    return rss([{"title": EVENTS[n], "link": server.url(f"/a/{n}"),
                 "text": f"News about Doe v. Acme, part {n}."} for n in range(count)])


def config_text(tmp_path: Path, server: LoopbackServer, hooks: dict[str, str], *,
                timeout: float = 5, **channel: object) -> str:
    """A config with one feed, one case and one webhook channel per entry of `hooks`
    (channel id → receiver path), each with `channel` added."""
    return config_toml(
        database=tmp_path / "cw.db", service=loopback_service(delivery_interval="1s"),
        sources=[feed_source("news", server.url("/feed"), interval="1h")],
        cases=[doe_case(notify=list(hooks))],
        channels=[webhook_channel(channel_id, server.url(path), timeout=timeout, **channel)
                  for channel_id, path in hooks.items()])


def make_app(text: str, clock: FakeClock | None = None) -> App:
    settings = parse_settings(text, {})
    if clock is None:
        return build_app(settings, extract_workers=0)
    return build_app(settings, clock=clock, extract_workers=0)


@pytest.fixture
def hang() -> Iterator[threading.Event]:
    """Set to release every receiver that is holding a request open."""
    release = threading.Event()
    yield release
    release.set()


def holding(release: threading.Event, then: Response | None = None):
    """A handler that holds every request open until `release` is set."""

    def handle(_request: Request) -> Response:
        release.wait(60)
        return then or Response(close=True)

    return handle


def rows(app: App) -> list[OutboxRow]:
    return app.store.outbox_rows(statuses=("pending", "sent", "dead", "digest"), limit=1000)


# --- one channel never delays another ------------------------------------------------


def test_a_hanging_channel_does_not_hold_up_another(
        tmp_path: Path, aio: asyncio.Runner, server: LoopbackServer,
        hang: threading.Event) -> None:
    server.route("/feed", feed(server))
    server.route("/a", holding(hang))
    server.route("/b", Response(200, "ok"))
    app = make_app(config_text(tmp_path, server, {"a": "/a", "b": "/b"}, timeout=30))

    async def scenario() -> tuple[float, bool, bool]:
        await app.poll("news")
        stuck = asyncio.create_task(app.deliverer.deliver_channel("a"))
        while not server.hits("/a"):
            await asyncio.sleep(0.01)
        started = time.monotonic()
        report = await app.deliverer.deliver_channel("b")
        took = time.monotonic() - started
        # deliver_due (run --once) leaves the busy channel to its own delivery
        again = await asyncio.wait_for(app.deliverer.deliver_due(), timeout=2)
        still_stuck = not stuck.done()
        stuck.cancel()
        return took, report.sent == 1 and again.sent == 0, still_stuck

    try:
        took, sent, still_stuck = aio.run(scenario())
        assert sent and still_stuck
        assert took < 2
        assert len(server.hits("/b")) == 1
        status = {r.channel_id: r.status for r in rows(app)}
        assert status == {"a": "pending", "b": "sent"}  # a's send is only in flight
    finally:
        aio.run(app.aclose())


def test_the_daemon_delivers_each_channel_on_its_own(
        tmp_path: Path, aio: asyncio.Runner, server: LoopbackServer,
        hang: threading.Event) -> None:
    server.route("/feed", feed(server))
    server.route("/a", holding(hang))
    server.route("/b", Response(200, "ok"))
    app = make_app(config_text(tmp_path, server, {"a": "/a", "b": "/b"}, timeout=30))

    async def scenario() -> tuple[float, int, int]:
        await app.poll("news")  # the next poll is an hour away: the daemon only delivers
        daemon = Daemon(app, stop_grace=0.5)
        running = asyncio.create_task(daemon.run())
        started = time.monotonic()
        deadline = started + 10
        while time.monotonic() < deadline and not (server.hits("/a") and server.hits("/b")):
            await asyncio.sleep(0.02)
        took = time.monotonic() - started
        # a later alert reaches b on b's next tick, while a is still stuck on the first
        server.route("/feed", feed(server, 2))
        await app.poll("news")
        daemon.wake_delivery()
        deadline = time.monotonic() + 5
        # until b's second alert is recorded as sent, not only received: a stop between
        # the two would leave it pending, to be sent again after a restart
        while time.monotonic() < deadline and [
                r.status for r in rows(app) if r.channel_id == "b"].count("sent") < 2:
            await asyncio.sleep(0.02)
        daemon.request_stop()
        await asyncio.wait_for(running, timeout=15)
        return took, len(server.hits("/a")), len(server.hits("/b"))

    try:
        took, to_a, to_b = aio.run(scenario())
        assert took < 10  # both channels were reached while a's receiver hung
        assert to_a == 1 and to_b == 2
        status = sorted((r.channel_id, r.status) for r in rows(app))
        assert status == [("a", "pending"), ("a", "pending"), ("b", "sent"), ("b", "sent")]
    finally:
        aio.run(app.aclose())


# --- outbox semantics -----------------------------------------------------------------


@pytest.fixture
def hook_app(tmp_path: Path, aio: asyncio.Runner, server: LoopbackServer,
             clock: FakeClock) -> Iterator[App]:
    """One alert in the outbox for channel "hook" (receiver at /hook, 1 s timeout)."""
    server.route("/feed", feed(server))
    app = make_app(config_text(tmp_path, server, {"hook": "/hook"}, timeout=1,
                               max_attempts=3), clock)
    aio.run(app.poll("news"))
    yield app
    aio.run(app.aclose())


def deliver(aio: asyncio.Runner, app: App) -> OutboxRow:
    aio.run(app.deliverer.deliver_channel("hook"))
    (row,) = rows(app)
    return row


def test_a_2xx_marks_the_row_sent(aio: asyncio.Runner, hook_app: App,
                                  server: LoopbackServer) -> None:
    server.route("/hook", Response(200, "stored"))
    row = deliver(aio, hook_app)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    (request,) = server.hits("/hook")
    assert request.headers["idempotency-key"] == row.alert_id
    assert json.loads(request.body)["id"] == row.alert_id


def test_a_429_waits_for_retry_after(aio: asyncio.Runner, hook_app: App, clock: FakeClock,
                                     server: LoopbackServer) -> None:
    server.route("/hook", Response(429, "slow down", {"Retry-After": "120"}))
    row = deliver(aio, hook_app)
    assert row.status == "pending" and "HTTP 429" in (row.last_error or "")
    assert row.next_attempt >= clock.now + timedelta(seconds=120)
    clock.advance(seconds=119)
    assert aio.run(hook_app.deliverer.deliver_due()).retried == 0  # not due yet
    assert len(server.hits("/hook")) == 1


def test_a_5xx_backs_off_exponentially_with_jitter_up_to_the_cap(
        tmp_path: Path, aio: asyncio.Runner, server: LoopbackServer, clock: FakeClock) -> None:
    server.route("/feed", feed(server))
    server.route("/hook", Response(500, "oops"))
    app = make_app(config_text(tmp_path, server, {"hook": "/hook"}), clock)
    try:
        aio.run(app.poll("news"))
        delays = []
        for _ in range(12):
            row = deliver(aio, app)
            assert row.status == "pending" and "HTTP 500 oops" in (row.last_error or "")
            delays.append((row.next_attempt - clock.now).total_seconds())
            clock.now = row.next_attempt
        assert row.attempts == 12 and len(server.hits("/hook")) == 12
        cap = RETRY_CAP.total_seconds()
        assert all(later > earlier for earlier, later in itertools.pairwise(delays[:8]))
        assert all(0 < d <= cap for d in delays)
        assert all(d >= 0.75 * cap for d in delays[8:])  # capped, not collapsing
        assert len({round(d) for d in delays[8:]}) > 1  # jitter keeps receivers apart
    finally:
        aio.run(app.aclose())


def test_a_4xx_makes_the_row_dead_with_the_reason(aio: asyncio.Runner, hook_app: App,
                                                  server: LoopbackServer) -> None:
    server.route("/hook", Response(400, "bad payload"))
    row = deliver(aio, hook_app)
    assert row.status == "dead" and row.attempts == 1
    assert "HTTP 400 bad payload" in (row.last_error or "")


def test_a_receiver_that_hangs_past_the_timeout_is_retried(
        aio: asyncio.Runner, hook_app: App, server: LoopbackServer,
        hang: threading.Event) -> None:
    server.route("/hook", holding(hang))
    started = time.monotonic()
    row = deliver(aio, hook_app)
    assert time.monotonic() - started < 5  # the channel's 1 s timeout, not the receiver
    assert row.status == "pending" and "timed out" in (row.last_error or "")


def test_a_dropped_connection_is_retried(aio: asyncio.Runner, hook_app: App,
                                         server: LoopbackServer) -> None:
    server.route("/hook", Response(close=True))
    row = deliver(aio, hook_app)
    assert row.status == "pending" and "cannot reach" in (row.last_error or "")


def test_max_attempts_then_dead_with_one_idempotency_key(
        aio: asyncio.Runner, hook_app: App, clock: FakeClock, server: LoopbackServer) -> None:
    answers = iter([Response(503, "busy"), Response(close=True), Response(500, "oops")])
    server.route("/hook", lambda _request: next(answers))
    for _ in range(3):
        row = deliver(aio, hook_app)
        clock.now = max(clock.now, row.next_attempt)
    assert row.status == "dead" and row.attempts == 3
    assert (row.last_error or "").startswith("gave up after 3 attempts: ")
    requests = server.hits("/hook")
    assert len(requests) == 3
    assert {r.headers["idempotency-key"] for r in requests} == {row.alert_id}
    assert len({r.body for r in requests}) == 1  # the same bytes on every retry
    clock.advance(days=1)
    assert aio.run(hook_app.deliverer.deliver_due()).sent == 0  # dead stays dead
    assert len(server.hits("/hook")) == 3
