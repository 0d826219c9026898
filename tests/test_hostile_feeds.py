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

from monitor.app import App, build_app
from monitor.config import parse_settings
from tests.conftest import FakeClock
from tests.hostile import HOSTILE, Hostile
from tests.servers import LoopbackServer, Request, Response, rss

CONFIG = """
[service]
database = "{db}"
http = ""
allow_private_addresses = true
alert_on_first_poll = {first}
max_response_bytes = {cap}
fetch_deadline = "2s"

[[sources]]
id = "hostile"
kind = "feed"
url = "{hostile}"

[[sources]]
id = "good"
kind = "feed"
url = "{good}"

[[cases]]
id = "doe"
caption = "John Doe v. Acme Corp."
aliases = ["Doe v. Acme"]
notify = ["out"]

[[channels]]
id = "out"
kind = "console"
"""

GOOD = "Acme files appeal to the Ninth Circuit in Doe v. Acme"
MEMORY_BOUND = 40_000_000  # bytes of Python allocations during one round


def make_app(tmp_path: Path, clock: FakeClock, server: LoopbackServer, *,
             first: bool = True, cap: int = 1_000_000) -> App:
    text = CONFIG.format(db=tmp_path / "cw.db", hostile=server.url("/hostile"),
                         good=server.url("/good"), first=str(first).lower(), cap=cap)
    return build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                     extract_workers=0)


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
    started = time.monotonic()
    tracemalloc.start()
    try:
        reports, delivered = aio.run(app.run_once())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    took = time.monotonic() - started
    by_id = {r.source_id: r for r in reports}
    row = app.store.source("hostile")
    assert by_id["good"].ok and alerted(app, "good") == [GOOD]
    assert peak < MEMORY_BOUND, f"{peak / 1e6:.0f} MB held"
    assert took < 10
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
