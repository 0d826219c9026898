"""Every hostile feed of tests/hostile.py at once, through the real daemon: it stays up,
records each hostile source's error with its reason (or reads what there is to read),
delivers the good source's alert once, keeps its memory bounded as the OS counts it,
and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import (
    Daemon,
    doe_case,
    feed_source,
    loopback_service,
    webhook_channel,
    write_config,
)
from tests.hostile import HOSTILE
from tests.servers import LoopbackServer, Request, Response, rss

GOOD = "Acme files appeal to the Ninth Circuit in Doe v. Acme"
# RSS summed over the daemon, its fork server and two workers (shared pages counted in
# each, so an over-estimate): about 260 MB with only the good source, about 290 MB with
# every hostile feed; reading the gigabyte body or the gzip bomb whole would pass 1 GB
MEMORY_BOUND = 500 * 2**20


class Hook:
    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.keys: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.bodies.append(json.loads(request.body))
            self.keys.append(request.headers.get("idempotency-key", ""))
        return Response(200, "ok")

    def titles(self) -> list[str]:
        with self._lock:
            return [body["item"]["title"] for body in self.bodies]


def tree(pid: int) -> list[int]:
    """The process and its descendants, from /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                children = Path(f"/proc/{current}/task/{task}/children").read_text()
                todo.extend(int(child) for child in children.split())
        except OSError:
            continue
    return found


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemoryWatch(threading.Thread):
    """Samples the RSS of a process tree every 50 ms; `peak` is the largest sum seen."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.processes, self.stop = pid, 0, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.05):
            pids = tree(self.pid)
            self.peak = max(self.peak, sum(status_kb(pid, "VmRSS") for pid in pids) * 1024)
            self.processes = max(self.processes, len(pids))


@pytest.fixture
def hook(server: LoopbackServer) -> Iterator[Hook]:
    receiver = Hook()
    server.route("/hook", receiver)
    yield receiver


def sources(db: Path) -> dict[str, sqlite3.Row]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {row["id"]: row for row in conn.execute("SELECT * FROM sources")}


def polled(db: Path) -> set[str]:
    if not db.exists():
        return set()
    try:
        return {name for name, row in sources(db).items() if row["polls"]}
    except sqlite3.Error:
        return set()


@pytest.mark.slow
def test_every_hostile_feed_at_once_through_the_real_daemon(
        tmp_path: Path, server: LoopbackServer, hook: Hook) -> None:
    db = tmp_path / "cw.db"
    feeds = [feed_source("good", server.url("/good"), interval="10s")]
    for name, hostile in HOSTILE.items():
        server.route(f"/hostile/{name}", hostile.response)
        feeds.append(feed_source(name, server.url(f"/hostile/{name}"), interval="10s"))
    server.route("/hostile", HOSTILE["redirect_loop"].response)  # where the loop points
    server.route("/good", rss([{"title": GOOD, "link": server.url("/a/1"),
                                "text": "Doe v. Acme lawsuit news."}]))
    service = loopback_service(max_response_bytes=1000000, fetch_deadline="2s",
                               delivery_interval="1s")
    path = write_config(tmp_path, database=db, service=service, sources=feeds,
                        cases=[doe_case(notify=["hook"])],
                        channels=[webhook_channel("hook", server.url("/hook"))])
    everyone = {"good", *HOSTILE}
    with Daemon(path, cwd=tmp_path) as daemon:
        watch = MemoryWatch(daemon.pid)
        watch.start()
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and polled(db) != everyone:
                assert daemon.returncode is None, f"the daemon died: {daemon.stderr[-3000:]}"
                time.sleep(0.2)
            assert polled(db) == everyone, f"never polled: {sorted(everyone - polled(db))}"
            while time.monotonic() < deadline and GOOD not in hook.titles():
                time.sleep(0.2)
            time.sleep(3)  # a second round for the quick sources, and any late delivery
            assert daemon.returncode is None, "the daemon died after polling"
            rows = sources(db)
        finally:
            watch.stop.set()
            watch.join()
        daemon.stop(timeout=15)
    code, stderr = daemon.returncode, daemon.stderr

    assert code == 0, stderr[-3000:]
    if "Traceback" in stderr:  # the whole of it, for whoever reads a failed run
        start = max(0, stderr.index("Traceback") - 1500)
        pytest.fail("a traceback in the daemon's stderr:\n" + stderr[start:])
    assert hook.titles().count(GOOD) == 1 and rows["good"]["last_error"] is None
    for name, hostile in HOSTILE.items():
        row = rows[name]
        if hostile.error_kind:
            assert row["last_error_kind"] == hostile.error_kind, (name, row["last_error"])
            assert hostile.reason in row["last_error"], (name, row["last_error"])
        else:
            assert row["last_error"] is None and row["last_success"], (name, row["last_error"])
    expected = {GOOD} | {title for hostile in HOSTILE.values() for title in hostile.titles}
    assert set(hook.titles()) <= expected, set(hook.titles()) - expected
    assert len(hook.keys) == len(set(hook.keys)), "an alert was delivered twice"
    assert 0 < watch.peak < MEMORY_BOUND, f"{watch.peak / 2**20:.0f} MB"
    print(f"{len(HOSTILE)} hostile feeds at once: peak RSS {watch.peak / 2**20:.0f} MB "
          f"over {watch.processes} processes, {len(hook.keys)} alerts")
