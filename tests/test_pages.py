"""The case pages, through the daemon's real HTTP server on 127.0.0.1, over a SQLite file
the pipeline filled: the demo's seed articles and its court feed, served on 127.0.0.1 and
polled; hostile titles from a real feed; the token when the pages are exposed, also in the
daemon's own process; the Atom feed read back with feedparser. The browser's view of the
same pages: test_pages_browser.py.
"""

from __future__ import annotations

import asyncio
import base64
import html
import io
import itertools
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import httpx
import pytest

from monitor.config import ConfigError, load_settings, parse_settings
from monitor.demo import load_seed_articles, serve_seeds
from monitor.pages.chart import weekly
from monitor.pages.wording import safe_url, step_label, xml_text
from monitor.runtime.app import App, build_app
from monitor.runtime.http import HttpServer, Metrics
from monitor.runtime.site import Site, authorised
from monitor.store.rows import MatchRecord, NewDevelopment
from monitor.store.views import reader
from tests.conftest import (
    Daemon,
    FakeClock,
    config_toml,
    console_channel,
    doe_case,
    feed_source,
    loopback_service,
)
from tests.servers import LoopbackServer, Response, rss
from tests.test_grouping import SEED_CONFIG

TOKEN = "s3cret-token-0123456789abcdef"
CASE = "/cases/doe-v-twitter"
JANUARY_SITES = ["News Site B", "News Site C", "News Site D", "The Western Journal"]


class Ready:
    """/healthz and /readyz say fine: these tests are about the pages."""

    def health(self) -> str | None:
        return None

    def readiness(self) -> str | None:
        return None


class Served:
    """An App's pages on the real HTTP server, on a free port of 127.0.0.1."""

    def __init__(self, app: App, aio: asyncio.Runner) -> None:
        self.app, self.aio = app, aio
        self.server = aio.run(HttpServer.start("127.0.0.1:0", Ready(), Metrics(lambda: app),
                                               Site(lambda: app)))
        self.base = f"http://127.0.0.1:{self.server.port}"

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        async def fetch() -> httpx.Response:
            async with httpx.AsyncClient(base_url=self.base) as client:
                return await client.request(str(kwargs.pop("method", "GET")), path,
                                            **kwargs)  # type: ignore[arg-type]
        return self.aio.run(fetch())

    def close(self) -> None:
        self.aio.run(self.server.aclose())


@pytest.fixture
def seeds_url() -> Iterator[str]:
    with serve_seeds(load_seed_articles()) as base:
        yield base


def seeds_app(tmp_path: Path, clock: FakeClock, base: str, extra: str = "",
              service: str = "", notify: list[str] | None = None) -> App:
    """The demo's config: `service` lines added to [service], `extra` tables after it,
    the case's alerts to the console and the channels `notify`."""
    env = {"CASEWATCH_DEMO_DB": str(tmp_path / "demo.db"),
           "CASEWATCH_DEMO_FEED": f"{base}/feed.xml",
           "CASEWATCH_DEMO_COURT": f"{base}/court/cand.xml"}
    text = SEED_CONFIG.replace('http = ""\n', f'http = ""\n{service}') + extra
    names = ", ".join(f'"{name}"' for name in ["stdout", *(notify or [])])
    text = text.replace('notify = ["stdout"]', f"notify = [{names}]")
    return build_app(parse_settings(text, env), clock=clock, stream=io.StringIO(),
                     extract_workers=0)


@pytest.fixture
def seeded(tmp_path: Path, clock: FakeClock, aio: asyncio.Runner,
           seeds_url: str) -> Iterator[Served]:
    """The seeds and the court feed polled once each (news first), then served."""
    app = seeds_app(tmp_path, clock, seeds_url)
    for source in ("seed-news", "seed-court"):
        assert aio.run(app.pipeline.poll(source)).ok
        clock.advance(minutes=10)
    aio.run(app.deliverer.deliver_due())
    served = Served(app, aio)
    yield served
    served.close()
    aio.run(app.aclose())


def timeline(page: str) -> list[str]:
    """The timeline's entries, each as its text with the markup taken out."""
    found = re.search(r'<ol class="timeline" id="timeline">(.*?)</ol>', page, re.S)
    assert found, page
    items = re.findall(r"<li id=\"dev-[^\"]+\">(.*?)\n  </li>", found.group(1), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


def test_the_cases_page_lists_each_case_with_its_last_development_and_counts(
        seeded: Served, clock: FakeClock) -> None:
    reply = seeded.get("/")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src" not in reply.headers["content-security-policy"]
    assert "default-src 'none'" in reply.headers["content-security-policy"]
    page = reply.text
    assert f'<a href="{CASE}">John Doe #1 and John Doe #2 v. Twitter, Inc.</a>' in page
    row = re.search(r"<tr>\s*<td><a href=\"/cases/doe-v-twitter\">.*?</tr>", page, re.S)
    assert row is not None
    cells = re.findall(r'<td class="n">(\d+)</td>', row.group(0))
    assert cells == ["3", "3", "3"]  # 7 days, 30 days, all: the complaint, #38, #39
    # the last seen: the court's feed, polled last, began one development (#38)
    assert "Doe v. Twitter, Inc. #38: Notice of Appearance" in row.group(0)
    assert '<span class="badge">filing</span> 10 min ago' in row.group(0)
    assert 'id="failing"' not in page  # every source is healthy
    clock.advance(days=10)
    row = re.search(r"<tr>\s*<td><a href=\"/cases/doe-v-twitter\">.*?</tr>",
                    seeded.get("/").text, re.S)
    assert row is not None
    assert re.findall(r'<td class="n">(\d+)</td>', row.group(0)) == ["0", "3", "3"]


def test_the_timeline_lists_each_development_with_its_filings_and_coverage(
        seeded: Served) -> None:
    page = seeded.get(CASE).text
    entries = timeline(page)
    assert len(entries) == 3
    # newest first by the date of the item that began it: April's two, then January
    amended, appearance, complaint = entries
    assert amended.startswith("amended complaint 2021-04-0")
    assert "RedState" in amended and "#39 Amended Complaint" in amended
    assert appearance.startswith("filing 2021-04-07")
    assert "#38 Notice of Appearance" in appearance
    assert complaint.startswith("complaint filed 2021-01-2")
    assert "#1 Complaint" in complaint
    for site in JANUARY_SITES:
        assert site in complaint
    # the updates are folded under the development's first item
    assert "4 updates: 1 filed in court, 3 in the press" in complaint
    assert page.count("<details>") == 2
    # a filing's document and an article's page are links; every outside link is plain
    assert 'href="https://ecf.cand.uscourts.gov/doc1/' in page
    assert f'href="{seeded.app.settings.sources[0].url}'.rsplit("/", 1)[0] in page
    assert all(rel == "noopener noreferrer"
               for rel in re.findall(r'<a href="http[^"]*" rel="([^"]*)"', page))
    # the weekly chart: a bar per series and week with any, January and April 2021
    chart = re.search(r"<svg class=\"chart\".*?</svg>", page, re.S)
    assert chart is not None
    titles = re.findall(r"<rect class=\"(\w+)\"[^>]*><title>([^<]*)</title>", chart.group(0))
    assert ("articles", "week of 2021-01-18: 4 articles") in titles
    assert sum(1 for series, _ in titles if series == "developments") == 2
    assert "<script" not in page


def test_the_timeline_filters_by_step_and_by_source_kind(seeded: Served) -> None:
    only = timeline(seeded.get(CASE, params={"step": "complaint_filed"}).text)
    assert len(only) == 1 and only[0].startswith("complaint filed")
    page = seeded.get(CASE, params={"step": "amended_complaint"}).text
    assert '<option value="amended_complaint" selected>' in page
    assert [e.split(" 20")[0] for e in timeline(page)] == ["amended complaint"]
    assert len(timeline(seeded.get(CASE, params={"source": "feed"}).text)) == 2
    assert len(timeline(seeded.get(CASE, params={"source": "pacer_rss"}).text)) == 3
    empty = seeded.get(CASE, params={"step": "verdict"}).text
    assert timeline(empty) == [] and "No development of this kind" in empty
    hostile = seeded.get(CASE, params={"step": "<b>x</b>", "page": "-3"})
    assert hostile.status_code == 200 and "<b>x</b>" not in hostile.text


def test_sources_and_outbox_pages(tmp_path: Path, clock: FakeClock, aio: asyncio.Runner,
                                  seeds_url: str, server: LoopbackServer) -> None:
    """A channel that refuses (dead), one holding for a digest (held), one that is down
    (pending), and a news source that fails."""
    server.route("/refuse", Response(400, "no such hook"))
    extra = (f'\n[[channels]]\nid = "refused"\nkind = "webhook"\nurl = "{server.url("/refuse")}"'
             '\n[[channels]]\nid = "daily"\nkind = "console"\ndigest = "0 8 * * *"'
             '\n[[channels]]\nid = "down"\nkind = "webhook"\nurl = "http://127.0.0.1:9/hook"'
             f'\n[[sources]]\nid = "gone"\nkind = "feed"\nurl = "{server.url("/gone")}"'
             '\nextract = false\n')
    app = seeds_app(tmp_path, clock, seeds_url, extra, notify=["refused", "daily", "down"])
    served = Served(app, aio)
    try:
        aio.run(app.run_once())
        clock.advance(hours=2)
        aio.run(app.pipeline.poll("gone"))  # still failing two hours on
        aio.run(app.deliverer.deliver_due())
        sources = served.get("/sources").text
        outbox = served.get("/outbox").text
        index = served.get("/").text
    finally:
        served.close()
        aio.run(app.aclose())
    rows = {m.group(1): " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(2))).split())
            for m in re.finditer(r'<tr id="([^"]+)">(.*?)</tr>', sources, re.S)}
    assert set(rows) == {"seed-news", "seed-court", "gone"}
    assert rows["seed-news"].startswith("seed-news feed ok")
    assert rows["seed-court"].startswith("seed-court pacer_rss ok")
    assert rows["gone"].startswith("gone feed failing")
    assert "http" in rows["gone"] and "404" in rows["gone"]
    assert '<a href="/sources#gone">gone</a>' in index  # the cases page says so too
    sections = dict(re.findall(r'<section id="channel-([^"]+)">(.*?)</section>', outbox, re.S))
    assert set(sections) == {"stdout", "refused", "daily", "down"}
    assert "Nothing waiting." in sections["stdout"]
    assert "2 dead" in sections["refused"] and "400" in sections["refused"]
    assert '<span class="state-dead">dead</span>' in sections["refused"]
    assert "2 held" in sections["daily"] and ">held<" in sections["daily"]
    assert "2 pending" in sections["down"] and ">pending<" in sections["down"]
    assert f'<a href="{CASE}">doe-v-twitter</a>' in sections["down"]


def test_hostile_titles_and_links_are_escaped_on_every_page_and_in_the_feed(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner,
        server: LoopbackServer) -> None:
    hostile = ('Doe v. Acme: <script>alert("x")</script><img src=x onerror=alert(1)> '
               "&amp; \x07bell ‘quotes’ \"double\"")
    server.route("/feed", rss([
        {"title": html.escape(hostile), "link": server.url("/a/1"),
         "text": "Doe v. Acme lawsuit filed."},
        {"title": "Doe v. Acme: second", "link": "javascript:alert(document.cookie)",
         "guid": "js-1", "text": "Doe v. Acme lawsuit, settled."},
    ]))
    caption = 'John Doe v. <b>Acme</b> "Corp."'
    text = config_toml(database=tmp_path / "db.sqlite", service=loopback_service(),
                       sources=[feed_source("news", server.url("/feed"))],
                       cases=[doe_case(caption=caption, notify=["out"])],
                       channels=[console_channel()])
    app = build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                    extract_workers=0)
    served = Served(app, aio)
    try:
        assert aio.run(app.pipeline.poll("news")).ok
        pages = {path: served.get(path).text for path in ("/", "/cases/doe", "/outbox",
                                                           "/sources")}
        feed = served.get("/cases/doe/feed.xml")
    finally:
        served.close()
        aio.run(app.aclose())
    for path, page in pages.items():
        assert "<script" not in page, path
        assert "<img" not in page, path
        assert "<b>Acme</b>" not in page, path
        assert "javascript:" not in page, path
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in pages["/cases/doe"]
    assert "John Doe v. &lt;b&gt;Acme&lt;/b&gt; &#34;Corp.&#34;" in pages["/"]
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo, parsed.bozo_exception
    titles = [entry.title for entry in parsed.entries]
    assert any(t.endswith(hostile.replace("\x07", "")) for t in titles), titles
    assert parsed.feed.title == f"{caption} · casewatch"
    assert all("javascript" not in link.href for e in parsed.entries for link in e.links)


def test_the_atom_feed_reads_back_with_feedparser(seeded: Served) -> None:
    reply = seeded.get(f"{CASE}/feed.xml")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(reply.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    assert parsed.feed.title == "John Doe #1 and John Doe #2 v. Twitter, Inc. · casewatch"
    assert parsed.feed.links[0].href == f"{seeded.base}{CASE}/feed.xml"
    entries = parsed.entries
    assert [e.title.split(":")[0] for e in entries] == [
        "amended complaint", "filing", "complaint filed"]
    assert len({e.id for e in entries}) == 3
    assert [e.id for e in feedparser.parse(seeded.get(f"{CASE}/feed.xml").content).entries] \
        == [e.id for e in entries]  # the same ids on every read
    complaint = entries[2]
    assert complaint.link.startswith("http://127.0.0.1")  # the first article reported it
    content = complaint.content[0].value
    assert "Filed in court (1)" in content and "In the press (4)" in content
    for site in JANUARY_SITES:
        assert site in content
    assert any(link.href == f"{seeded.base}{CASE}#{link.href.rsplit('#', 1)[1]}"
               for link in complaint.links if link.rel == "related")


def test_unknown_paths_methods_and_head(seeded: Served) -> None:
    missing = seeded.get("/cases/no-such-case")
    assert missing.status_code == 404 and "There is no such case." in missing.text
    assert seeded.get(f"{CASE}/other").status_code == 404
    assert seeded.get("/cases/").status_code == 404
    assert seeded.get("/nothing").status_code == 404
    assert seeded.get("/", method="POST").status_code == 405
    head = seeded.get(CASE, method="HEAD")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(seeded.get(CASE).content)


def test_no_page_writes_anything(seeded: Served, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    before = seeded.app.store.counts(), seeded.app.store.db.conn.total_changes
    for path in ("/", CASE, f"{CASE}/feed.xml", "/sources", "/outbox", "/?q=doe&page=9"):
        assert seeded.get(path).status_code == 200
    assert (seeded.app.store.counts(), seeded.app.store.db.conn.total_changes) == before
    pages = reader(db)  # the pages' own connection refuses writes
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only"):
        pages.execute("DELETE FROM outbox")
    pages.close()


def test_pages_need_the_token_when_one_is_set(tmp_path: Path, clock: FakeClock,
                                              aio: asyncio.Runner, seeds_url: str) -> None:
    app = seeds_app(tmp_path, clock, seeds_url, service=f'http_token = "{TOKEN}"\n')
    served = Served(app, aio)
    basic = base64.b64encode(f"anyone:{TOKEN}".encode()).decode()
    wrong = base64.b64encode(b"anyone:not-the-token-at-all-0000").decode()
    try:
        for path in ("/", CASE, f"{CASE}/feed.xml", "/sources", "/outbox", "/cases/nope"):
            refused = served.get(path)
            assert refused.status_code == 401, path
            assert refused.headers["www-authenticate"].startswith('Basic realm="casewatch"')
            assert TOKEN not in refused.text
        for header in (f"Bearer {TOKEN}", f"Basic {basic}", f"bearer {TOKEN}"):
            assert served.get("/", headers={"Authorization": header}).status_code == 200
        for header in (f"Bearer {TOKEN}x", f"Basic {wrong}", TOKEN, "Basic !!!", ""):
            assert served.get("/", headers={"Authorization": header}).status_code == 401
        for probe in ("/healthz", "/readyz", "/metrics"):  # probes stay open
            assert served.get(probe).status_code == 200
    finally:
        served.close()
        aio.run(app.aclose())


def test_an_exposed_daemon_answers_401_without_the_token(tmp_path: Path) -> None:
    """The daemon's own process, on every interface: the token comes from the environment."""
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "casewatch.toml"
    config.write_text(config_toml(database=tmp_path / "db.sqlite",
                                  service={"http": f"0.0.0.0:{port}"},
                                  cases=[doe_case()], channels=[console_channel()])
                      .replace("[service]", "[service]\ndiscovery = []"), encoding="utf-8")
    refused = Daemon(config, cwd=tmp_path)
    try:
        refused.proc.wait(timeout=30)
    finally:
        refused.proc.kill()
    assert refused.returncode == 2  # a config error
    assert "http_token" in refused.stderr and "CASEWATCH_HTTP_TOKEN" in refused.stderr
    with Daemon(config, cwd=tmp_path, env={"CASEWATCH_HTTP_TOKEN": TOKEN}) as daemon:
        assert daemon.wait_line("case pages on http", timeout=30), daemon.stderr
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/").status_code == 401
        assert httpx.get(f"{base}/healthz").status_code in (200, 503)
        ok = httpx.get(f"{base}/", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200 and "John Doe v. Acme Corp." in ok.text
        assert httpx.get(f"{base}/", auth=("me", TOKEN)).status_code == 200
    assert TOKEN not in daemon.stderr + daemon.stdout


def test_a_non_loopback_address_needs_a_token(tmp_path: Path) -> None:
    def settings(service: dict[str, object], environ: dict[str, str] | None = None,
                 *, file: bool = False) -> object:
        text = config_toml(service=service, cases=[doe_case()])
        if not file:
            return parse_settings(text, environ or {})
        path = tmp_path / "casewatch.toml"
        path.write_text(text, encoding="utf-8")
        return load_settings(path, environ or {})

    for address in ("0.0.0.0:8080", ":8080", "192.168.1.5:8080", "example.org:80"):
        with pytest.raises(ConfigError, match=r"service: http: .* the case pages need a "
                                              r"token: set http_token"):
            settings({"http": address})
        settings({"http": address, "http_token": TOKEN})
        settings({"http": address, "pages": False})
    for address in ("127.0.0.1:8080", "127.0.0.2:80", "localhost:8080", ""):
        settings({"http": address})
    with pytest.raises(ConfigError, match=r"service\.http_token: at least 16 characters"):
        settings({"http_token": "short"})
    # the container sets the address in the environment; the token may come from there too
    with pytest.raises(ConfigError, match="need a token"):
        settings({}, {"CASEWATCH_HTTP": "0.0.0.0:8080"}, file=True)
    found = settings({}, {"CASEWATCH_HTTP": "0.0.0.0:8080", "CASEWATCH_HTTP_TOKEN": TOKEN},
                     file=True)
    assert found.service.http == "0.0.0.0:8080"  # type: ignore[attr-defined]
    assert found.service.token == TOKEN  # type: ignore[attr-defined]
    assert TOKEN not in repr(found)
    # the file's own token wins over the environment's
    own = settings({"http_token": "${MINE}"},
                   {"MINE": "f" * 20, "CASEWATCH_HTTP_TOKEN": TOKEN}, file=True)
    assert own.service.token == "f" * 20  # type: ignore[attr-defined]


def test_authorisation_headers() -> None:
    basic = base64.b64encode(f"u:{TOKEN}".encode()).decode()
    assert authorised(f"Bearer {TOKEN}", TOKEN)
    assert authorised(f"Basic {basic}", TOKEN)
    assert authorised(f"Basic {base64.b64encode(f':{TOKEN}'.encode()).decode()}", TOKEN)
    assert not authorised(f"Basic {base64.b64encode(TOKEN.encode()).decode()}", TOKEN)
    assert not authorised("Bearer", TOKEN)
    assert not authorised(f"Token {TOKEN}", TOKEN)
    assert not authorised("Basic \xff\xfe", TOKEN)


def test_pages_of_many_cases_and_developments(tmp_path: Path, clock: FakeClock,
                                               aio: asyncio.Runner) -> None:
    """150 cases page by 100, found by a word; a case of 60 developments by 50."""
    cases = [doe_case(id=f"case-{n:03d}", caption=f"Case number {n:03d} v. Acme",
                      aliases=[f"Case {n:03d}"]) for n in range(150)]
    text = config_toml(database=tmp_path / "db.sqlite", service=loopback_service(),
                       cases=cases, channels=[console_channel()])
    app = build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                    extract_workers=0)
    store = app.store
    start = datetime(2025, 1, 6, tzinfo=UTC)
    with store.atomic():
        for n in range(60):
            from feeds.base import Item
            item = Item(source_id="s", guid=f"g{n}", title=f"Ruling number {n}",
                        url=f"https://news.example/{n}", published=start + timedelta(days=n))
            item_id = store.insert_item(item, now=clock(), canonical_url=None)
            assert item_id is not None
            dev = NewDevelopment(id=f"dev-{n}", case_id="case-007", event="ruling",
                                 headline=f"Ruling number {n}")
            store.insert_development(dev, item_id=item_id, now=clock())
            store.insert_match(item_id, MatchRecord("case-007", 1.0, (), "", dev.id,
                                                    "development"), now=clock())
    served = Served(app, aio)
    try:
        first, second = served.get("/").text, served.get("/", params={"page": 2}).text
        found = served.get("/", params={"q": "Case-14 acme"}).text
        one = served.get("/cases/case-007").text
        two = served.get("/cases/case-007", params={"page": 2}).text
        beyond = served.get("/cases/case-007", params={"page": 99}).text
    finally:
        served.close()
        aio.run(app.aclose())
    links = re.findall(r'<td><a href="/cases/(case-\d+)">', first)
    assert len(links) == 100 and links[0] == "case-007"  # the active one first
    assert len(re.findall(r'<td><a href="/cases/', second)) == 50
    assert 'href="/?page=1" rel="prev"' in second and "page 2 of 2" in second
    assert sorted(re.findall(r'<td><a href="/cases/(case-\d+)">', found)) == [
        f"case-{n}" for n in range(140, 150)]
    assert len(timeline(one)) == 50 and timeline(one)[0].startswith("ruling or order 2025-03-06")
    assert len(timeline(two)) == 10 and timeline(two)[-1].startswith("ruling or order 2025-01-06")
    assert 'href="/cases/case-007?step=&amp;source=&amp;page=1" rel="prev"' in two
    assert timeline(beyond) == timeline(two)  # past the end: the last page


def test_the_weekly_chart() -> None:
    assert weekly([]) is None
    assert weekly([("not a date", "news", True, 1)]) is None
    chart = weekly([("2021-01-20", "docket", True, 1),
                    ("2021-01-21", "news", False, 1),
                    ("2021-01-24", "news", False, 1),
                    ("2021-04-08", "news", True, 1)])
    assert chart is not None
    assert chart.weeks == 12  # Monday 18 January to Monday 5 April
    assert chart.totals == {"developments": 2, "articles": 3}
    assert chart.top == 2
    assert [(b.series, b.value) for b in chart.bars] == [
        ("developments", 1), ("articles", 2), ("developments", 1), ("articles", 1)]
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.y == chart.base - tallest.height and tallest.value == 2
    xs = [x for x, _ in chart.labels]
    assert all(b - a >= 44 for a, b in itertools.pairwise(xs))
    assert chart.labels[0][1] == "Jan 2021"
    # counted days add up; over two years of activity, the last 52 weeks with any are drawn
    assert weekly([("2021-01-20", "news", True, 3),
                   ("2021-01-22", "news", False, 4)]).totals == {  # type: ignore[union-attr]
        "developments": 3, "articles": 7}
    long = weekly([(f"{2020 + n // 12}-{n % 12 + 1:02d}-15", "news", True, 1)
                   for n in range(24)])
    assert long is not None and long.weeks == 52
    assert long.totals["developments"] == 12


def test_wording() -> None:
    assert safe_url("https://x.example/a?b=1") == "https://x.example/a?b=1"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x",
                "vbscript:x", "//x.example", "", None, "http://[::1"):
        assert safe_url(bad) == "", bad
    assert xml_text("a\x00b\x07c\td\ne\ud800f") == "abc\td\nef"
    assert step_label("ruling") == "ruling or order"
    assert step_label(None) == "news" and step_label(None, filing=True) == "filing"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    from monitor.pages.wording import ago
    assert ago(now - timedelta(minutes=5), now) == "5 min ago"
    assert ago((now + timedelta(hours=3)).isoformat(), now) == "in 3 h"
    assert ago(None, now) == "—"


def test_pages_off_leave_the_probes(tmp_path: Path, clock: FakeClock, aio: asyncio.Runner,
                                    seeds_url: str) -> None:
    app = seeds_app(tmp_path, clock, seeds_url, service="pages = false\n")
    served = Served(app, aio)
    try:
        assert served.get("/").status_code == 404
        assert served.get(CASE).status_code == 404
        assert served.get("/healthz").status_code == 200
    finally:
        served.close()
        aio.run(app.aclose())


def test_closing_the_server_ends_connections_that_sent_nothing(seeded: Served) -> None:
    """A browser opens connections ahead of time; stopping does not wait for them."""
    import socket
    import time
    idle = [socket.create_connection(("127.0.0.1", seeded.server.port)) for _ in range(3)]
    seeded.aio.run(asyncio.sleep(0.1))  # the server accepts them
    started = time.monotonic()
    seeded.close()
    assert time.monotonic() - started < 1
    for sock in idle:
        sock.settimeout(2)
        assert sock.recv(1) == b""  # closed by the server
        sock.close()


def test_a_database_from_before_the_pages_is_read_by_them_after_its_upgrade(
        tmp_path: Path) -> None:
    """m009 fills in what the pages read from what the database already holds."""
    from sqlite_utils.migrations import Migrations

    from monitor.store import migrations
    from monitor.store.sqlite import Database
    from monitor.store.store import Store

    path = tmp_path / "old.db"
    old = Migrations("casewatch")
    for step in migrations.migrations._migrations:
        if step.name < "m009":
            old(name=step.name)(step.fn)
    db = Database(sqlite3.connect(path))
    old.apply(db)
    db.executescript("""
        INSERT INTO items (id, source_id, guid, title, published, fetched_at, kind)
        VALUES (1, 'news', 'a', 'Suit filed', '2021-01-21T10:00:00+00:00',
                '2026-01-05T12:00:00+00:00', 'news'),
               (2, 'court', 'b', 'Complaint', NULL, '2026-01-05T12:10:00+00:00', 'docket');
        INSERT INTO developments (id, case_id, event, headline, first_item_id, created_at,
                                  last_seen_at)
        VALUES ('d1', 'doe', 'complaint_filed', 'Suit filed', 1, '2026-01-05T12:00:00+00:00',
                '2026-01-05T12:10:00+00:00');
        INSERT INTO matches (item_id, case_id, score, development_id, role, created_at)
        VALUES (1, 'doe', 1.0, 'd1', 'development', '2026-01-05T12:00:00+00:00'),
               (2, 'doe', 1.0, 'd1', 'update', '2026-01-05T12:10:00+00:00');
    """)
    db.conn.commit()
    db.close()
    store = Store.open(path)
    try:
        assert store.case_order() == {"doe": "2026-01-05T12:00:00+00:00"}
        (dev,), total = store.timeline("doe")
        assert total == 1 and dev.dated == "2021-01-21T10:00:00+00:00"
        assert sorted(store.case_sources("doe")) == ["court", "news"]
        assert sorted(store.activity("doe")) == [("2021-01-21", "news", True, 1),
                                                 ("2026-01-05", "docket", False, 1)]
        assert [d.id for d in store.timeline("doe", sources=["court"])[0]] == ["d1"]
        summary = store.case_summary("doe", week=datetime(2026, 1, 1, tzinfo=UTC),
                                     month=datetime(2025, 12, 1, tzinfo=UTC))
        assert summary is not None and (summary.total, summary.last_7_days) == (1, 1)
    finally:
        store.close()
