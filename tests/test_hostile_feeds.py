"""Hostile feeds and pages beside a good source: casewatch stays up, records the hostile
source's error with a clear reason (or reads what there is to read), keeps alerting from
the good source, and holds memory within bounds."""

from __future__ import annotations

import asyncio
import io
import json
import time
import tracemalloc
from pathlib import Path

import pytest

from monitor.config import parse_settings
from monitor.delivery.deliverer import DeliveryReport
from monitor.pipeline import PollReport
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
from tests.hostile import HOSTILE, Hostile
from tests.servers import LoopbackServer, Request, Response, rss

GOOD = "Acme files appeal to the Ninth Circuit in Doe v. Acme"
MEMORY_BOUND = 40_000_000  # bytes of Python allocations during one round


def config(tmp_path: Path, hostile: Table, good: Table, *, first: bool = True,
           cap: int = 1_000_000) -> str:
    """The hostile source and the good one; fetches capped at `cap` bytes and 2 s."""
    service = loopback_service(alert_on_first_poll=first, max_response_bytes=cap,
                               fetch_deadline="2s")
    return config_toml(database=tmp_path / "cw.db", service=service, sources=[hostile, good],
                       cases=[doe_case(notify=["out"])], channels=[console_channel()])


def make_app(tmp_path: Path, clock: FakeClock, server: LoopbackServer, *,
             first: bool = True, cap: int = 1_000_000) -> App:
    text = config(tmp_path, feed_source("hostile", server.url("/hostile")),
                  feed_source("good", server.url("/good")), first=first, cap=cap)
    return build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                     extract_workers=0)


def bounded_round(app: App, aio: asyncio.Runner) -> tuple[list[PollReport], DeliveryReport]:
    """One round, which must hold under MEMORY_BOUND of Python allocations and 10 s."""
    started = time.monotonic()
    tracemalloc.start()
    try:
        reports, delivered = aio.run(app.run_once())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"{peak / 1e6:.0f} MB held"
    assert time.monotonic() - started < 10
    return reports, delivered


def alerted(app: App, source: str) -> list[str]:
    return sorted(json.loads(row["payload"])["item"]["title"]
                  for row in app.store.db.query("SELECT payload FROM outbox")
                  if json.loads(row["payload"])["item"]["source"] == source)


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_feed_is_recorded_and_the_good_one_still_alerts(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, aio: asyncio.Runner,
        hostile: Hostile) -> None:
    server.route("/hostile", hostile.response)
    server.route("/good", rss([{"title": GOOD, "link": server.url("/a/1"),
                                "text": "Doe v. Acme lawsuit news."}]))
    app = make_app(tmp_path, clock, server)
    reports, delivered = bounded_round(app, aio)
    by_id = {r.source_id: r for r in reports}
    row = app.store.source("hostile")
    assert by_id["good"].ok and alerted(app, "good") == [GOOD]
    if hostile.error_kind:
        assert not by_id["hostile"].ok
        assert (row.last_error_kind, row.consecutive_errors) == (hostile.error_kind, 1)
        assert hostile.reason in row.last_error, row.last_error
        assert delivered.sent == 1
    else:
        assert by_id["hostile"].ok, by_id["hostile"].error
        assert alerted(app, "hostile") == sorted(hostile.titles)
        assert "root:" not in json.dumps(alerted(app, "hostile"))  # no file was read
        assert delivered.sent == 1 + len(hostile.titles)
        for row in app.store.db.query("SELECT published FROM items"):  # none after 2026
            assert row["published"] is None or row["published"] < "2027"
    aio.run(app.aclose())


def test_guids_that_change_on_every_fetch_alert_once(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, aio: asyncio.Runner) -> None:
    fetches = [0]

    def shifting(_request: Request) -> Response:
        fetches[0] += 1
        return Response(200, rss([{"title": GOOD, "link": server.url("/a/1"),
                                   "guid": f"urn:uuid:{fetches[0]}-{n}",
                                   "text": "Doe v. Acme lawsuit news."} for n in range(3)]))

    server.route("/hostile", shifting)
    server.route("/good", rss([]))
    app = make_app(tmp_path, clock, server)
    sent = []
    for _ in range(4):
        reports, delivered = aio.run(app.run_once())
        assert all(r.ok for r in reports)
        sent.append(delivered.sent)
        clock.advance(minutes=20)
    assert fetches[0] == 4 and sent == [1, 0, 0, 0]
    aio.run(app.aclose())


def test_a_feed_of_ten_thousand_items_is_remembered_then_one_new_item_alerts(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, aio: asyncio.Runner) -> None:
    many = [{"title": f"Item {n} about Doe v. Acme", "link": f"http://news.invalid/{n}",
             "text": "Doe v. Acme lawsuit."} for n in range(10_000)]
    server.route("/hostile", rss(many))
    server.route("/good", rss([]))
    app = make_app(tmp_path, clock, server, first=False, cap=5_000_000)
    started = time.monotonic()
    reports, delivered = aio.run(app.run_once())
    took = time.monotonic() - started
    by_id = {r.source_id: r for r in reports}
    assert by_id["hostile"].ok and by_id["hostile"].backlog and by_id["hostile"].new == 10_000
    assert delivered.sent == 0 and took < 30
    fresh = {"title": "Jury returns verdict in Doe v. Acme trial",
             "link": "http://news.invalid/new", "text": "Doe v. Acme lawsuit."}
    server.route("/hostile", rss([fresh, *many]))
    reports, delivered = aio.run(app.run_once())
    assert {r.source_id: r.new for r in reports}["hostile"] == 1 and delivered.sent == 1
    aio.run(app.aclose())


NESTED_HTML = ("<html><body>" + "<div>" * 100_000 + "<p>Doe v. Acme deep text.</p>"
               + "</div>" * 100_000 + "</body></html>")
PAGES = {
    **{name: HOSTILE[name].response for name in (
        "gigabyte_body", "gzip_bomb", "one_byte_per_second", "redirect_loop", "empty_200")},
    "binary_as_html": Response(200, bytes(range(256)) * 4000, {"Content-Type": "text/html"}),
    "nested_100k_deep": Response(200, NESTED_HTML, {"Content-Type": "text/html"}),
    "script_only": Response(200, "<html><script>" + "alert(1);" * 50_000 + "</script></html>",
                            {"Content-Type": "text/html"}),
    "pdf": Response(200, b"%PDF-1.7\n" + bytes(300_000), {"Content-Type": "application/pdf"}),
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_a_hostile_article_page_falls_back_to_the_feed_summary(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, aio: asyncio.Runner,
        page: Response) -> None:
    """The feed is fine, the article behind its link is not: the item still alerts, with
    the feed's summary, and the page costs bounded time and memory."""
    server.route("/hostile", page)
    server.route("/page", page)
    server.route("/good", rss([{"title": GOOD, "link": server.url("/page"),
                                "text": "Doe v. Acme: the teaser from the feed."}]))
    text = config(tmp_path, feed_source("hostile", server.url("/unused")),
                  feed_source("good", server.url("/good"), extract=True))
    app = build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                    extract_workers=0)
    server.route("/unused", rss([]))
    reports, delivered = bounded_round(app, aio)
    assert all(report.ok for report in reports), [r.error for r in reports]
    assert alerted(app, "good") == [GOOD] and delivered.sent == 1
    (row,) = app.store.db.query("SELECT summary, extracted, extract_failed FROM items")
    assert row["summary"] == "Doe v. Acme: the teaser from the feed."
    assert row["extracted"] + row["extract_failed"] == 1 and server.hits("/page")
    aio.run(app.aclose())
