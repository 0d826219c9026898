"""Source health: a failing or silent source is said once to the ops channels, and so is
its recovery; a network outage is one alert, not every feed broken."""

from __future__ import annotations

import asyncio
import io
import json
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from feeds.base import SourceState
from monitor.config import parse_settings
from monitor.runtime.app import App, build_app
from monitor.runtime.health import Health, assess, is_outage
from monitor.store.rows import SourceRow
from tests.conftest import (
    FakeClock,
    Table,
    config_toml,
    console_channel,
    doe_case,
    loopback_service,
)
from tests.servers import LoopbackServer, Response, rss
from tests.test_pipeline import polled_feed


@pytest.fixture
def run(aio: asyncio.Runner):
    return aio.run


def make_app(tmp_path: Path, clock: FakeClock, *sources: Table) -> App:
    """Doe v. Acme alerted to the console channel "team"; source health to "ops"."""
    text = config_toml(database=tmp_path / "cw.db",
                       service=loopback_service(failure_alert_after="1h"), sources=sources,
                       cases=[doe_case(notify=["team"])],
                       channels=[console_channel("team"), console_channel("ops", ops=True)])
    return build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                     extract_workers=0)


def health_alerts(app: App) -> list[tuple[str, str]]:
    rows = app.store.db.execute(
        "SELECT channel_id, payload FROM outbox WHERE kind = 'source_health' "
        "ORDER BY created_at, rowid")
    return [(channel, json.loads(payload)["item"]["title"]) for channel, payload in rows]


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/feed"


def story(n: int) -> dict[str, str]:
    return {"title": f"Doe v. Acme: hearing number {n}", "link": f"https://news.example/{n}",
            "guid": f"g{n}", "description": "Doe v. Acme lawsuit news."}


def test_a_source_failing_past_the_limit_is_said_once_then_its_recovery(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, run) -> None:
    server.route("/broken", Response(500, "oops"))
    server.route("/good", rss([story(1)]))
    app = make_app(tmp_path, clock, polled_feed("broken", server.url("/broken")),
                   polled_feed("good", server.url("/good")))
    run(app.run_once())
    assert health_alerts(app) == []  # failing, but not for an hour yet
    clock.advance(minutes=61)
    run(app.run_once())
    assert health_alerts(app) == [("ops", "Source broken is failing")]
    payload = json.loads(app.store.db.execute(
        "SELECT payload FROM outbox WHERE kind = 'source_health'").fetchone()[0])
    assert payload["item"]["snippet"].startswith("answering with an HTTP error for 61 min")
    for _ in range(3):
        clock.advance(minutes=30)
        run(app.run_once())
    assert len(health_alerts(app)) == 1  # said once, however long it lasts
    server.route("/broken", rss([story(2)]))
    clock.advance(minutes=30)
    run(app.run_once())
    assert health_alerts(app) == [("ops", "Source broken is failing"),
                                  ("ops", "Source broken is working again")]
    run(app.aclose())


def test_after_each_poll_its_source_is_said_at_once_and_the_rest_at_the_periodic_check(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, run) -> None:
    """The daemon checks health after each poll: what the poll changed for its source is
    said at once. What time alone changed for other sources (failing past the limit,
    falling silent) waits for the periodic check, so that a poll reads one source, not
    all of them."""
    for path in ("/broken", "/other"):
        server.route(path, Response(500, "oops"))
    server.route("/good", rss([story(1)]))
    app = make_app(tmp_path, clock, *(polled_feed(name, server.url(f"/{name}"))
                                      for name in ("broken", "other", "good")))
    for name in ("broken", "other", "good"):
        run(app.poll(name))
    clock.advance(minutes=61)
    run(app.poll("good"))
    assert health_alerts(app) == []  # the others crossed the limit with time alone
    run(app.poll("broken"))
    assert health_alerts(app) == [("ops", "Source broken is failing"),
                                  ("ops", "Source other is failing")]
    server.route("/broken", rss([story(2)]))
    clock.advance(minutes=5)
    run(app.poll("broken"))
    assert health_alerts(app)[-1] == ("ops", "Source broken is working again")
    run(app.aclose())


def test_a_source_silent_beyond_its_expected_update_is_said_once(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, run) -> None:
    server.route("/feed", rss([story(1)]))
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed"),
                                                expected_update="2h"))
    run(app.run_once())
    clock.advance(hours=1)
    run(app.run_once())
    assert health_alerts(app) == []
    clock.advance(hours=1, minutes=30)
    run(app.run_once())
    app.health.check()
    assert health_alerts(app) == [("ops", "Source news is silent")]
    server.route("/feed", rss([story(1), story(2)]))
    clock.advance(minutes=10)
    run(app.run_once())
    assert health_alerts(app)[-1] == ("ops", "Source news is working again")
    run(app.aclose())


def test_a_network_outage_is_one_alert_not_every_feed_broken(
        tmp_path: Path, clock: FakeClock, run) -> None:
    app = make_app(tmp_path, clock, *(polled_feed(f"s{i}", closed_port()) for i in range(4)))
    run(app.run_once())
    clock.advance(minutes=90)
    run(app.run_once())
    assert health_alerts(app) == [("ops", "The network is down")]
    run(app.aclose())


def _reads_every_source(app: App, poll) -> bool:
    """Whether the poll ran the whole check, which reads every source's row (SQLite's
    own record of the statements run)."""
    statements: list[str] = []
    app.store.db.conn.set_trace_callback(statements.append)
    try:
        poll()
    finally:
        app.store.db.conn.set_trace_callback(None)
    return "SELECT * FROM sources ORDER BY id" in statements


def test_a_poll_that_changes_nothing_said_reads_only_its_own_source(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, run) -> None:
    """A source still in the state said of it has nothing new to say, and during an
    outage already said a failing poll cannot end it: neither reads every source. A
    poll that may change what is said (a recovery) still does, and is said at once."""
    server.route("/broken", Response(500, "oops"))
    server.route("/good", rss([story(1)]))
    app = make_app(tmp_path, clock, polled_feed("broken", server.url("/broken")),
                   polled_feed("good", server.url("/good")))
    run(app.run_once())
    clock.advance(minutes=61)
    run(app.run_once())
    assert health_alerts(app) == [("ops", "Source broken is failing")]
    clock.advance(minutes=10)
    assert not _reads_every_source(app, lambda: run(app.poll("broken")))  # still failing
    server.route("/broken", rss([story(2)]))
    assert _reads_every_source(app, lambda: run(app.poll("broken")))
    assert health_alerts(app)[-1] == ("ops", "Source broken is working again")
    run(app.aclose())

    down = [closed_port() for _ in range(3)]
    app = make_app(tmp_path, clock, *(polled_feed(f"s{i}", url) for i, url in enumerate(down)))
    run(app.run_once())
    clock.advance(minutes=90)
    run(app.run_once())
    assert health_alerts(app)[-1] == ("ops", "The network is down")
    assert not _reads_every_source(app, lambda: run(app.poll("s0")))
    run(app.aclose())
    server.route("/s0", rss([story(3)]))  # the network is back for one of them
    app = make_app(tmp_path, clock, polled_feed("s0", server.url("/s0")),
                   *(polled_feed(f"s{i}", down[i]) for i in (1, 2)))
    assert _reads_every_source(app, lambda: run(app.poll("s0")))
    run(app.aclose())


def test_articles_that_keep_extracting_empty_are_said(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, run) -> None:
    server.route("/empty", Response(200, "<html><body></body></html>",
                                    {"Content-Type": "text/html"}))
    stories = []
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed"), extract=True))
    for n in range(4):
        stories.append({**story(n), "link": server.url("/empty")  + f"?{n}"})
        server.route("/feed", rss(stories))
        clock.advance(minutes=10)
        run(app.run_once())
    assert health_alerts(app) == [("ops", "Source news is failing")]
    snippet = json.loads(app.store.db.execute(
        "SELECT payload FROM outbox WHERE kind = 'source_health'").fetchone()[0])["item"]["snippet"]
    assert snippet.startswith("giving articles from which no text could be extracted (3 polls")
    run(app.aclose())


def row(**kwargs: object) -> SourceRow:
    base = dict(id="s", state=SourceState(), first_poll_done=True, last_poll=None,
                last_success=None, next_poll=None, consecutive_errors=0, failing_since=None,
                last_error=None, last_error_kind=None, last_new_item=None)
    base.update(kwargs)
    return SourceRow(**base)  # type: ignore[arg-type]


def test_assess_reads_the_stored_history(clock: FakeClock) -> None:
    now = clock()
    hour = timedelta(hours=1)
    failing = row(failing_since=now - 2 * hour, last_error="HTTP 503", last_error_kind="http")
    assert assess(failing, now, failure_after=hour, expected_update=None).state == "failing"
    assert assess(failing, now, failure_after=3 * hour, expected_update=None).state == "ok"
    quiet = row(last_success=now, last_new_item=now - 5 * hour)
    assert assess(quiet, now, failure_after=hour, expected_update=4 * hour).state == "silent"
    assert assess(quiet, now, failure_after=hour, expected_update=6 * hour).state == "ok"
    assert assess(quiet, now, failure_after=hour, expected_update=None).state == "ok"


def test_an_outage_needs_several_sources_all_failing_for_network_reasons() -> None:
    down = Health("failing", kind="offline")
    assert is_outage({"a": down, "b": Health("failing", kind="timeout"), "c": Health("ok")})
    assert not is_outage({"a": down})
    assert not is_outage({"a": down, "b": Health("failing", kind="http")})
