"""A feed that stamps every item with one time (its build's, or the fetch's) gives no
dates: the pipeline reads such items as undated, and does not date them by their
arrival either (that would be the one time again). A real feed on 127.0.0.1, the
pipeline, a real SQLite file, a fake clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from feeds.base import Item
from monitor.grouping.stamps import ONE_STAMP, one_stamp, undated
from tests.conftest import FakeClock
from tests.servers import LoopbackServer, rss
from tests.test_arrival_dates import make_app

T = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)


def items(*offsets: timedelta | None) -> list[Item]:
    return [Item(source_id="s", guid=str(n), url=f"https://x.example/{n}", title=f"t{n}",
                 published=None if off is None else T + off)
            for n, off in enumerate(offsets)]


def test_several_items_within_minutes_of_one_time_carry_no_dates() -> None:
    minute = timedelta(minutes=1)
    assert one_stamp(items(timedelta(0), minute, 2 * minute))
    assert one_stamp(items(*[timedelta(0)] * 5))
    assert all(i.published is None for i in undated(items(*[timedelta(0)] * 3)))


def test_dates_that_differ_or_too_few_items_are_dates() -> None:
    assert not one_stamp(items(timedelta(0), timedelta(0)))  # two say little
    assert not one_stamp(items(timedelta(0), timedelta(0), ONE_STAMP + timedelta(seconds=1)))
    assert not one_stamp(items(timedelta(0), timedelta(0), None))  # one has none at all
    # a busy feed's burst of new items beside those it kept: news of a few minutes
    assert not one_stamp(items(*[timedelta(minutes=n) for n in range(3)]), unchanged=40)
    dated = items(timedelta(0), timedelta(hours=3), timedelta(days=1))
    assert undated(dated) == dated


def test_a_poll_of_a_feed_stamping_every_item_alike_stores_them_undated(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, aio: asyncio.Runner) -> None:
    clock.now = T - timedelta(hours=1)
    server.route("/feed", rss([]))
    app = make_app(tmp_path, clock, server)
    try:
        aio.run(app.run_once())  # a successful poll: the next one bounds arrivals
        clock.now = T
        stamp = format_datetime(T)
        server.route("/feed", rss([{"title": f"Depp v. Heard news {n}", "date": stamp,
                                    "link": server.url(f"/a/{n}")} for n in range(4)]))
        clock.advance(seconds=600)
        aio.run(app.run_once())
        rows = app.store.db.execute("SELECT published, dated_by_arrival FROM items").fetchall()
        assert len(rows) == 4
        assert {tuple(row) for row in rows} == {(None, 0)}
    finally:
        aio.run(app.aclose())
