"""Undated articles are grouped as of when a poll first saw them, when that poll came
soon after the source's last success; otherwise they are undated. A real feed and
article pages on 127.0.0.1, the pipeline, a real SQLite file, a fake clock."""

from __future__ import annotations

import asyncio
import html
import io
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import parse_settings
from monitor.grouping.stamps import ARRIVAL_BOUND
from monitor.runtime.app import App, build_app
from tests.conftest import FakeClock, config_toml, console_channel, loopback_service
from tests.servers import LoopbackServer, rss
from tests.test_pipeline import polled_feed

CORPUS = Path(__file__).parent / "corpus" / "events.toml"
# Amber Heard's appeal and, a day later, Johnny Depp's: the same step by each side, in
# articles whose whole text names the appeal, the verdict and the award alike
EVENTS = ("depp-v-heard/2022-07-heard-appeal", "depp-v-heard/2022-07-depp-appeal")
DEPP = {"id": "depp-v-heard", "caption": "John C. Depp, II v. Amber Laura Heard",
        "aliases": ["Depp v. Heard"], "parties": ["Johnny Depp", "Amber Heard"],
        "notify": ["out"]}


def articles() -> list[dict]:
    rows = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["articles"]
    chosen = [row for row in rows if row["event"] in EVENTS]
    return sorted(chosen, key=lambda row: row["published"])


def page(article: dict) -> str:
    """An article page with no date anywhere but the prose."""
    paragraphs = "".join(f"<p>{html.escape(p.strip())}</p>"
                         for p in article["text"].split("\n\n") if p.strip())
    title = html.escape(article["title"])
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><article>"
            f"<h1>{title}</h1>{paragraphs}</article></body></html>")


def make_app(tmp_path: Path, clock: FakeClock, server: LoopbackServer) -> App:
    text = config_toml(database=tmp_path / "cw.db",
                       service=loopback_service(alert_on_first_poll=False),
                       sources=[polled_feed("news", server.url("/feed"), extract=True)],
                       cases=[DEPP], channels=[console_channel()])
    return build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                     extract_workers=0)


def follow(tmp_path: Path, clock: FakeClock, server: LoopbackServer, aio: asyncio.Runner,
           *, every: timedelta, restart: bool = False) -> tuple[list[set[str]], set[int]]:
    """Poll an undated feed every `every` while the articles appear in it, each a few
    minutes after it was published: the developments, as sets of events, and the values
    of the items' `dated_by_arrival`."""
    chosen = articles()
    for n, article in enumerate(chosen):
        server.route(f"/a/{n}", page(article), content_type="text/html")
    published = [datetime.fromisoformat(a["published"]) for a in chosen]
    clock.now = published[0] - timedelta(hours=1)
    server.route("/feed", rss([]))
    app = make_app(tmp_path, clock, server)
    aio.run(app.run_once())  # the first poll: the source's backlog, here none
    while clock.now < published[-1] + every:
        clock.advance(seconds=every.total_seconds())
        out = [{"title": a["title"], "link": server.url(f"/a/{n}")}
               for n, a in enumerate(chosen) if published[n] + timedelta(minutes=5) <= clock.now]
        server.route("/feed", rss(out))
        aio.run(app.run_once())
        if restart:
            aio.run(app.aclose())
            app = make_app(tmp_path, clock, server)
    try:
        assert app.store.db.execute(
            "SELECT count(*) FROM items WHERE published IS NULL").fetchone()[0] == len(chosen)
        event = {server.url(f"/a/{n}"): a["event"] for n, a in enumerate(chosen)}
        developments = sorted(
            ({event[row["url"]] for row in app.store.development_items(d["id"])}
             for d in app.store.developments()), key=sorted)
        flags = {row[0] for row in app.store.db.execute("SELECT dated_by_arrival FROM items")}
        return developments, flags
    finally:
        aio.run(app.aclose())


@pytest.mark.parametrize("restart", [False, pytest.param(True, marks=pytest.mark.slow)],
                         ids=["running", "restarted"])
def test_undated_articles_seen_by_steady_polls_group_as_their_events(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, aio: asyncio.Runner,
        restart: bool) -> None:
    developments, flags = follow(tmp_path, clock, server, aio, every=timedelta(hours=2),
                                 restart=restart)
    assert flags == {1}
    assert developments == [{EVENTS[1]}, {EVENTS[0]}]


def test_undated_articles_after_a_long_silence_are_grouped_as_undated(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, aio: asyncio.Runner) -> None:
    # polls further apart than the bound: when a new item was published is not known
    developments, flags = follow(tmp_path, clock, server, aio,
                                 every=ARRIVAL_BOUND + timedelta(hours=1))
    assert flags == {0}
    assert all(len(events) == 1 for events in developments)  # no event merged into another
