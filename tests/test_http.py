"""/healthz, /readyz and /metrics: the real server on 127.0.0.1, in process and in the
daemon's own process, against real feeds on 127.0.0.1 and a real SQLite file."""

from __future__ import annotations

import asyncio
import io
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor.config import deployment_overrides, parse_settings
from monitor.runtime.app import App, build_app
from monitor.runtime.http import (
    HttpError,
    HttpServer,
    Reply,
    parse_address,
    parse_request_head,
    render_reply,
)
from monitor.runtime.scheduler import Daemon
from tests.conftest import (
    Daemon as DaemonProcess,
)
from tests.conftest import (
    Table,
    config_toml,
    console_channel,
    doe_case,
    feed_source,
    loopback_service,
    run_cli,
)
from tests.servers import LoopbackServer, Response, rss

FAMILIES = (
    "casewatch_polls", "casewatch_poll_errors", "casewatch_items_seen", "casewatch_items_new",
    "casewatch_matches", "casewatch_developments", "casewatch_alerts", "casewatch_outbox_rows",
    "casewatch_fetch_duration_seconds", "casewatch_last_success_timestamp_seconds",
    "casewatch_source_consecutive_errors", "casewatch_grouping_held",
)


def config_text(tmp_path: Path, server: LoopbackServer, interval: str, *more: Table) -> str:
    """Doe v. Acme in a feed (news) and a source that is gone, polled every `interval`,
    then the sources `more`; alerts to the console."""
    server.route("/feed", rss([
        {"title": "Complaint filed in Doe v. Acme", "link": server.url("/a/1"),
         "text": "Doe v. Acme: the complaint was filed in federal court."},
        {"title": "Doe v. Acme ends in settlement", "link": server.url("/a/2"),
         "text": "Doe v. Acme settled; terms are confidential."},
        {"title": "Weather", "link": server.url("/a/3"), "text": "Sunny."},
    ]))
    server.route("/gone", Response(404, "gone"))
    return config_toml(database=tmp_path / "cw.db",
                       service=loopback_service(delivery_interval="1s"),
                       sources=[feed_source("news", server.url("/feed"), interval=interval),
                                feed_source("gone", server.url("/gone"), interval=interval),
                                *more],
                       cases=[doe_case(notify=["out"])], channels=[console_channel()])


def make_app(tmp_path: Path, server: LoopbackServer, interval: str = "1s") -> App:
    settings = parse_settings(config_text(tmp_path, server, interval), {})
    return build_app(settings, stream=io.StringIO(), extract_workers=0)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.1)
    return await check()


def db_count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


# in process -------------------------------------------------------------------------------


def test_metrics_after_polls_of_a_feed_on_loopback(tmp_path: Path,
                                                  server: LoopbackServer) -> None:
    started = datetime.now(UTC)

    async def scenario() -> tuple[str, str]:
        app = make_app(tmp_path, server)
        daemon = Daemon(app)
        http = await HttpServer.start("127.0.0.1:0", daemon, daemon.metrics)
        run = asyncio.create_task(daemon.run())
        url = f"http://127.0.0.1:{http.port}/metrics"
        try:
            async with httpx.AsyncClient() as client:

                async def settled() -> bool:
                    found = samples((await client.get(url)).text)
                    return (value(found, "casewatch_polls_total", source="news") >= 2
                            and value(found, "casewatch_polls_total", source="gone") >= 1
                            and value(found, "casewatch_outbox_rows", status="pending") == 0
                            and value(found, "casewatch_alerts_total", channel="out",
                                      outcome="sent") >= 1)

                assert await eventually(settled), "no polls and deliveries within 20 s"
                daemon.request_stop()
                await run
                response = await client.get(url)
        finally:
            daemon.request_stop()
            await run
            await http.aclose()
            await app.aclose()
        return response.text, response.headers["content-type"]

    text, content_type = asyncio.run(scenario())
    assert content_type.startswith("text/plain; version=0.0.4")
    found = samples(text)
    names = {family.name for family in text_string_to_metric_families(text)}
    assert set(FAMILIES) <= names
    db = tmp_path / "cw.db"
    polls = value(found, "casewatch_polls_total", source="news")
    assert value(found, "casewatch_fetch_duration_seconds_count", source="news") == polls
    assert 0 < value(found, "casewatch_fetch_duration_seconds_sum", source="news") < polls * 5
    # the first poll saw three items; later ones got the same body and skipped the parse
    assert value(found, "casewatch_items_seen_total", source="news") == 3
    assert value(found, "casewatch_items_new_total", source="news") == 3
    assert not [key for key in found
                if key[0] == "casewatch_poll_errors_total" and ("source", "news") in key[1]]
    gone = value(found, "casewatch_polls_total", source="gone")
    assert value(found, "casewatch_poll_errors_total", source="gone", kind="http") == gone
    assert value(found, "casewatch_source_consecutive_errors", source="gone") == gone
    assert value(found, "casewatch_source_consecutive_errors", source="news") == 0
    assert value(found, "casewatch_matches_total", case="doe") == db_count(
        db, "SELECT COUNT(*) FROM matches WHERE case_id = 'doe'") == 2
    assert value(found, "casewatch_developments_total", case="doe") == db_count(
        db, "SELECT COUNT(*) FROM developments WHERE case_id = 'doe'") >= 1
    sent = db_count(db, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
    assert value(found, "casewatch_alerts_total", channel="out", outcome="sent") == sent >= 1
    assert value(found, "casewatch_outbox_rows", status="sent") == sent
    assert value(found, "casewatch_alerts_total", channel="out", outcome="dead") == 0
    last = value(found, "casewatch_last_success_timestamp_seconds", source="news")
    assert started.timestamp() - 1 <= last <= datetime.now(UTC).timestamp() + 1
    assert ("casewatch_last_success_timestamp_seconds", frozenset({("source", "gone")})) \
        not in found


def test_readyz_and_healthz_through_start_and_shutdown(tmp_path: Path,
                                                       server: LoopbackServer) -> None:
    async def scenario() -> dict[str, tuple[int, str]]:
        app = make_app(tmp_path, server, interval="1h")
        daemon = Daemon(app)
        http = await HttpServer.start("127.0.0.1:0", daemon, daemon.metrics)
        base = f"http://127.0.0.1:{http.port}"
        seen: dict[str, tuple[int, str]] = {}
        run: asyncio.Task[None] | None = None
        try:
            async with httpx.AsyncClient(base_url=base) as client:

                async def get(label: str, path: str, method: str = "GET") -> None:
                    response = await client.request(method, path)
                    seen[label] = (response.status_code, response.text)

                await get("ready before start", "/readyz")
                await get("healthy before start", "/healthz")
                run = asyncio.create_task(daemon.run())

                async def ready() -> bool:
                    return (await client.get("/readyz")).status_code == 200

                assert await eventually(ready)
                await get("ready", "/readyz")
                await get("healthy", "/healthz")
                await get("head", "/healthz", "HEAD")
                await get("unknown path", "/nope")
                await get("post", "/healthz", "POST")
                app.store.close()
                await get("healthy with the store closed", "/healthz")
                await get("ready with the store closed", "/readyz")
                daemon.request_stop()
                await get("ready while stopping", "/readyz")
                await run
                await get("healthy after stop", "/healthz")
        finally:
            daemon.request_stop()
            if run is not None:
                await run
            await http.aclose()
            await app.aclose()
        return seen

    seen = asyncio.run(scenario())
    assert seen["ready before start"] == (503, '{"status": "unavailable", "reason": "starting"}\n')
    assert seen["healthy before start"][0] == 503
    assert "scheduler not running" in seen["healthy before start"][1]
    assert seen["ready"] == seen["healthy"] == (200, '{"status": "ok"}\n')
    assert seen["head"] == (200, "")
    assert seen["unknown path"][0] == 404
    assert seen["post"][0] == 405
    status, body = seen["healthy with the store closed"]
    assert status == 503 and "database not writable" in body and "closed" in body
    assert seen["ready with the store closed"][0] == 200  # readiness is not liveness
    assert seen["ready while stopping"] == (
        503, '{"status": "unavailable", "reason": "stopping"}\n')
    assert seen["healthy after stop"][0] == 503


def test_metrics_and_health_follow_a_config_reload(tmp_path: Path,
                                                   server: LoopbackServer) -> None:
    """SIGHUP swaps the App (and its store); the endpoints read the running one."""
    text = config_text(tmp_path, server, interval="1h")
    extra = config_text(tmp_path, server, "1h", feed_source("extra", server.url("/feed")))

    async def scenario() -> tuple[str, str, int]:
        app = build_app(parse_settings(text, {}), stream=io.StringIO(), extract_workers=0)
        daemon = Daemon(app, load=lambda: parse_settings(extra, {}),
                        build=lambda s: build_app(s, stream=io.StringIO(), extract_workers=0))
        http = await HttpServer.start("127.0.0.1:0", daemon, daemon.metrics)
        run = asyncio.create_task(daemon.run())
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http.port}") as client:

                async def ready() -> bool:
                    return (await client.get("/readyz")).status_code == 200

                assert await eventually(ready)
                before = (await client.get("/metrics")).text
                daemon.request_reload()

                async def reloaded() -> bool:
                    return daemon.app is not app

                assert await eventually(reloaded)
                after = (await client.get("/metrics")).text
                health = (await client.get("/healthz")).status_code
        finally:
            daemon.request_stop()
            await run
            await http.aclose()
            await daemon.app.aclose()
        return before, after, health

    before, after, health = asyncio.run(scenario())
    assert 'casewatch_polls_total{source="extra"}' not in before
    found = samples(after)
    assert value(found, "casewatch_polls_total", source="extra") == 0
    assert value(found, "casewatch_source_consecutive_errors", source="extra") == 0
    assert value(found, "casewatch_outbox_rows", status="pending") == 0  # the new store
    assert health == 200


# the daemon's own process -----------------------------------------------------------------


@dataclass
class Serving:
    """A daemon in its own process, serving HTTP on `port`."""

    daemon: DaemonProcess
    port: int

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=10)


@pytest.fixture
def daemonised(tmp_path: Path, server: LoopbackServer) -> Iterator[Serving]:
    config = tmp_path / "casewatch.toml"
    config.write_text(config_text(tmp_path, server, interval="1h"))
    once = run_cli("run", "--once", "-c", str(config), cwd=tmp_path)
    assert once.returncode == 0, once.stderr  # next polls are an hour away
    # the address comes from $CASEWATCH_HTTP, as in the container image (the file says "")
    with DaemonProcess(config, cwd=tmp_path, env={"CASEWATCH_HTTP": "127.0.0.1:0"}) as daemon:
        serving = daemon.wait_line(r"serving /healthz.* on http://[\d.]+:(\d+)", 30)
        assert serving, daemon.stderr
        yield Serving(daemon, int(serving.group(1)))


@pytest.mark.slow
def test_the_daemon_answers_503_while_another_process_holds_the_write_lock(
        tmp_path: Path, daemonised: Serving) -> None:
    deadline = time.monotonic() + 20
    while daemonised.get("/readyz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert daemonised.get("/readyz").status_code == 200
    assert daemonised.get("/healthz").status_code == 200
    other = sqlite3.connect(tmp_path / "cw.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        locked = daemonised.get("/healthz")
        still_ready = daemonised.get("/readyz")
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert locked.status_code == 503
    assert locked.json() == {"status": "unavailable",
                             "reason": "database not writable: database is locked"}
    assert still_ready.status_code == 200
    assert daemonised.get("/healthz").status_code == 200

    found = samples(daemonised.get("/metrics").text)
    assert value(found, "casewatch_matches_total", case="doe") == 2  # from the --once run
    assert daemonised.daemon.stop() < 10
    assert daemonised.daemon.returncode == 0, daemonised.daemon.stderr


def test_a_port_in_use_is_a_one_line_error(tmp_path: Path, server: LoopbackServer) -> None:
    config = tmp_path / "casewatch.toml"
    config.write_text(config_text(tmp_path, server, interval="1h"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli("run", "-c", str(config), cwd=tmp_path,
                       env={"CASEWATCH_HTTP": f"127.0.0.1:{port}"})
    assert done.returncode == 2
    assert done.stderr == f"casewatch: cannot serve HTTP on 127.0.0.1:{port}: " \
        "Address already in use\n"
    assert "Traceback" not in done.stderr


# the small parts ---------------------------------------------------------------------------


def test_the_address_comes_from_the_environment_first() -> None:
    def http_address(configured: str, environ: dict[str, str]) -> str:
        data: dict[str, Any] = {"service": {"http": configured}}
        deployment_overrides(data, environ)
        return str(data["service"]["http"])

    assert http_address("127.0.0.1:8080", {}) == "127.0.0.1:8080"
    assert http_address("127.0.0.1:8080", {"CASEWATCH_HTTP": "0.0.0.0:9000"}) == "0.0.0.0:9000"
    assert http_address("127.0.0.1:8080", {"CASEWATCH_HTTP": ""}) == ""
    assert parse_address("0.0.0.0:8080") == ("0.0.0.0", 8080)
    assert parse_address(":8080") == (None, 8080)
    for bad in ("8080", "localhost", "host:99999", "a b:1"):
        with pytest.raises(HttpError, match="expected"):
            parse_address(bad)


def test_request_heads_and_replies() -> None:
    assert parse_request_head(b"GET /healthz?x=1 HTTP/1.1\r\nHost: a\r\n\r\n") == \
        ("GET", "/healthz")
    assert parse_request_head(b"HEAD http://h:1/metrics HTTP/1.0\r\n\r\n") == \
        ("HEAD", "/metrics")
    for junk in (b"\x16\x03\x01\x02\x00\r\n\r\n", b"GET /\r\n\r\n", b"GET / SPDY/3\r\n\r\n"):
        with pytest.raises(ValueError):
            parse_request_head(junk)
    reply = render_reply(Reply(503, b'{"a": 1}'))
    assert reply.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert b"Content-Length: 8\r\n" in reply and reply.endswith(b'\r\n\r\n{"a": 1}')
    assert render_reply(Reply(200, b"body"), head_only=True).endswith(b"\r\n\r\n")


def test_garbage_gets_a_400_and_the_server_carries_on(tmp_path: Path,
                                                      server: LoopbackServer) -> None:
    async def scenario() -> tuple[bytes, int]:
        app = make_app(tmp_path, server, interval="1h")
        daemon = Daemon(app)
        http = await HttpServer.start("127.0.0.1:0", daemon, daemon.metrics)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", http.port)
            writer.write(b"HELLO\r\n\r\n")
            answer = await reader.read()
            writer.close()
            async with httpx.AsyncClient() as client:
                after = await client.get(f"http://127.0.0.1:{http.port}/metrics")
        finally:
            await http.aclose()
            await app.aclose()
        return answer, after.status_code

    answer, after = asyncio.run(scenario())
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert after == 200
