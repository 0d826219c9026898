"""SIGHUP re-reads the config in the real daemon: a valid one takes over without losing
state, a bad one is refused and the running config stays."""

from __future__ import annotations

import signal
import sqlite3
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
from tests.servers import LoopbackServer, rss


def source(source_id: str, url: str) -> Table:
    return feed_source(source_id, url, interval="1s")


@pytest.mark.slow
def test_sighup_reloads_a_good_config_and_refuses_a_bad_one(
        tmp_path: Path, server: LoopbackServer) -> None:
    server.route("/one", rss([{"title": "Doe v. Acme: complaint filed",
                               "link": server.url("/a/1"), "text": "Doe v. Acme lawsuit."}]))
    server.route("/two", rss([{"title": "Doe v. Acme: judge rules on motion",
                               "link": server.url("/a/2"), "text": "Doe v. Acme ruling."}]))
    server.route("/hook", "ok")
    db = tmp_path / "cw.db"

    def write(*sources: Table) -> Path:
        return write_config(tmp_path, database=db,
                            service=loopback_service(delivery_interval="1s"), sources=sources,
                            cases=[doe_case(notify=["hook"])],
                            channels=[webhook_channel("hook", server.url("/hook"))])

    config = write(source("one", server.url("/one")))
    with Daemon(config, cwd=tmp_path) as daemon:
        assert wait_for(lambda: len(server.hits("/hook")) == 1, 30)
        assert not server.hits("/two")
        write(source("one", server.url("/one")), source("two", server.url("/two")))
        daemon.signal(signal.SIGHUP)
        assert wait_for(lambda: len(server.hits("/hook")) == 2, 30), "the new source never ran"
        config.write_text("[service\nthis is not toml")
        daemon.signal(signal.SIGHUP)
        polls = len(server.hits("/two"))
        assert wait_for(lambda: len(server.hits("/two")) >= polls + 2, 30), "polling stopped"
        assert daemon.returncode is None
        daemon.stop(timeout=20)
    errors = daemon.stderr
    assert daemon.returncode == 0, errors
    assert "config reloaded: 2 sources" in errors
    assert "config reload refused, the running config stays" in errors
    with sqlite3.connect(db) as conn:
        sent = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
    assert sent == 2 and len(server.hits("/hook")) == 2  # nothing sent twice across reloads
