"""What `status` and `/metrics` say of news searches: per provider and case, the last
search, its items and errors, and the requests of the last poll against the budget.

The searches run for real against the GDELT stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from feeds.newssearch import LIMITS
from monitor.config import Settings, parse_settings
from monitor.pipeline import PollReport
from monitor.runtime.app import build_app
from monitor.runtime.http import StoreCollector
from monitor.runtime.status import gather
from tests.conftest import config_toml, console_channel, loopback_service
from tests.news_servers import news_search_server
from tests.servers import LoopbackServer, Request, Response


def settings_for(tmp_path: Path, server: LoopbackServer, **source: object) -> Settings:
    return parse_settings(config_toml(
        database=tmp_path / "cw.db", service=loopback_service(),
        sources=[{"id": "gdelt", "kind": "news_search", "provider": "gdelt",
                  "base_url": server.url("/"), "extract": False, **source}],
        cases=[{"id": "port", "caption": "Vizhinjam port", "query": "Vizhinjam",
                "notify": ["out"]},
               {"id": "other", "caption": "Other", "query": '"nothing like this"',
                "notify": ["out"]}],
        channels=[console_channel()]))


def run_once(settings: Settings, aio: asyncio.Runner
             ) -> tuple[list[PollReport], list[dict[str, Any]], str]:
    app = build_app(settings, stream=io.StringIO(), extract_workers=0)
    try:
        reports, _ = aio.run(app.run_once())
        rows = list(gather(settings, app.store, datetime.now(UTC)))
        registry = CollectorRegistry()
        registry.register(StoreCollector(lambda: app))
        metrics = generate_latest(registry).decode()
    finally:
        aio.run(app.aclose())
    return reports, rows, metrics


def test_status_and_metrics_show_each_case_search(tmp_path: Path, server: LoopbackServer,
                                                  aio: asyncio.Runner) -> None:
    stand_in = news_search_server(server)
    reports, rows, metrics = run_once(settings_for(tmp_path, server), aio)
    assert reports[0].ok, reports[0]
    searched = stand_in.queries("/api/v2/doc/doc", "query")
    assert len(searched) == 2  # one search a case, within GDELT's budget of a poll
    found = {r["case"]: r for r in rows if r["type"] == "search"}
    assert set(found) == {"port", "other"}
    assert found["port"]["provider"] == "gdelt" and found["port"]["last_search"]
    assert found["port"]["items"] == 4 and found["port"]["error"] is None
    assert found["port"]["requests_last_poll"] == 2
    assert found["port"]["budget"] == LIMITS["gdelt"].per_poll
    assert found["port"]["budget_left"] == LIMITS["gdelt"].per_poll - 2
    labels = 'case="port",provider="gdelt",source="gdelt"'
    assert f"casewatch_search_items{{{labels}}} 4.0" in metrics
    assert f"casewatch_search_last_timestamp_seconds{{{labels}}}" in metrics
    assert 'casewatch_search_requests{provider="gdelt",source="gdelt"} 2.0' in metrics
    assert (f'casewatch_search_budget{{provider="gdelt",source="gdelt"}} '
            f'{float(LIMITS["gdelt"].per_poll)}') in metrics


def test_a_blocked_search_shows_as_the_source_error(tmp_path: Path, server: LoopbackServer,
                                                    aio: asyncio.Runner) -> None:
    stand_in = news_search_server(server, mode="429")
    reports, rows, metrics = run_once(settings_for(tmp_path, server), aio)
    assert not reports[0].ok and reports[0].error_kind == "blocked"
    (source,) = [r for r in rows if r["type"] == "source"]
    assert source["error_kind"] == "blocked" and source["errors"] == 1
    # the poll stopped at the first refusal: one request, no search recorded
    assert len(stand_in.queries("/api/v2/doc/doc", "query")) == 1
    assert all(r["last_search"] is None for r in rows if r["type"] == "search")
    assert "casewatch_search_items{" not in metrics


def _per_query_gdelt(server: LoopbackServer) -> None:
    """GDELT answering each query with articles of its own: `alpha` → /a/1, /a/2."""
    def answer(request: Request) -> Response:
        query = parse_qs(urlsplit(request.path).query)["query"][0].split()[0].strip('"')
        rows = [{"url": server.url(f"/{query}/{n}"), "title": f"{query} lawsuit {n}",
                 "seendate": "20301231T120000Z", "domain": "example.org"} for n in (1, 2)]
        return Response(200, json.dumps({"articles": rows}),
                        {"Content-Type": "application/json"})
    server.route("/api/v2/doc/doc", answer)


@pytest.mark.parametrize("alert_first", [False, True], ids=["silent", "alerting"])
def test_what_a_case_first_search_finds_is_its_backlog(tmp_path: Path, server: LoopbackServer,
                                                       aio: asyncio.Runner,
                                                       alert_first: bool) -> None:
    """One search a poll: the first poll (case alpha) and the second (case beta, searched
    for the first time) each find a backlog, alerted only with alert_on_first_poll."""
    _per_query_gdelt(server)
    settings = parse_settings(config_toml(
        database=tmp_path / "cw.db", service=loopback_service(alert_on_first_poll=alert_first),
        sources=[{"id": "gdelt", "kind": "news_search", "provider": "gdelt",
                  "base_url": server.url("/"), "extract": False, "max_requests": 1}],
        cases=[{"id": "alpha", "query": "alpha", "notify": ["out"]},
               {"id": "beta", "query": "beta", "notify": ["out"]}],
        channels=[console_channel()]))
    app = build_app(settings, stream=io.StringIO(), extract_workers=0)
    try:
        first, _ = aio.run(app.run_once())
        second, _ = aio.run(app.run_once())
        statuses = {row["url"].rsplit("/", 2)[1]: row["status"] for row in
                    app.store.db.query("SELECT url, status FROM items")}
        outbox = app.store.outbox_counts()
    finally:
        aio.run(app.aclose())
    assert [r.new for r in first] == [2] and [r.new for r in second] == [2]
    assert set(statuses) == {"alpha", "beta"}
    if alert_first:
        assert "backlog" not in statuses.values() and outbox == {"sent": 2}  # one a case
    else:
        assert set(statuses.values()) == {"backlog"} and sum(outbox.values()) == 0
