"""The real daemon in a subprocess, killed mid-send: nothing is lost, at most the alert in
flight is sent again, with the same idempotency key."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import (
    Daemon,
    Table,
    doe_case,
    feed_source,
    loopback_service,
    wait_for,
    webhook_channel,
    write_config,
)
from tests.servers import LoopbackServer, Request, Response, rss


def write_crash_config(tmp_path: Path, server: LoopbackServer, cases: list[Table]) -> Path:
    """The feed at /feed polled every second; `cases` alerted to the webhook at /hook, which
    may take a minute to answer; the database tmp_path/cw.db."""
    return write_config(tmp_path, database=tmp_path / "cw.db",
                        service=loopback_service(delivery_interval="1s"),
                        sources=[feed_source("news", server.url("/feed"), interval="1s")],
                        cases=cases,
                        channels=[webhook_channel("hook", server.url("/hook"), timeout=60)])


TITLES = [
    "Doe sues Acme: complaint filed",
    "Judge rules on Acme motion to dismiss",
    "Doe v. Acme ends in settlement",
]


class Receiver:
    """Holds the first request open until released; answers 200 to every later one."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._seen = 0

    def __call__(self, _request: Request) -> Response:
        with self._lock:
            self._seen += 1
            first = self._seen == 1
        if first:
            self.release.wait(60)
            return Response(close=True)  # its sender is gone by now
        return Response(200, "ok")


@pytest.fixture
def receiver(server: LoopbackServer) -> Iterator[Receiver]:
    handler = Receiver()
    server.route("/hook", handler)
    yield handler
    handler.release.set()


def outbox(db: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(
            "SELECT alert_id, status, attempts FROM outbox ORDER BY alert_id"))


@pytest.mark.slow
def test_sigkill_mid_send_loses_nothing_and_resends_once_with_the_same_key(
        tmp_path: Path, server: LoopbackServer, receiver: Receiver) -> None:
    server.route("/feed", rss([
        {"title": title, "link": server.url(f"/a/{n}"),
         "text": f"News about Doe v. Acme, part {n}."}
        for n, title in enumerate(TITLES)
    ]))
    db = tmp_path / "cw.db"
    config = write_crash_config(tmp_path, server, [doe_case(notify=["hook"])])

    with Daemon(config, cwd=tmp_path) as first:
        assert wait_for(lambda: len(server.hits("/hook")) == 1, 30), "nothing was sent"
        first.kill()
    assert first.returncode == -signal.SIGKILL
    before = outbox(db)
    assert len(before) == 3 and {status for _, status, _ in before} == {"pending"}
    assert sorted(attempts for _, _, attempts in before) == [0, 0, 1]  # one was in flight
    in_flight = server.hits("/hook")[0].headers["idempotency-key"]
    receiver.release.set()

    restarted = time.monotonic()
    with Daemon(config, cwd=tmp_path) as second:
        wanted = {alert_id for alert_id, _, _ in before}
        assert wait_for(lambda: len(server.hits("/hook")) >= 4, 30), "not all were resent"
        resumed_in = time.monotonic() - restarted
        assert wait_for(lambda: {s for _, s, _ in outbox(db)} == {"sent"}, 10)
        stopped_in = second.stop(timeout=15)
    assert second.returncode == 0, second.stderr
    assert stopped_in < 5

    requests = server.hits("/hook")
    keys = Counter(r.headers["idempotency-key"] for r in requests)
    assert set(keys) == wanted  # every alert arrived
    assert keys[in_flight] == 2 and all(n == 1 for k, n in keys.items() if k != in_flight)
    bodies = [r.body for r in requests if r.headers["idempotency-key"] == in_flight]
    assert bodies[0] == bodies[1] and json.loads(bodies[0])["id"] == in_flight
    assert {json.loads(r.body)["item"]["title"] for r in requests} == set(TITLES)
    assert [status for _, status, _ in outbox(db)] == ["sent"] * 3
    print(f"delivery resumed and finished {resumed_in:.2f}s after the restart")


def test_sigterm_during_a_hanging_send_exits_cleanly_and_the_alert_waits(
        tmp_path: Path, server: LoopbackServer) -> None:
    release = threading.Event()

    def hold(_request: Request) -> Response:
        release.wait(60)
        return Response(close=True)

    server.route("/hook", hold)
    server.route("/feed", rss([{"title": TITLES[0], "link": server.url("/a/0"),
                                "text": "News about Doe v. Acme."}]))
    db = tmp_path / "cw.db"
    config = write_crash_config(tmp_path, server, [doe_case(notify=["hook"])])
    with Daemon(config, cwd=tmp_path) as daemon:
        try:
            assert wait_for(lambda: len(server.hits("/hook")) == 1, 30), "nothing was sent"
            stopped_in = daemon.stop(timeout=20)
        finally:
            release.set()
    err = daemon.stderr
    assert daemon.returncode == 0, err
    assert stopped_in < 8  # the stop grace, not the receiver or the channel's timeout
    assert "Traceback" not in err and "job cancelled at stop" in err, err[-3000:]
    ((_, status, attempts),) = outbox(db)
    assert (status, attempts) == ("pending", 1)  # sent again, with its key, after a start


# -- the kill loop ------------------------------------------------------------------------

PARTIES = ["Abbott", "Baxter", "Carver", "Dalton", "Ellison", "Fairbanks", "Garland", "Hobbs",
           "Ingram", "Jarvis", "Keller", "Lombard", "Mercer", "Norwood", "Oakley", "Prescott",
           "Quimby", "Radcliffe", "Sterling", "Thornton", "Underhill", "Vance", "Whitaker",
           "Yardley"]
STORIES = [f"{name} v. Acme: complaint filed in federal court" for name in PARTIES[:20]]
FILLER = [{"title": f"Weather and traffic, bulletin {n}", "link": f"http://news.invalid/w/{n}",
           "text": "Sunny, then rain."} for n in range(400)]  # parsing takes a while

KILL_CASES = [{"id": name.lower(), "caption": f"{name} v. Acme Corp.",
               "aliases": [f"{name} v. Acme"], "notify": ["hook"]} for name in PARTIES[:20]]


class Scenario:
    """A feed that reveals one more story (each about its own case) on every fetch, and a
    webhook receiver that takes a moment to answer, so that kills land in every stage."""

    def __init__(self, server: LoopbackServer, rng: random.Random) -> None:
        self.server = server
        self.rng = rng
        self.fetches = 0
        self.in_flight = 0
        self.lock = threading.Lock()
        server.route("/feed", self.feed)
        server.route("/hook", self.hook)

    def revealed(self) -> int:
        return min(len(STORIES), self.fetches)

    def feed(self, _request: Request) -> Response:
        with self.lock:
            self.fetches += 1
            shown = self.revealed()
        return Response(200, rss([
            {"title": title, "link": self.server.url(f"/a/{n}"),
             "text": f"News about {title}."}
            for n, title in enumerate(STORIES[:shown])
        ] + FILLER))

    def hook(self, _request: Request) -> Response:
        with self.lock:
            self.in_flight += 1
        try:
            time.sleep(self.rng.uniform(0.1, 0.3))
        finally:
            with self.lock:
                self.in_flight -= 1
        return Response(200, "ok")


def stored_stories(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM items WHERE title LIKE '% v. Acme:%'"
                            ).fetchone()[0]


def attempts(db: Path) -> dict[str, tuple[str, int]]:
    if not db.exists():
        return {}
    return {alert: (status, tries) for alert, status, tries in outbox(db)}


def stage(db: Path, scenario: Scenario, fetches_at_start: int,
          before: dict[str, tuple[str, int]]) -> str:
    """Where a kill landed, judged from what it left: a send begun in this life and never
    recorded as done, a story fetched in this life but not stored (parsing, matching),
    stored and matched alerts not yet sent (one transaction writes item, match and
    outbox row), or between jobs."""
    after = attempts(db)
    if any(
            status == "pending" and tries > before.get(alert, ("", 0))[1]
            for alert, (status, tries) in after.items()):
        return "mid-delivery"
    if scenario.fetches > fetches_at_start and scenario.revealed() > stored_stories(db):
        return "after fetch"
    if any(status == "pending" for status, _ in after.values()):
        return "after store and match"
    return "between jobs"


def run_kill_loop(tmp_path: Path, server: LoopbackServer, kills: int, seed: int) -> None:
    rng = random.Random(seed)
    scenario = Scenario(server, rng)
    db = tmp_path / "cw.db"
    config = write_crash_config(tmp_path, server, KILL_CASES)
    stages: Counter[str] = Counter()
    began = time.monotonic()
    for _ in range(kills):
        before = attempts(db)  # before the start: delivery begins as soon as it runs
        fetches = scenario.fetches
        with Daemon(config, cwd=tmp_path) as daemon:
            assert daemon.running(30), f"the daemon did not start: {daemon}"
            time.sleep(rng.uniform(0.05, 0.8))
            in_flight = scenario.in_flight
            daemon.kill()
            where = "mid-delivery" if in_flight else stage(db, scenario, fetches, before)
        assert daemon.returncode == -signal.SIGKILL
        stages[where] += 1

    # one last life, left to finish: everything must arrive
    with Daemon(config, cwd=tmp_path) as daemon:
        assert daemon.running(30), f"the daemon did not start: {daemon}"
        assert wait_for(lambda: scenario.revealed() == len(STORIES)
                        and len(outbox(db)) == len(STORIES)
                        and {s for _, s, _ in outbox(db)} == {"sent"}, 90), outbox(db)
        daemon.stop(timeout=15)
    assert daemon.returncode == 0

    requests = server.hits("/hook")
    keys = Counter(r.headers["idempotency-key"] for r in requests)
    bodies: dict[str, set[bytes]] = {}
    for r in requests:
        bodies.setdefault(r.headers["idempotency-key"], set()).add(r.body)
    titles = {json.loads(r.body)["item"]["title"] for r in requests}
    assert titles == set(STORIES)  # every expected alert was delivered
    assert len(keys) == len(STORIES)  # one key per alert, however often it was tried
    assert all(len(b) == 1 for b in bodies.values())  # a resend is the same body
    resends = sum(n - 1 for n in keys.values())
    assert resends <= stages["mid-delivery"]  # only a kill during a send sends again
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    print(f"{kills} kills in {time.monotonic() - began:.0f}s ({dict(stages)}); "
          f"{len(keys)} alerts delivered, {resends} resent with their key, none lost")


@pytest.mark.slow
def test_twenty_random_kills_lose_nothing_and_resend_only_in_flight_alerts(
        tmp_path: Path, server: LoopbackServer) -> None:
    run_kill_loop(tmp_path, server, kills=20, seed=int(os.environ.get("KILL_SEED", "9")))


@pytest.mark.slow
@pytest.mark.soak
def test_two_hundred_random_kills_lose_nothing(tmp_path: Path, server: LoopbackServer) -> None:
    run_kill_loop(tmp_path, server, kills=200, seed=int(os.environ.get("KILL_SEED", "7")))
