"""Disk and database faults: a full disk, a locked database, a read-only or missing
database directory. Each is a clear error, and nothing is lost: what could not be
stored is read again and alerted once the fault is gone, exactly as on a healthy disk."""

from __future__ import annotations

import asyncio
import io
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import parse_settings
from monitor.runtime.app import App, build_app
from tests.conftest import (
    FakeClock,
    config_toml,
    console_channel,
    doe_case,
    loopback_service,
    run_cli,
    write_config,
)
from tests.servers import LoopbackServer, rss
from tests.test_pipeline import polled_feed

EVENTS = ["complaint filed", "motion to dismiss denied", "hearing set", "settlement reached",
          "verdict returned", "appeal filed", "class certified", "summary judgment sought"]


def feed(server: LoopbackServer) -> str:
    """Forty stories with long summaries: enough to fill a small disk."""
    return rss([{"title": f"Doe v. Acme: {EVENTS[n % len(EVENTS)]} ({n})",
                 "link": server.url(f"/a/{n}"),
                 "text": f"Doe v. Acme lawsuit, part {n}. " + f"Details of part {n}. " * 300}
                for n in range(40)])


def tmpfs(size: str) -> Iterator[Path]:
    where = Path("/tmp") / f"casewatch-tmpfs-{uuid.uuid4().hex[:8]}"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        where.rmdir()


def remount(where: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(where)], check=True)


def config(db: Path, server: LoopbackServer) -> dict[str, object]:
    """The parts of a config: Doe v. Acme in the feed at /feed, to the console."""
    return {"database": db, "service": loopback_service(),
            "sources": [polled_feed("news", server.url("/feed"))],
            "cases": [doe_case(notify=["out"])], "channels": [console_channel()]}


def make_app(db: Path, server: LoopbackServer, clock: FakeClock) -> App:
    text = config_toml(**config(db, server))
    return build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                     extract_workers=0)


def outcome(app: App) -> tuple[int, int, list[str]]:
    db = app.store.db
    items = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    rows = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    titles = sorted(r[0] for r in db.execute("SELECT title FROM items"))
    return items, rows, titles


@pytest.fixture
def healthy(tmp_path: Path, server: LoopbackServer, aio: asyncio.Runner) -> tuple:
    """What the scenario stores and alerts on a healthy disk: the oracle for no loss."""
    server.route("/feed", feed(server))
    app = make_app(tmp_path / "healthy.db", server, FakeClock())
    aio.run(app.run_once())
    expected = outcome(app)
    aio.run(app.aclose())
    assert expected[0] == 40 and expected[1] > 0
    return expected


def test_a_full_disk_is_a_clear_error_and_nothing_is_lost(
        server: LoopbackServer, aio: asyncio.Runner, clock: FakeClock, healthy: tuple) -> None:
    for where in tmpfs("384k"):  # the schema fits, 40 items do not
        app = make_app(where / "cw.db", server, clock)
        reports, _ = aio.run(app.run_once())
        (report,) = reports
        assert not report.ok and report.error_kind == "store"
        assert "database or disk is full" in report.error
        stored = outcome(app)[0]
        assert stored < 40  # what fitted is stored whole, with its alerts; the rest waits
        remount(where, "size=16m")  # space is freed
        clock.advance(hours=1)
        reports, _ = aio.run(app.run_once())
        assert reports[0].ok and reports[0].new == 40 - stored
        assert outcome(app) == healthy
        assert app.store.source("news").consecutive_errors == 0
        assert app.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        aio.run(app.aclose())


def test_a_full_database_simulated_at_the_sqlite_layer_loses_nothing(
        tmp_path: Path, server: LoopbackServer, aio: asyncio.Runner, clock: FakeClock,
        healthy: tuple) -> None:
    """The same through PRAGMA max_page_count, for machines that cannot mount a tmpfs."""
    app = make_app(tmp_path / "cw.db", server, clock)
    pages = app.store.db.execute("PRAGMA page_count").fetchone()[0]
    app.store.db.execute(f"PRAGMA max_page_count = {pages + 30}")
    (report,), _ = aio.run(app.run_once())
    assert report.error_kind == "store" and "database or disk is full" in report.error
    app.store.db.execute("PRAGMA max_page_count = 1073741823")
    clock.advance(hours=1)
    (report,), _ = aio.run(app.run_once())
    assert report.ok and outcome(app) == healthy
    aio.run(app.aclose())


def test_a_locked_database_waits_then_says_so_and_loses_nothing(
        tmp_path: Path, server: LoopbackServer, aio: asyncio.Runner, clock: FakeClock,
        healthy: tuple) -> None:
    app = make_app(tmp_path / "cw.db", server, clock)
    app.store.db.execute("PRAGMA busy_timeout = 300")  # 30 s in production
    other = sqlite3.connect(tmp_path / "cw.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        (report,), _ = aio.run(app.run_once())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert report.error_kind == "store" and "database is locked" in report.error
    assert outcome(app)[0] == 0
    clock.advance(hours=1)
    (report,), _ = aio.run(app.run_once())
    assert report.ok and outcome(app) == healthy
    aio.run(app.aclose())


@pytest.mark.parametrize("layout", ["read-only directory", "missing directory on read-only"])
def test_an_unwritable_database_directory_is_one_clear_line(
        tmp_path: Path, server: LoopbackServer, layout: str) -> None:
    server.route("/feed", feed(server))
    for where in tmpfs("1m"):
        db = where / "cw.db" if layout == "read-only directory" else where / "new" / "cw.db"
        remount(where, "ro")
        path = write_config(tmp_path, **config(db, server))
        commands = [["run", "--once"], ["status"]] if layout == "read-only directory" \
            else [["run", "--once"]]
        for command in commands:
            done = run_cli(*command, "-c", str(path), cwd=tmp_path)
            assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
            (line,) = done.stderr.strip().splitlines()
            assert f"cannot open database {db}" in line
            assert "read-only file system" in line.lower() or "readonly" in line \
                or "unable to open" in line, line


@pytest.mark.slow
def test_a_missing_database_directory_is_created(tmp_path: Path,
                                                 server: LoopbackServer) -> None:
    server.route("/feed", feed(server))
    db = tmp_path / "not" / "yet" / "there" / "cw.db"
    path = write_config(tmp_path, **config(db, server))
    done = run_cli("run", "--once", "-c", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 40
