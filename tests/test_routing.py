"""Which channels get which alerts: a case's `notify`, a channel's `cases` and `events`,
through the real pipeline to two webhook receivers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from monitor.config import ConfigError, parse_settings
from monitor.runtime.app import build_app
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

ROE = {"id": "roe", "caption": "Jane Roe v. Initech", "aliases": ["Roe v. Initech"]}


def config(tmp_path: Path, urls: dict[str, str], *, doe: tuple[str, ...] = ("a", "b"),
           roe: tuple[str, ...] = ("a", "b"), a_extra: Table | None = None,
           b_extra: Table | None = None) -> str:
    """Two cases, notifying the channels `doe` and `roe` name; two webhook channels, "a"
    and "b", at `urls` (feed, a, b), with `a_extra` and `b_extra` added."""
    return config_toml(database=tmp_path / "cw.db", service=loopback_service(),
                       sources=[feed_source("news", urls["feed"])],
                       cases=[doe_case(notify=list(doe)), {**ROE, "notify": list(roe)}],
                       channels=[webhook_channel("a", urls["a"], **(a_extra or {})),
                                 webhook_channel("b", urls["b"], **(b_extra or {}))])


STORIES = [
    ("Doe sues Acme: complaint filed", "News about Doe v. Acme: the complaint."),
    ("Judge ruled Acme must face Doe lawsuit", "News about Doe v. Acme: the ruling."),
    ("Roe sues Initech: complaint filed", "News about Roe v. Initech: the complaint."),
]


def route(tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, server: LoopbackServer, *,
          doe: tuple[str, ...] = ("a", "b"), roe: tuple[str, ...] = ("a", "b"),
          a_extra: Table | None = None, b_extra: Table | None = None,
          ) -> dict[str, set[tuple[str, str | None, str]]]:
    """Run the stories through the pipeline; what each receiver got: (case, event, title)."""
    server.route("/feed", rss([{"title": title, "link": server.url(f"/s/{n}"), "text": text}
                               for n, (title, text) in enumerate(STORIES)]))
    server.route("/a", Response(200, "ok"))
    server.route("/b", Response(200, "ok"))
    urls = {name: server.url(f"/{name}") for name in ("feed", "a", "b")}
    text = config(tmp_path, urls, doe=doe, roe=roe, a_extra=a_extra, b_extra=b_extra)
    app = build_app(parse_settings(text, {}), clock=clock, extract_workers=0)
    try:
        aio.run(app.poll("news"))
        aio.run(app.deliverer.deliver_due())
    finally:
        aio.run(app.aclose())
    got: dict[str, set[tuple[str, str | None, str]]] = {}
    for channel in ("a", "b"):
        payloads = [json.loads(r.body) for r in server.hits(f"/{channel}")]
        got[channel] = {(p["case"]["id"], p["development"]["event"], p["item"]["title"])
                        for p in payloads}
    return got


DOE_COMPLAINT = ("doe", "complaint_filed", STORIES[0][0])
DOE_RULING = ("doe", "ruling", STORIES[1][0])
ROE_COMPLAINT = ("roe", "complaint_filed", STORIES[2][0])


def test_every_notified_channel_gets_every_alert_of_the_case(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, server: LoopbackServer) -> None:
    got = route(tmp_path, clock, aio, server)
    assert got["a"] == got["b"] == {DOE_COMPLAINT, DOE_RULING, ROE_COMPLAINT}


def test_a_cases_notify_list_decides_the_channels(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, server: LoopbackServer) -> None:
    got = route(tmp_path, clock, aio, server, doe=("a",), roe=("b",))
    assert got == {"a": {DOE_COMPLAINT, DOE_RULING}, "b": {ROE_COMPLAINT}}


def test_a_channels_cases_filter_keeps_other_cases_out(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, server: LoopbackServer) -> None:
    got = route(tmp_path, clock, aio, server, b_extra={"cases": ["roe"]})
    assert got == {"a": {DOE_COMPLAINT, DOE_RULING, ROE_COMPLAINT}, "b": {ROE_COMPLAINT}}


def test_a_channels_events_filter_takes_procedural_events_and_alert_kinds(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, server: LoopbackServer) -> None:
    got = route(tmp_path, clock, aio, server, a_extra={"events": ["development"]},
                b_extra={"events": ["ruling"], "cases": ["doe"]})
    assert got == {"a": {DOE_COMPLAINT, DOE_RULING, ROE_COMPLAINT}, "b": {DOE_RULING}}


def test_a_channel_for_docket_entries_gets_no_news(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner, server: LoopbackServer) -> None:
    got = route(tmp_path, clock, aio, server, b_extra={"events": ["docket_entry"]})
    assert got["b"] == set() and len(got["a"]) == 3


def test_an_unknown_event_in_a_filter_is_a_config_error(tmp_path: Path) -> None:
    urls = {name: f"http://127.0.0.1:9/{name}" for name in ("feed", "a", "b")}
    text = config(tmp_path, urls, doe=("a",), roe=("b",),
                  b_extra={"events": ["ruling", "rulings"]})
    with pytest.raises(ConfigError) as info:
        parse_settings(text, {})
    (error,) = info.value.errors
    assert error.startswith('channels[1].events[1]: unknown event "rulings"'), error
