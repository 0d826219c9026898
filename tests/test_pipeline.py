"""The pipeline end to end against real HTTP servers on 127.0.0.1 and a real SQLite file."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from monitor.config import parse_settings
from monitor.runtime.app import App, build_app
from tests.conftest import (
    FakeClock,
    Table,
    config_toml,
    console_channel,
    doe_case,
    feed_source,
    loopback_service,
)
from tests.servers import LoopbackServer, Request, Response, rss


def polled_feed(source_id: str, url: str, **fields: object) -> Table:
    """A feed source polled every five minutes."""
    return feed_source(source_id, url, interval="5m", **fields)


def make_app(tmp_path: Path, clock: FakeClock, *sources: Table, first: bool = True,
             stream: io.StringIO | None = None, **service: object) -> App:
    """An App following Doe v. Acme in `sources`, alerting on the console; `service`
    adds to [service]."""
    text = config_toml(database=tmp_path / "cw.db",
                       service=loopback_service(alert_on_first_poll=first, **service),
                       sources=sources, cases=[doe_case(notify=["out"])],
                       channels=[console_channel()])
    return build_app(parse_settings(text, {}), clock=clock, stream=stream or io.StringIO(),
                     extract_workers=0)


@pytest.fixture(autouse=True)
def _loop(aio: asyncio.Runner) -> None:
    global RUNNER
    RUNNER = aio


RUNNER: asyncio.Runner


def run_once(app: App):
    return RUNNER.run(app.run_once())


def close(app: App) -> None:
    RUNNER.run(app.aclose())


EVENTS = [
    "Doe sues Acme: complaint filed in federal court",
    "Judge rules on Acme motion to dismiss Doe v. Acme",
    "Hearing set in Doe v. Acme after discovery dispute",
    "Doe v. Acme ends in settlement, terms confidential",
    "Jury returns verdict in Doe v. Acme trial",
    "Acme files appeal to the Ninth Circuit in Doe v. Acme",
    "Doe amends complaint against Acme, adding a second plaintiff",
    "Court grants class certification motion in Doe v. Acme",
    "Doe v. Acme: sentencing of former Acme manager scheduled",
    "Acme moves for summary judgment in Doe v. Acme",
]


def story(n: int, server: LoopbackServer) -> dict[str, str]:
    """A story about a distinct event of the case, so that each is its own development."""
    return {"title": EVENTS[n % len(EVENTS)], "link": server.url(f"/a/{n}"),
            "text": f"News about Doe v. Acme, part {n}."}


def test_a_feed_served_twice_with_one_new_item_gives_exactly_one_new_alert(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    server.route("/feed", rss([story(1, server), story(2, server)]))
    out = io.StringIO()
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")), stream=out)
    reports, delivered = run_once(app)
    assert reports[0].new == 2 and delivered.sent == 2
    server.route("/feed", rss([story(1, server), story(2, server), story(3, server)]))
    clock.advance(minutes=5)
    reports, delivered = run_once(app)
    assert (reports[0].new, delivered.sent) == (1, 1)
    assert out.getvalue().count(server.url("/a/3") + "\n") == 1
    assert app.store.outbox_counts() == {"sent": 3}
    close(app)


def test_restart_after_a_run_sends_nothing_again(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    server.route("/feed", rss([story(1, server), story(2, server)]))
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")))
    assert run_once(app)[1].sent == 2
    close(app)
    out = io.StringIO()
    again = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")), stream=out)
    reports, delivered = run_once(again)
    assert (reports[0].new, delivered.sent) == (0, 0)
    assert out.getvalue() == ""
    close(again)


def test_guid_reuse_and_items_that_come_back_do_not_realert(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    one, two = story(1, server), story(2, server)
    server.route("/feed", rss([one, two]))
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")))
    run_once(app)
    server.route("/feed", rss([two]))  # the feed drops an item...
    run_once(app)
    server.route("/feed", rss([one, two]))  # ...and brings it back
    reports, delivered = run_once(app)
    assert (reports[0].new, delivered.sent) == (0, 0)
    close(app)


def test_an_item_that_cannot_be_stored_does_not_hold_up_the_others(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer,
        caplog: pytest.LogCaptureFixture) -> None:
    server.route("/feed", rss([story(n, server) for n in (1, 2, 3)]))
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")))
    real = app.pipeline.matcher.match

    def broken_on_two(item, words=None):  # type: ignore[no-untyped-def]
        if item.url.endswith("/a/2"):
            raise ValueError("a bug met item 2")
        return real(item, words)

    app.pipeline.matcher.match = broken_on_two  # type: ignore[method-assign]
    reports, delivered = run_once(app)
    assert reports[0].ok and delivered.sent == 2  # items 1 and 3, in one commit
    assert "item " + server.url("/a/2") + " not stored" in caplog.text
    app.pipeline.matcher.match = real  # type: ignore[method-assign]
    clock.advance(minutes=5)
    reports, delivered = run_once(app)  # the item was not lost: it is read again
    assert (reports[0].new, delivered.sent) == (1, 1)
    assert app.store.outbox_counts() == {"sent": 3}
    close(app)


def test_a_304_is_honoured(tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    body = rss([story(1, server)])

    def conditional(request: Request) -> Response:
        if request.headers.get("if-none-match") == '"v1"':
            return Response(304)
        return Response(200, body, {"ETag": '"v1"', "Content-Type": "application/rss+xml"})

    server.route("/feed", conditional)
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")))
    run_once(app)
    reports, delivered = run_once(app)
    assert reports[0].not_modified and reports[0].ok
    assert delivered.sent == 0
    assert server.hits("/feed")[-1].headers["if-none-match"] == '"v1"'
    assert app.store.source("news").consecutive_errors == 0
    close(app)


def test_a_failing_feed_backs_off_and_the_others_still_alert(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    server.route("/broken", Response(500, "oops"))
    server.route("/good", rss([story(1, server)]))
    app = make_app(tmp_path, clock, polled_feed("broken", server.url("/broken")),
                   polled_feed("good", server.url("/good")))
    reports, delivered = run_once(app)
    by_id = {r.source_id: r for r in reports}
    assert not by_id["broken"].ok and by_id["broken"].error_kind == "http"
    assert by_id["good"].ok and delivered.sent == 1
    delays = []
    for _ in range(4):
        row = app.store.source("broken")
        delays.append((row.next_poll - row.last_poll).total_seconds())
        run_once(app)
    row = app.store.source("broken")
    assert row.consecutive_errors == 5
    assert row.last_error == "HTTP 500"
    # interval 5m doubling with ±20% jitter: 5, 10, 20, 40 minutes
    for n, delay in enumerate(delays):
        assert 300 * 2**n * 0.8 <= delay <= 300 * 2**n * 1.2
    server.route("/broken", rss([story(9, server)]))
    reports, _ = run_once(app)
    assert app.store.source("broken").consecutive_errors == 0
    close(app)


def test_retry_after_is_honoured_on_a_429(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    server.route("/feed", Response(429, "slow down", {"Retry-After": "7200"}))
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")))
    run_once(app)
    row = app.store.source("news")
    assert (row.next_poll - row.last_poll).total_seconds() >= 7200
    close(app)


def test_not_a_feed_is_an_error_not_a_crash(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    server.route("/feed", "<html><body>Maintenance</body></html>", "text/html")
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")))
    reports, _ = run_once(app)
    assert reports[0].error_kind == "not_feed"
    close(app)


def test_first_poll_records_the_backlog_silently(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    server.route("/feed", rss([story(1, server), story(2, server)]))
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")), first=False)
    reports, delivered = run_once(app)
    assert reports[0].backlog and delivered.sent == 0
    server.route("/feed", rss([story(1, server), story(2, server), story(3, server)]))
    reports, delivered = run_once(app)
    assert (reports[0].new, delivered.sent) == (1, 1)
    close(app)


def test_the_same_article_from_two_feeds_alerts_once(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    base = story(1, server)
    tracked = dict(base, link=base["link"] + "?utm_source=rss&utm_medium=feed#top",
                   guid="other-guid")
    server.route("/one", rss([base]))
    server.route("/two", rss([tracked]))
    app = make_app(tmp_path, clock, polled_feed("one", server.url("/one")),
                   polled_feed("two", server.url("/two")))
    reports, delivered = run_once(app)
    assert sum(r.new for r in reports) == 2
    assert delivered.sent == 1
    close(app)


def test_items_that_match_no_case_do_not_alert(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    server.route("/feed", rss([{"title": "Weather", "link": server.url("/w"),
                                "text": "Sunny."}]))
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")))
    reports, delivered = run_once(app)
    assert reports[0].new == 1 and delivered.sent == 0
    close(app)


ARTICLE = """<html><head><title>Doe v. Acme goes to trial</title>
<meta property="og:site_name" content="Court Times"></head><body><article>
<h1>Doe v. Acme goes to trial</h1>
<p>The long-running case of Doe v. Acme went to trial on Monday in federal court.</p>
<p>Lawyers for both sides gave opening statements before a packed courtroom, and the
judge warned that the trial could last several weeks.</p>
<p>The plaintiff says the company ignored repeated warnings about its product.</p>
</article></body></html>"""


def test_articles_are_extracted_and_failures_fall_back_to_the_summary(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    server.route("/a/1", ARTICLE, "text/html")
    server.route("/a/2", Response(500, "down"))
    items = [
        {"title": "Trial opens", "link": server.url("/a/1"), "text": "short teaser"},
        {"title": "Doe v. Acme: another", "link": server.url("/a/2"), "text": "teaser"},
    ]
    server.route("/feed", rss(items))
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed"), extract=True))
    run_once(app)
    rows = {r["url"]: r for r in app.store.db.query("SELECT * FROM items")}
    extracted = rows[server.url("/a/1")]
    assert extracted["extracted"] == 1 and "opening statements" in extracted["text"]
    assert extracted["site_name"] == "Court Times"
    failed = rows[server.url("/a/2")]
    assert failed["extracted"] == 0 and failed["extract_failed"] == 1
    assert failed["summary"] == "teaser"
    # the first matched only through its extracted text; both alerted
    assert app.store.outbox_counts() == {"sent": 2}
    close(app)


def test_article_links_to_private_addresses_are_refused_unless_allowed(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    server.route("/a/1", ARTICLE, "text/html")
    server.route("/feed", rss([{"title": "Trial opens", "link": server.url("/a/1"),
                                "text": "Doe v. Acme teaser"}]))
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed"), extract=True),
                   allow_private_addresses=False)
    run_once(app)
    assert server.hits("/a/1") == []  # never fetched
    (row,) = app.store.db.query("SELECT extracted, extract_failed FROM items")
    assert row == {"extracted": 0, "extract_failed": 1}
    close(app)


@pytest.mark.parametrize("size", [2_000_000])
def test_oversized_responses_are_refused(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, size: int) -> None:
    server.route("/feed", Response(200, b"<rss>" + b" " * size))
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")),
                   max_response_bytes=100000)
    reports, _ = run_once(app)
    assert reports[0].error_kind == "too_large"
    close(app)


def test_hostile_titles_reach_the_console_without_control_characters(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    server.route("/feed", rss([{"title": "Doe v. Acme \x1b[31mRED&amp;", "link":
                                server.url("/x")}]))
    out = io.StringIO()
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")), stream=out)
    run_once(app)
    assert "\x1b" not in out.getvalue() and "Doe v. Acme" in out.getvalue()
    close(app)


def test_an_unchanged_body_without_etag_is_not_parsed_again(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> None:
    server.route("/feed", rss([story(1, server)]))
    app = make_app(tmp_path, clock, polled_feed("news", server.url("/feed")))
    assert run_once(app)[0][0].items == 1
    reports, delivered = run_once(app)
    assert reports[0].not_modified and reports[0].items == 0 and delivered.sent == 0
    server.route("/feed", rss([story(1, server), story(2, server)]))
    reports, delivered = run_once(app)
    assert (reports[0].items, reports[0].new, delivered.sent) == (2, 1, 1)
    close(app)


def test_a_round_starts_the_sources_that_were_slowest_last_time(
        tmp_path: Path, server: LoopbackServer, clock: FakeClock) -> None:
    """One poll at a time per host here, so the server sees the polls in the order they
    start: the source that took longest last round starts first in the next."""
    body = rss([{"title": "nothing", "link": "http://example.org/n"}])
    for name in ("a", "b", "c"):
        server.route(f"/{name}", Response(200, body, {"Content-Type": "application/xml"},
                                          delay=0.4 if name == "c" else 0.0))
    app = make_app(tmp_path, clock, *(polled_feed(n, server.url(f"/{n}")) for n in "abc"),
                   per_host_concurrency=1)
    run_once(app)
    assert [r.path for r in server.requests] == ["/a", "/b", "/c"]
    server.requests.clear()
    clock.advance(minutes=10)
    reports, _ = run_once(app)
    assert server.requests[0].path == "/c"
    assert sorted(r.path for r in server.requests) == ["/a", "/b", "/c"]
    assert [r.source_id for r in reports] == ["a", "b", "c"]  # reported in config order
    close(app)
