"""What the daemon logs while it works normally: nothing at warning level.

The real daemon in a subprocess, with its own logging, against a slow webhook receiver on
127.0.0.1: a delivery tick that finds the last delivery still sending is normal and says
nothing. A poll that outlasts its source's interval is still reported, by its job's name.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tests.conftest import (
    Daemon,
    console_channel,
    doe_case,
    feed_source,
    loopback_service,
    wait_for,
    webhook_channel,
    write_config,
)
from tests.servers import LoopbackServer, Request, Response, rss

SKIPPED = "maximum number of running instances reached"
PLAINTIFFS = ["Abbott", "Baxter", "Carver", "Dalton", "Ellison", "Fletcher", "Garner",
              "Hollis"]
DEFENDANTS = ["Acme Corp.", "Globex Inc.", "Initech LLC", "Umbrella Co.", "Vandelay Ltd."]
# 40 cases, one article and so one alert each
CASES = [f"{p} v. {d}" for p, d in itertools.product(PLAINTIFFS, DEFENDANTS)]


def log_lines(daemon: Daemon) -> list[dict[str, object]]:
    """The daemon's log (JSON lines: its stderr is not a terminal)."""
    return [json.loads(line) for line in daemon.err if line.startswith("{")]


def warnings(daemon: Daemon) -> list[str]:
    return [str(line.get("event")) for line in log_lines(daemon)
            if line.get("level") in ("warning", "error", "critical")]


@pytest.mark.slow
def test_a_slow_receiver_does_not_make_delivery_ticks_warn(
        tmp_path: Path, server: LoopbackServer) -> None:
    server.route("/feed", rss([
        {"title": f"{case}: complaint filed", "link": server.url(f"/a/{n}"),
         "text": f"A lawsuit, {case}, was filed in federal court on Monday."}
        for n, case in enumerate(CASES)]))
    delays = itertools.cycle([1.5] + [0.05] * 9)  # up to 1.5 s an answer: 8 s for all 40

    def receive(_request: Request) -> Response:
        return Response(200, "ok", delay=next(delays))

    server.route("/hook", receive)
    config = write_config(
        tmp_path, database=tmp_path / "cw.db",
        # a tick every 0.5 s: about a dozen of them come while a send is under way
        service=loopback_service(delivery_interval="0.5s"),
        sources=[feed_source("news", server.url("/feed"), interval="2s")],  # polled soon
        cases=[{"id": f"case-{n}", "caption": case, "aliases": [case], "notify": ["hook"]}
               for n, case in enumerate(CASES)],
        channels=[webhook_channel("hook", server.url("/hook"), timeout=5)])

    with Daemon(config, cwd=tmp_path) as daemon:
        assert daemon.running(), str(daemon)
        assert wait_for(lambda: sum(1 for line in log_lines(daemon)
                                    if str(line.get("event", "")).startswith(
                                        "delivered alert")) >= len(CASES), 60), str(daemon)
        daemon.stop()

    assert len(server.hits("/hook")) == len(CASES)
    assert daemon.returncode == 0
    assert SKIPPED not in daemon.stderr
    assert warnings(daemon) == []


@pytest.mark.slow
def test_a_poll_longer_than_its_interval_is_still_reported(
        tmp_path: Path, server: LoopbackServer) -> None:
    """The warning is kept where it means something: this source is slower than its
    interval, and the line names it."""
    # the whole feed at once, then 2.5 s before the end of the response (a hang-up by the
    # stopping daemon is taken quietly)
    body = rss([]).encode()
    server.route("/feed", Response(200, headers={"Content-Type": "application/xml"},
                                   stream=lambda: iter([body]), pause=2.5))
    config = write_config(
        tmp_path, database=tmp_path / "cw.db", service=loopback_service(),
        sources=[feed_source("slow-news", server.url("/feed"), interval="1s")],
        cases=[doe_case(notify=["out"])], channels=[console_channel("out")])

    with Daemon(config, cwd=tmp_path) as daemon:
        assert daemon.running(), str(daemon)
        found = daemon.wait_line(SKIPPED, timeout=20)
        daemon.stop()

    assert found is not None, str(daemon)
    assert any(SKIPPED in event and "poll:slow-news" in event for event in warnings(daemon))
