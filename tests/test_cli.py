"""The command line against a real config, database and feed server (Contract 2)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import (
    Daemon,
    cli_env,
    console_channel,
    doe_case,
    feed_source,
    loopback_service,
    run_cli,
    wait_for,
    webhook_channel,
    write_config,
)
from tests.servers import LoopbackServer, Response, rss


def setup(tmp_path: Path, server: LoopbackServer, interval: str = "15m", *,
          database: Path | None = None) -> Path:
    server.route("/feed", rss([
        {"title": "Doe v. Acme filed", "link": server.url("/a/1"), "text": "Doe v. Acme."},
        {"title": "Weather", "link": server.url("/a/2"), "text": "Sunny."},
    ]))
    return write_config(tmp_path, database=database or tmp_path / "cw.db",
                        service=loopback_service(delivery_interval="1s"),
                        sources=[feed_source("news", server.url("/feed"), interval=interval)],
                        cases=[doe_case(notify=["out"])], channels=[console_channel()])


@pytest.mark.slow
def test_run_once_then_matches_and_status(tmp_path: Path, server: LoopbackServer) -> None:
    config = setup(tmp_path, server)
    first = run_cli("run", "--once", "-c", str(config), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("=== [development] doe") == 1
    assert "1 alerts sent" in first.stderr
    again = run_cli("run", "--once", "-c", str(config), cwd=tmp_path)
    assert again.returncode == 0 and "=== [" not in again.stdout

    listed = run_cli("matches", "-c", str(config), "--json", cwd=tmp_path)
    (record,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert record["case"] == "doe" and record["url"] == server.url("/a/1")
    assert {"development", "score", "terms", "source", "published"} <= record.keys()
    assert run_cli("matches", "-c", str(config), "--case", "other", cwd=tmp_path).stdout == ""
    assert run_cli("matches", "-c", str(config), "--since", "7d", cwd=tmp_path).stdout
    bad = run_cli("matches", "-c", str(config), "--since", "soon", cwd=tmp_path)
    assert bad.returncode == 2 and "--since" in bad.stderr

    status = run_cli("status", "-c", str(config), "--json", cwd=tmp_path)
    rows = [json.loads(line) for line in status.stdout.splitlines()]
    source = next(r for r in rows if r["type"] == "source")
    assert source["id"] == "news" and source["errors"] == 0
    outbox = next(r for r in rows if r["type"] == "outbox")
    assert outbox["sent"] == 1 and outbox["pending"] == 0


@pytest.mark.slow
def test_preview_prints_items_and_stores_nothing(tmp_path: Path,
                                                 server: LoopbackServer) -> None:
    config = setup(tmp_path, server)
    shown = run_cli("preview", "news", "-c", str(config), cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "Doe v. Acme filed" in shown.stdout and "→ doe" in shown.stdout
    as_json = run_cli("preview", "news", "-c", str(config), "--json", cwd=tmp_path)
    items = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [sorted(i) for i in items] == [["published", "source", "summary", "title", "url"]] * 2
    assert not (tmp_path / "cw.db").exists()
    unknown = run_cli("preview", "nope", "-c", str(config), cwd=tmp_path)
    assert unknown.returncode == 2 and 'unknown source "nope"' in unknown.stderr


def test_unreachable_database_path_is_a_clear_error(tmp_path: Path,
                                                    server: LoopbackServer) -> None:
    (tmp_path / "file").write_text("")
    config = setup(tmp_path, server, database=tmp_path / "file" / "cw.db")
    result = run_cli("status", "-c", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "cannot open database" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_daemon_alerts_and_stops_cleanly_on_sigterm(tmp_path: Path,
                                                        server: LoopbackServer) -> None:
    config = setup(tmp_path, server, interval="1s")
    with Daemon(config, cwd=tmp_path) as daemon:
        polled_twice = wait_for(lambda: len(server.hits("/feed")) >= 2, 30)
        assert polled_twice, "the daemon did not poll twice"
        stopped_in = daemon.stop(timeout=15)
    assert daemon.returncode == 0, daemon.stderr
    assert stopped_in < 10
    assert daemon.stdout.count("=== [development] doe") == 1


def _descendants(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [d for c in map(int, children) for d in (c, *_descendants(c))]


def _libraries(pid: int) -> set[str]:
    return {line.rsplit("/", 1)[-1].split(".")[0]
            for line in Path(f"/proc/{pid}/maps").read_text().splitlines() if ".so" in line}


@pytest.mark.slow
def test_the_casewatch_commands_workers_load_only_what_they_use(
        tmp_path: Path, server: LoopbackServer) -> None:
    """Each worker imports the program's main module (multiprocessing does, to find the
    functions it is sent): for the `casewatch` command that is a launcher, not the CLI
    with the whole daemon."""
    script = Path(sys.executable).with_name("casewatch")
    assert script.exists(), "the package is installed with its `casewatch` command"
    config = setup(tmp_path, server, interval="1s")
    with Daemon(config, cwd=tmp_path, command=[str(script)]) as running:
        deadline = time.monotonic() + 60
        servers: list[int] = []
        while time.monotonic() < deadline and not servers:
            time.sleep(0.2)
            if len(server.hits("/feed")) < 3:  # the workers have parsed the feed
                continue
            servers = [p for p in _descendants(running.pid)  # one that has forked workers
                       if b"forkserver" in Path(f"/proc/{p}/cmdline").read_bytes()
                       and _descendants(p)]
        assert servers, "no worker forked"
        daemon, workers = _libraries(running.pid), _libraries(_descendants(servers[0])[0])
    assert {"_sqlite3", "ahocorasick"} <= daemon  # the store and the matcher
    assert "etree" in workers  # lxml: feeds and pages
    assert not {"_sqlite3", "ahocorasick"} & workers


def test_python_dash_m_monitor_and_help(tmp_path: Path) -> None:
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("run", "check", "demo", "preview", "matches", "status", "send-test"):
        assert command in result.stdout


@pytest.mark.slow
def test_demo_needs_no_network_and_prints_alerts(tmp_path: Path) -> None:
    result = run_cli("demo", cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    # the court and the press each tell both developments; whichever comes first alerts
    firsts = [result.stdout.count(f"=== [{kind}] doe-v-twitter")
              for kind in ("development", "docket_entry")]
    assert sum(firsts) == 2, result.stdout
    assert "=== [update]" not in result.stdout  # the console channel takes no updates
    assert "5 articles and 5 court feed entries → 2 developments, each from the court and " \
        "the press; 2 alerts sent" in result.stdout
    assert "court #1 Complaint; 4 article(s)" in result.stdout
    assert "court #39 Amended Complaint; 1 article(s): RedState" in result.stdout
    assert "#38 Notice of Appearance (routine: kept, not alerted)" in result.stdout
    assert "Roe v. Example" not in result.stdout


@pytest.mark.slow
def test_send_test_posts_a_sample_alert_and_reports_the_answer(
        tmp_path: Path, server: LoopbackServer) -> None:
    answers = iter([Response(201, "stored it"), Response(400, "bad payload")])
    server.route("/hook", lambda _request: next(answers))
    config = write_config(tmp_path, database=tmp_path / "cw.db", channels=[webhook_channel(
        "hook", server.url("/hook"), secret="${HOOK_SECRET}", timeout=5)])
    env = {"HOOK_SECRET": "hook-secret"}

    sent = run_cli("send-test", "hook", "-c", str(config), cwd=tmp_path, env=env)
    assert sent.returncode == 0, sent.stderr
    assert "HTTP 201 stored it" in sent.stdout
    (request,) = server.hits("/hook")
    payload = json.loads(request.body)
    assert payload["kind"] == "test" and payload["version"] == 1
    assert request.headers["idempotency-key"] == payload["id"]
    expected = hmac.new(b"hook-secret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-casewatch-signature"] == f"sha256={expected}"
    assert not (tmp_path / "cw.db").exists()  # not through the outbox

    refused = run_cli("send-test", "hook", "-c", str(config), cwd=tmp_path, env=env)
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "HTTP 400 bad payload" in refused.stderr
    assert "hook-secret" not in refused.stderr + sent.stdout

    unknown = run_cli("send-test", "nope", "-c", str(config), cwd=tmp_path, env=env)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == 'casewatch: unknown channel "nope" (known: hook)'


@pytest.mark.slow
def test_status_lists_pending_and_dead_alerts_with_their_reasons(
        tmp_path: Path, server: LoopbackServer) -> None:
    setup(tmp_path, server)
    server.route("/refuses", Response(400, "unknown case"))
    server.route("/busy", Response(503, "come back later", {"Retry-After": "600"}))
    config = write_config(
        tmp_path, database=tmp_path / "cw.db", service=loopback_service(),
        sources=[feed_source("news", server.url("/feed"))],
        cases=[doe_case(notify=["refuses", "busy"])],
        channels=[webhook_channel("refuses", server.url("/refuses")),
                  webhook_channel("busy", server.url("/busy"))])
    ran = run_cli("run", "--once", "-c", str(config), cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "0 alerts sent, 1 to retry, 1 dead" in ran.stderr

    shown = run_cli("status", "-c", str(config), "--json", cwd=tmp_path)
    rows = [json.loads(line) for line in shown.stdout.splitlines()]
    outbox = next(r for r in rows if r["type"] == "outbox")
    assert (outbox["pending"], outbox["dead"], outbox["sent"]) == (1, 1, 0)
    dead = next(r for r in rows if r["type"] == "dead")
    assert dead["channel"] == "refuses" and dead["case"] == "doe"
    assert "HTTP 400 unknown case" in dead["reason"] and dead["attempts"] == 1
    pending = next(r for r in rows if r["type"] == "pending")
    assert pending["channel"] == "busy" and "HTTP 503 come back later" in pending["reason"]
    assert pending["next_attempt"] and pending["attempts"] == 1

    text = run_cli("status", "-c", str(config), cwd=tmp_path).stdout
    for title in ("Sources", "Cases", "Alerts"):
        assert title in text
    assert "Outbox: 1 pending, 0 held for digests, 0 sent, 1 dead" in text
    dead_line = next(line for line in text.splitlines() if "│ dead" in line)
    assert "refuses" in dead_line and "answered HTTP 400 unknown case" in dead_line
    pending_line = next(line for line in text.splitlines() if "│ pending" in line)
    assert "busy" in pending_line and "HTTP 503 come back later" in pending_line
    assert "in 9 min" in pending_line or "in 10 min" in pending_line  # Retry-After: 600


@pytest.mark.slow
def test_run_once_on_a_terminal_shows_progress_and_off_one_does_not(
        tmp_path: Path, server: LoopbackServer) -> None:
    config = setup(tmp_path, server)
    env = cli_env({"COLUMNS": "100", "TERM": "xterm"})
    leader, follower = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--once", "-c", str(config)],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    shown = seen.decode(errors="replace")
    assert "polling" in shown and "/1\x1b[0m sources" in shown  # the bar, counting sources
    piped = run_cli("run", "--once", "-c", str(config), cwd=tmp_path)
    assert "polling" not in piped.stderr and "sources" in piped.stderr
