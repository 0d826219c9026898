"""SIGHUP re-reads the config in the real daemon: a valid one takes over without losing
state, a bad one is refused and the running config stays."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

from tests.servers import LoopbackServer, rss
from tests.test_crash import start, wait_for

CONFIG = """
[service]
database = "{db}"
http = ""
allow_private_addresses = true
alert_on_first_poll = true
delivery_interval = "1s"

{sources}

[[cases]]
id = "doe"
caption = "John Doe v. Acme Corp."
aliases = ["Doe v. Acme"]
notify = ["hook"]

[[channels]]
id = "hook"
kind = "webhook"
url = "{hook}"
"""


def source(source_id: str, url: str) -> str:
    return f'[[sources]]\nid = "{source_id}"\nkind = "feed"\nurl = "{url}"\ninterval = "1s"\n'


def test_sighup_reloads_a_good_config_and_refuses_a_bad_one(
        tmp_path: Path, server: LoopbackServer) -> None:
    server.route("/one", rss([{"title": "Doe v. Acme: complaint filed",
                               "link": server.url("/a/1"), "text": "Doe v. Acme lawsuit."}]))
    server.route("/two", rss([{"title": "Doe v. Acme: judge rules on motion",
                               "link": server.url("/a/2"), "text": "Doe v. Acme ruling."}]))
    server.route("/hook", "ok")
    db = tmp_path / "cw.db"
    config = tmp_path / "casewatch.toml"

    def write(sources: str) -> None:
        config.write_text(CONFIG.format(db=db, sources=sources, hook=server.url("/hook")))

    write(source("one", server.url("/one")))
    daemon = start(config, tmp_path)
    try:
        assert wait_for(lambda: len(server.hits("/hook")) == 1, 30)
        assert not server.hits("/two")
        write(source("one", server.url("/one")) + source("two", server.url("/two")))
        daemon.send_signal(signal.SIGHUP)
        assert wait_for(lambda: len(server.hits("/hook")) == 2, 30), "the new source never ran"
        config.write_text("[service\nthis is not toml")
        daemon.send_signal(signal.SIGHUP)
        polls = len(server.hits("/two"))
        assert wait_for(lambda: len(server.hits("/two")) >= polls + 2, 30), "polling stopped"
        assert daemon.poll() is None
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, errors = daemon.communicate(timeout=20)
    assert daemon.returncode == 0, errors
    assert "config reloaded: 2 sources" in errors
    assert "config reload refused, the running config stays" in errors
    with sqlite3.connect(db) as conn:
        sent = conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
    assert sent == 2 and len(server.hits("/hook")) == 2  # nothing sent twice across reloads
