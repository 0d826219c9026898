"""News searches (`kind = "news_search"`) within the providers' budgets, on 127.0.0.1.

For 10, 100 and 1,000 generated cases and each provider (Google News, Bing News, GDELT)
with its default budget and the default interval: the real `NewsSearchSource` with the
real translated queries and a real `Fetcher`, against a small stand-in of each provider
in a process of its own (so the CPU measured is the source's). Pauses are recorded, not
slept. Prints per provider and case count: searches per case, requests per poll (counted
by the server), polls and time for a full round, the pauses within a poll, requests per
hour and CPU per poll. A last row has every Google result on a new-style article link,
resolved by the two requests each that `max_resolves` allows.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.record import record_only, recording
from feeds.base import SourceState
from feeds.fetch import Fetcher
from feeds.newssearch import LIMITS, PROVIDERS, NewsSearchConfig, NewsSearchSource, Provider
from monitor.config import CaseConfig, ServiceConfig
from monitor.matching.search import provider_query_text

CASES = (10, 100, 1_000)
SIGNATURE, TIMESTAMP = "AVbench-signature", "1733500000"
NOW = format_datetime(datetime.now(UTC), usegmt=True)


def _rss(title: str, link: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>search</title><link>http://127.0.0.1/</link><description/>"
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="false">{escape(link)}</guid><pubDate>{NOW}</pubDate>'
            f"<description>{escape(title)}</description></item></channel></rss>").encode()


def _serve(port: Any, counts: Any, resolve: Any) -> None:
    """The stand-in: counts[0] searches, counts[1] article pages, counts[2] batchexecute
    calls; `resolve` set: Google answers new-style article links on this host."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        wbufsize = 1 << 16  # headers and body in one write, flushed after each request

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _count(self, slot: int) -> None:
            with counts.get_lock():
                counts[slot] += 1

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            key = hashlib.sha1(parts.query.encode()).hexdigest()[:20]
            host = f"http://127.0.0.1:{port.value}"
            if parts.path == "/rss/search":
                self._count(0)
                link = (f"{host}/rss/articles/CBMiBench{key}?oc=5" if resolve.value
                        else f"https://publisher.example/google/{key}")
                self._send(_rss(query.get("q", [""])[0], link), "application/rss+xml")
            elif parts.path == "/news/search":
                self._count(0)
                self._send(_rss(query.get("q", [""])[0], f"https://publisher.example/bing/{key}"),
                           "application/rss+xml; charset=utf-8")
            elif parts.path == "/api/v2/doc/doc":
                self._count(0)
                self._send(b'{"articles": []}', "application/json; charset=utf-8")
            elif parts.path.startswith("/rss/articles/"):
                self._count(1)
                self._send(f'<html><body><c-wiz><div jscontroller="aLI87" data-n-a-sg='
                           f'"{SIGNATURE}" data-n-a-ts="{TIMESTAMP}"></div></c-wiz>'
                           "</body></html>".encode(), "text/html; charset=utf-8")
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if urlsplit(self.path).path != "/_/DotsSplashUi/data/batchexecute":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._count(2)
            inner = json.loads(json.loads(parse_qs(body.decode())["f.req"][0])[0][0][1])
            url = f"https://publisher.example/google/{inner[2]}"
            rows = [["wrb.fr", "Fbv4je", json.dumps(["garturlres", url, 1]), None, None,
                     None, "generic"], ["di", 38]]
            self._send((")]}'\n\n" + json.dumps(rows)).encode(),
                       "application/json; charset=utf-8")

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port.value = server.server_address[1]
    server.serve_forever()


@dataclass
class Row:
    provider: str
    cases: int
    per_case: float  # searches (queries) per case
    budget: int  # searches per poll
    requests: list[int]  # per poll, counted by the server
    said: list[int]  # per poll, the source's own `requests`
    pauses: list[float]  # per poll, the sum of the pauses asked for
    cpu: list[float]  # per poll, seconds
    complete: bool


def cases(n: int) -> list[CaseConfig]:
    return [CaseConfig(id=f"case-{k}", caption=f"Plaintiff{k} v. Defendant{k} Corp.",
                       parties=[f"Plaintiff{k}", f"Defendant{k} Corp."]) for k in range(n)]


async def one(provider: Provider, n: int, base: str, counts: Any) -> Row:
    watched = cases(n)
    queries = {case.id: provider_query_text(case, provider) for case in watched}
    config = NewsSearchConfig(kind="news_search", id=f"news-{provider}", provider=provider,
                              base_url=base)
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)

    source = NewsSearchSource(config, queries, sleep=sleep, rng=random.Random(n))
    fetcher = Fetcher(user_agent=ServiceConfig().user_agent, allow_private=True)
    row = Row(provider, n, statistics.mean(len(q) for q in queries.values()),
              source.per_poll, [], [], [], [], False)
    state = SourceState()
    try:
        for _ in range(10 * len(source.searches) + 1):  # a round, with room for a stall
            before, pauses = sum(counts[:]), len(asked)
            cpu = time.process_time()
            result = await source.poll(fetcher, state)
            row.cpu.append(time.process_time() - cpu)
            row.requests.append(sum(counts[:]) - before)
            row.said.append(int(result.state.get("requests", 0)))
            row.pauses.append(sum(asked[pauses:]))
            state = SourceState(state=result.state)
            if set(result.state.get("searched") or {}) >= set(queries):
                row.complete = True
                break
    finally:
        await fetcher.aclose()
    return row


def hours(seconds: float) -> str:
    return f"{seconds / 3600:6.2f} h"


def main() -> None:
    interval = ServiceConfig().default_interval
    window = NewsSearchConfig(kind="news_search", id="w", provider="gdelt").window
    ctx = multiprocessing.get_context("fork")
    port, counts, resolve = ctx.Value("i", 0), ctx.Array("i", 3), ctx.Value("b", 0)
    server = ctx.Process(target=_serve, args=(port, counts, resolve), daemon=True)
    server.start()
    try:
        while not port.value:
            time.sleep(0.01)
        base = f"http://127.0.0.1:{port.value}"
        runs: list[tuple[str, Row]] = []
        for provider in PROVIDERS:
            for n in CASES:
                runs.append((provider, asyncio.run(one(provider, n, base, counts))))
        resolve.value = 1
        for n in CASES:
            runs.append(("google_news, links resolved",
                         asyncio.run(one("google_news", n, base, counts))))
    finally:
        server.terminate()
        server.join()

    print(f"interval {interval.total_seconds() / 60:.0f} min ([service] default_interval); "
          f"search window {window.total_seconds() / 3600:.0f} h; budgets: "
          + ", ".join(f"{p} {LIMITS[p].per_poll} searches a poll, {LIMITS[p].gap:g} s gap "
                      "(+0-50% jitter)" for p in PROVIDERS))
    print(f"{'provider':28s} {'cases':>5s} {'q/case':>6s} {'budget':>6s} {'req/poll':>8s} "
          f"{'polls/round':>11s} {'round':>8s} {'pauses/poll s':>13s} {'req/h':>5s} "
          f"{'CPU ms/poll':>11s}")
    problems = []
    for label, row in runs:
        polls = len(row.requests)
        mean_req = statistics.mean(row.requests)
        round_s = polls * interval.total_seconds()
        per_hour = mean_req * timedelta(hours=1) / interval
        print(f"{label:28s} {row.cases:5,d} {row.per_case:6.2f} {row.budget:6d} "
              f"{mean_req:5.1f}/{max(row.requests):<2d} {polls:11d}{'' if row.complete else '+'} "
              f"{hours(round_s):>8s} {statistics.mean(row.pauses):6.1f}/{max(row.pauses):<6.1f} "
              f"{per_hour:5.0f} {statistics.mean(row.cpu) * 1000:6.1f}/{max(row.cpu) * 1000:<4.0f}")
        if row.requests != row.said:
            problems.append(f"{label} {row.cases}: the source said {sum(row.said)} requests, "
                            f"the server counted {sum(row.requests)}")
        if round_s > window.total_seconds():
            problems.append(f"{label} {row.cases}: a full round ({hours(round_s).strip()}) is "
                            f"longer than the search window ({window.total_seconds() / 3600:.0f}"
                            " h): items seen only between two searches of a case are missed")
        over = max(row.requests) - row.budget
        if over > 0 and not any(p.startswith(f"{label}: ") for p in problems):
            problems.append(f"{label}: up to {max(row.requests)} requests a poll "
                            f"to the provider's host against a budget of {row.budget} searches "
                            f"({over} for resolving links, not counted in the budget)")
    print("req/poll, pauses/poll and CPU ms/poll: mean/max over the polls of one round; round: "
          "polls/round x interval; req/h: mean requests a poll x polls an hour")
    for problem in problems:
        print("note: " + problem)


if __name__ == "__main__":
    with recording("bench_search", record_only(__doc__.splitlines()[0]).record):
        main()
