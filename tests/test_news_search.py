"""News search sources (`kind = "news_search"`) against Google News, Bing News and GDELT
stand-ins on 127.0.0.1: the searches sent, the items and links read back, blocks and
budgets, the embedded default of a config without [[sources]], and one article found
three ways alerting once."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from feeds.base import FeedError, PollResult, SourceState
from feeds.fetch import Fetcher
from feeds.newssearch import LIMITS, NewsSearchConfig, NewsSearchSource
from monitor.config import CaseConfig, parse_settings
from monitor.matching.search import provider_query_text
from monitor.runtime.app import App, build_app
from monitor.runtime.sources import source_for
from tests.conftest import (
    FakeClock,
    Table,
    config_toml,
    console_channel,
    feed_source,
    loopback_service,
    run_cli,
    write_config,
)
from tests.news_servers import (
    BATCHEXECUTE,
    BING_SEARCH,
    GDELT_DOC,
    GOOGLE_SEARCH,
    NewsStandIn,
    news_search_server,
)
from tests.servers import LoopbackServer, Request, Response, rss

SERVICE = {"google_news": "google", "bing_news": "bing", "gdelt": "gdelt"}
PATH = {"google_news": GOOGLE_SEARCH, "bing_news": BING_SEARCH, "gdelt": GDELT_DOC}
PARAM = {"google_news": "q", "bing_news": "q", "gdelt": "query"}
BEARS = CaseConfig(id="bears", query='"Bears Ears" OR monument')


@pytest.fixture
def news(server: LoopbackServer) -> Iterator[NewsStandIn]:
    yield news_search_server(server)


class Pauses:
    """The sleep a source is given: records each pause instead of waiting."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def config(server: LoopbackServer, provider: str, **fields: object) -> NewsSearchConfig:
    return NewsSearchConfig.model_validate({
        "id": f"search-{provider}", "kind": "news_search", "provider": provider,
        "base_url": server.base, **fields})


def source(server: LoopbackServer, provider: str, cases: list[CaseConfig] | None = None, *,
           pauses: Pauses | None = None, **fields: object) -> NewsSearchSource:
    """A source searching for `cases` (Bears Ears by default) in the provider's syntax."""
    queries = {case.id: provider_query_text(case, provider)  # type: ignore[arg-type]
               for case in cases or [BEARS]}
    return NewsSearchSource(config(server, provider, **fields), queries,
                            sleep=pauses or Pauses(), rng=random.Random(7))


def poll(src: NewsSearchSource, state: PollResult | None = None) -> PollResult:
    remembered = SourceState(state=state.state) if state is not None else SourceState()

    async def go() -> PollResult:
        fetcher = Fetcher(user_agent="casewatch-test")
        try:
            return await src.poll(fetcher, remembered)
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def case_part(provider: str, sent: str) -> str:
    """The case's own query in a search sent: without Google's `when:` window (and the
    parentheses that bound it over an OR) or GDELT's source scopes."""
    if provider == "google_news":
        sent = sent.rsplit(" when:", 1)[0]
        if sent.startswith("(") and sent.endswith(")") and " OR " in sent:
            sent = sent[1:-1]
    if provider == "gdelt":
        sent = re.sub(r"(?: source(?:lang|country):\S+)+$", "", sent)
    return sent


def params(server: LoopbackServer, path: str) -> list[dict[str, str]]:
    """The query parameters of every request to `path`, in order."""
    return [{k: v[0] for k, v in parse_qs(urlsplit(r.path).query).items()}
            for r in server.hits(path)]


def old_style_id(url: str) -> str:
    """A Google News article id of the old kind: the URL in a small protobuf, base64."""
    raw = url.encode()
    assert len(raw) < 128  # one-byte length
    blob = b"\x08\x13\x22" + bytes([len(raw)]) + raw + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(blob).decode().rstrip("=")


def new_style_id(token: str) -> str:
    """A Google News article id of the new kind: an opaque `AU_yqL…` token."""
    raw = ("AU_yqL" + token).encode()
    return base64.urlsafe_b64encode(b"\x08\x13\x22" + bytes([len(raw)]) + raw).decode() \
        .rstrip("=")


def google_rss(server: LoopbackServer, entries: list[tuple[str, str]]) -> str:
    """A Google News search answer whose items link to `/rss/articles/<id>` on `server`."""
    return rss([{"title": f"{title} - The Salt Lake Tribune",
                 "link": f"{server.base}/rss/articles/{article}?oc=5", "guid": article,
                 "date": "Tue, 14 Jul 2026 03:33:16 GMT",
                 "text": f"{title}. The Salt Lake Tribune."} for title, article in entries],
               title="Google News")


SIGNATURE, STAMP = "AZ5r3eCRAFTEDsignature", "1784000123"


def google_resolver(server: LoopbackServer, article: str, target: str, *,
                    answer: Response | None = None) -> list[dict[str, object]]:
    """The article page and batchexecute of one new-style id on `server`; the payloads
    batchexecute was sent are returned (filled in as they come)."""
    page = ('<!doctype html><html><body><c-wiz><div jscontroller="aLI87" '
            f'data-n-a-id="{article}" data-n-a-sg="{SIGNATURE}" data-n-a-ts="{STAMP}">'
            '</div></c-wiz></body></html>')
    server.route(f"/rss/articles/{article}", Response(200, page, {"Content-Type": "text/html"}))
    sent: list[dict[str, object]] = []

    def batchexecute(request: Request) -> Response:
        if answer is not None:
            return answer
        rpc = json.loads(parse_qs(request.body.decode())["f.req"][0])[0][0]
        inner = json.loads(rpc[1])
        sent.append({"method": request.method, "rpc": rpc[0], "id": inner[2],
                     "ts": inner[3], "sig": inner[4]})
        if inner[2] != article or inner[4] != SIGNATURE or str(inner[3]) != STAMP:
            return Response(200, ")]}'\n\n[[\"wrb.fr\",\"Fbv4je\",null,null,null,[3],\"1\"]]")
        row = ["wrb.fr", "Fbv4je", json.dumps(["garturlres", target, 1]), None, None, None,
               "generic"]
        return Response(200, ")]}'\n\n" + json.dumps([row, ["di", 38]]),
                        {"Content-Type": "application/json"})

    server.route(BATCHEXECUTE, batchexecute)
    return sent


# -- 1. the searches sent ----------------------------------------------------------------


def test_google_news_is_asked_for_the_query_in_recent_items_in_its_language(
        server: LoopbackServer, news: NewsStandIn) -> None:
    poll(source(server, "google_news", max_resolves=0))
    (sent,) = params(server, GOOGLE_SEARCH)
    query, when = sent["q"].rsplit(" when:", 1)
    assert when == "2d"  # the default window of two days
    assert '"bears ears"' in query.lower() and "monument" in query.lower()
    assert " OR " in query  # Google's own OR, upper case
    assert (sent["hl"], sent["gl"], sent["ceid"]) == ("en-US", "US", "US:en")

    server.requests.clear()
    poll(source(server, "google_news", max_resolves=0, window="6h", language="fr",
                country="ca"))
    (sent,) = params(server, GOOGLE_SEARCH)
    assert sent["q"].endswith(" when:6h")
    assert (sent["hl"], sent["gl"], sent["ceid"]) == ("fr-CA", "CA", "CA:fr")


def test_bing_news_is_asked_for_rss_in_its_language(
        server: LoopbackServer, news: NewsStandIn) -> None:
    result = poll(source(server, "bing_news", language="de", country="AT"))
    assert result.items  # the stand-in answers only format=RSS with items
    (sent,) = params(server, BING_SEARCH)
    assert sent["format"] == "RSS"
    assert '"bears ears"' in sent["q"].lower() and "monument" in sent["q"].lower()
    assert (sent["setlang"], sent["cc"]) == ("de", "AT")


def test_gdelt_is_asked_for_an_article_list_in_json_over_the_window(
        server: LoopbackServer, news: NewsStandIn) -> None:
    result = poll(source(server, "gdelt"))
    assert result.items  # the stand-in answers only mode=ArtList&format=json with items
    (sent,) = params(server, GDELT_DOC)
    assert (sent["mode"], sent["format"]) == ("ArtList", "json")
    assert sent["timespan"] == "48h"
    # GDELT wants an OR in parentheses
    assert case_part("gdelt", sent["query"]).lower() == '("bears ears" or monument)'
    server.requests.clear()
    poll(source(server, "gdelt", window="3d"))
    assert params(server, GDELT_DOC)[0]["timespan"] == "72h"


@pytest.mark.parametrize("provider", ["google_news", "bing_news", "gdelt"])
def test_a_case_without_a_query_is_searched_by_its_derived_one(
        tmp_path: Path, server: LoopbackServer, news: NewsStandIn, provider: str) -> None:
    """The app builds the source (source_for) with the case's derived searches; each is
    sent once, on the provider's path, with the caption's distinctive name in it."""
    text = config_toml(
        database=tmp_path / "cw.db", service=loopback_service(),
        sources=[{"id": "s", "kind": "news_search", "provider": provider,
                  "base_url": server.base, "max_resolves": 0}],
        cases=[{"id": "ud", "caption": "Utah Dine Bikeyah v. Trump",
                "parties": ["Utah Dine Bikeyah", "Donald Trump"]}])
    settings = parse_settings(text, {})
    src = source_for(settings, settings.sources[0])
    assert isinstance(src, NewsSearchSource)
    src._sleep = Pauses()  # the only seam: the app builds the source
    poll(src)
    sent = news.queries(PATH[provider], PARAM[provider])
    expected = provider_query_text(settings.cases[0], provider)  # type: ignore[arg-type]
    assert expected and len(sent) == len(expected)
    assert [case_part(provider, q) for q in sent] == expected
    if provider == "google_news":
        assert all(q.endswith(" when:2d") for q in sent)
    assert any('"bikeyah v trump"' in q.lower() for q in sent)
    assert all("bikeyah" in q.lower() or "trump" in q.lower() for q in sent)
    assert all("NEAR" not in q and "title:" not in q for q in sent)


# -- 2. items and their links ------------------------------------------------------------


def test_bing_click_links_are_read_locally(server: LoopbackServer) -> None:
    targets = ["https://www.wired.com/story/the-fbi-doubles-down/",
               "https://www.chicagotribune.com/2026/09/20/patel-hearing/?x=1&y=2"]
    server.route(BING_SEARCH, rss([{
        "title": f"Story {n}", "guid": f"b{n}",
        "link": ("http://www.bing.com/news/apiclick.aspx?ref=FexRss&amp;aid=&amp;tid=6ab1&amp;"
                 f"url={quote(url, safe='')}&amp;c=148673&amp;mkt=en-us")}
        for n, url in enumerate(targets)], title="Bing News"))
    items = poll(source(server, "bing_news")).items
    assert [i.url for i in items] == targets
    assert [i.guid for i in items] == targets
    assert all(i.page for i in items)
    assert [r.path.split("?")[0] for r in server.requests] == [BING_SEARCH]


def test_bing_items_link_to_the_publishers_read_from_the_click_links(
        server: LoopbackServer, news: NewsStandIn) -> None:
    items = poll(source(server, "bing_news")).items
    expected = [p for p in news.publishers if p.service == "bing"]
    assert [i.url for i in items] == [p.url for p in expected]
    assert [i.guid for i in items] == [p.url for p in expected]
    assert [i.title for i in items] == [p.title for p in expected]
    assert all(i.page for i in items)
    assert server.hits("/news/apiclick.aspx") == []  # read locally, never followed


def test_gdelt_items_are_its_urls_with_their_seen_dates(
        server: LoopbackServer, news: NewsStandIn) -> None:
    items = poll(source(server, "gdelt")).items
    expected = [p for p in news.publishers if p.service == "gdelt"]
    assert [i.url for i in items] == [p.url for p in expected]
    assert [i.title for i in items] == [p.title for p in expected]
    assert items[0].published == datetime(2024, 6, 15, 17, 0, tzinfo=UTC)
    assert items[3].published == datetime(2024, 7, 15, 10, 30, tzinfo=UTC)
    assert items[0].site_name == "thehindu.com"


def test_the_sample_google_links_carry_new_style_ids_and_are_resolved_by_two_requests(
        server: LoopbackServer, news: NewsStandIn) -> None:
    """The real sample's `CBMi…` ids wrap an `AU_yqL…` token: nothing to decode locally,
    so each is resolved through its article page and batchexecute."""
    pauses = Pauses()
    result = poll(source(server, "google_news", pauses=pauses))
    items = result.items
    ids = [urlsplit(p.original).path.rsplit("/", 1)[-1] for p in news.publishers
           if p.service == "google" and p.original.startswith("https://news.google.com/")]
    assert len(items) == len(ids) == 3
    assert [i.url for i in items] == [news.google_ids[a] for a in ids]
    assert all(i.page for i in items)
    assert len(server.hits(BATCHEXECUTE)) == 3
    assert {r.path.split("?")[0] for r in server.requests if "/rss/articles/" in r.path} \
        == {f"/rss/articles/{a}" for a in ids}
    assert result.state["requests"] == 1 + 2 * 3
    assert len(pauses.seconds) == 2 * 3  # before each of the resolving requests
    # resolved once, remembered: the next poll asks nothing more of Google than the search
    server.requests.clear()
    again = poll(source(server, "google_news"), result)
    assert [i.url for i in again.items] == [i.url for i in items]
    assert [r.path.split("?")[0] for r in server.requests] == [GOOGLE_SEARCH]


def test_old_style_google_ids_are_decoded_without_asking_google(
        server: LoopbackServer) -> None:
    targets = ["https://www.sltrib.com/news/politics/2026/07/13/bears-ears-shrunk-again/",
               "https://www.npca.org/articles/bears-ears-grand-staircase"]
    server.route(GOOGLE_SEARCH, google_rss(server, [
        ("Bears Ears monument shrunk again", old_style_id(targets[0])),
        ("Conservation group vows to sue over monument", old_style_id(targets[1]))]))
    pauses = Pauses()
    items = poll(source(server, "google_news", pauses=pauses)).items
    assert [i.url for i in items] == targets
    assert [i.guid for i in items] == targets
    headlines = ["Bears Ears monument shrunk again",
                 "Conservation group vows to sue over monument"]
    # Google's titles end with " - <publisher>", which may be kept or taken off
    assert [i.title.removesuffix(" - The Salt Lake Tribune") for i in items] == headlines
    assert all(i.page for i in items)
    assert [r.path.split("?")[0] for r in server.requests] == [GOOGLE_SEARCH]
    assert pauses.seconds == []


def test_a_new_style_google_id_is_resolved_through_the_article_page_and_batchexecute(
        server: LoopbackServer) -> None:
    article = new_style_id("QPkgjwN7Gm6bkL34fQ49DTO0FOo6HZTEfXEFQiR2hNr1SG")
    target = server.url("/publisher/bears-ears")
    server.route(GOOGLE_SEARCH, google_rss(server, [("Bears Ears monument shrunk", article)]))
    sent = google_resolver(server, article, target)
    (item,) = poll(source(server, "google_news")).items
    assert (item.url, item.guid, item.page) == (target, target, True)
    assert sent == [{"method": "POST", "rpc": "Fbv4je", "id": article, "ts": int(STAMP),
                     "sig": SIGNATURE}]
    page = server.hits(f"/rss/articles/{article}")
    assert len(page) == 1 and page[0].method == "GET"


def test_without_a_resolve_budget_the_google_link_stays_and_is_not_extracted(
        server: LoopbackServer) -> None:
    article = new_style_id("LOVsd1V_rt70ODwDYh_ztn2xuuQnyZgPbW_VS0qCufBM")
    server.route(GOOGLE_SEARCH, google_rss(server, [("Bears Ears monument shrunk", article)]))
    google_resolver(server, article, server.url("/publisher/1"))
    (item,) = poll(source(server, "google_news", max_resolves=0)).items
    assert item.url == f"{server.base}/rss/articles/{article}?oc=5"
    assert item.page is False
    assert item.title.startswith("Bears Ears monument shrunk")  # matched on its title
    assert server.hits(f"/rss/articles/{article}") == []
    assert server.hits(BATCHEXECUTE) == []


@pytest.mark.parametrize("answer", [
    Response(500, "Internal Server Error"),
    Response(200, ")]}'\n\n[[\"wrb.fr\",\"Fbv4je\",null,null,null,[3],\"generic\"]]"),
], ids=["500", "refusal"])
def test_a_failing_batchexecute_keeps_the_google_link_and_is_not_extracted(
        server: LoopbackServer, answer: Response) -> None:
    article = new_style_id("NSBoj5vn_QzeobSjADKICRSNBEwWpjBG9_pARZDJ")
    server.route(GOOGLE_SEARCH, google_rss(server, [("Bears Ears monument shrunk", article)]))
    google_resolver(server, article, server.url("/publisher/1"), answer=answer)
    (item,) = poll(source(server, "google_news")).items
    assert item.url == f"{server.base}/rss/articles/{article}?oc=5"
    assert item.page is False
    assert len(server.hits(BATCHEXECUTE)) == 1


# -- 3. blocks, empty and malformed answers ----------------------------------------------


@pytest.mark.parametrize(("provider", "mode", "retry_after"), [
    ("google_news", "429", 60), ("bing_news", "429", 60), ("gdelt", "429", 60),
    ("google_news", "blocked", None),  # 200 with its CAPTCHA page
    ("bing_news", "blocked", None),  # 403 Access Denied
    ("gdelt", "blocked", None),  # 403
])
def test_a_refusal_is_a_blocked_error(server: LoopbackServer, news: NewsStandIn,
                                      provider: str, mode: str,
                                      retry_after: float | None) -> None:
    news.modes[SERVICE[provider]] = mode
    with pytest.raises(FeedError) as raised:
        poll(source(server, provider))
    assert raised.value.kind == "blocked"
    assert raised.value.retry_after == retry_after
    assert len(server.hits(PATH[provider])) == 1


def test_a_block_ends_the_poll_and_the_round_resumes_at_the_blocked_case(
        server: LoopbackServer, news: NewsStandIn) -> None:
    cases = [CaseConfig(id=f"c{n}", query=word) for n, word in
             enumerate(["Vizhinjam", "Kerala", "Colombo"])]
    first = poll(source(server, "gdelt", cases, max_requests=1))
    news.modes["gdelt"] = "429"
    with pytest.raises(FeedError):
        poll(source(server, "gdelt", cases, max_requests=1), first)
    news.modes["gdelt"] = "ok"
    poll(source(server, "gdelt", cases, max_requests=1), first)
    assert [case_part("gdelt", q) for q in news.queries(GDELT_DOC, "query")] == [
        "vizhinjam", "kerala", "kerala"]


@pytest.mark.parametrize("provider", ["google_news", "bing_news", "gdelt"])
def test_an_empty_answer_gives_no_items_and_no_error(
        server: LoopbackServer, news: NewsStandIn, provider: str) -> None:
    news.modes[SERVICE[provider]] = "empty"
    result = poll(source(server, provider))
    assert result.items == []
    assert result.state["errors"] == {}
    assert result.state["found"] == {"bears": 0}


def test_a_cut_gdelt_answer_is_not_a_feed(server: LoopbackServer, news: NewsStandIn) -> None:
    news.modes["gdelt"] = "malformed"
    with pytest.raises(FeedError) as raised:
        poll(source(server, "gdelt"))
    assert raised.value.kind == "not_feed"


@pytest.mark.parametrize("provider", ["google_news", "bing_news", "gdelt"])
@pytest.mark.parametrize("body", [b"Service temporarily unavailable, try again later.",
                                  b"<html><body><h1>Service Unavailable</h1></body></html>",
                                  b"\x00\x01garbage\xff"])
def test_an_answer_that_is_no_result_list_is_not_a_feed(
        server: LoopbackServer, provider: str, body: bytes) -> None:
    server.route(PATH[provider], Response(200, body, {"Content-Type": "text/plain"}))
    with pytest.raises(FeedError) as raised:
        poll(source(server, provider))
    assert raised.value.kind == "not_feed"


@pytest.mark.parametrize("provider", ["google_news", "bing_news"])
def test_a_cut_rss_answer_gives_no_more_than_its_whole_items(
        server: LoopbackServer, news: NewsStandIn, provider: str) -> None:
    """The feed parser salvages the complete items of a cut feed (as for any feed): what
    it gives is a part of the whole answer, nothing made up from the cut item."""
    whole = poll(source(server, provider, max_resolves=0)).items
    assert not poll(source(server, provider, max_resolves=0)).warnings
    news.modes[SERVICE[provider]] = "malformed"
    try:
        result = poll(source(server, provider, max_resolves=0))
    except FeedError as exc:
        assert exc.kind == "not_feed"
        return
    cut = result.items
    (warning,) = result.warnings  # said, so that a short answer is not taken for all
    assert "cut short" in warning and f"{len(cut)} whole items" in warning
    assert len(cut) < len(whole)
    assert [(i.url, i.title) for i in cut] == [(i.url, i.title) for i in whole[:len(cut)]]


class LowJitter(random.Random):
    """A generator whose jitter is always the lowest it may be."""

    def uniform(self, a: float, b: float) -> float:
        return a


def search_app(tmp_path: Path, clock: FakeClock, server: LoopbackServer, *sources: Table,
               rng: random.Random | None = None, **service: object) -> App:
    text = config_toml(
        database=tmp_path / "cw.db",
        service=loopback_service(failure_alert_after="1h", **service), sources=sources,
        cases=[{"id": "bears", "query": '"Bears Ears" OR Vizhinjam', "notify": ["team"]}],
        channels=[console_channel("team"), console_channel("ops", ops=True)])
    return build_app(parse_settings(text, {}), clock=clock, stream=io.StringIO(),
                     extract_workers=0, rng=rng)


def health_alerts(app: App) -> list[tuple[str, str, str]]:
    rows = app.store.db.execute(
        "SELECT channel_id, payload FROM outbox WHERE kind = 'source_health' "
        "ORDER BY created_at, rowid")
    return [(channel, json.loads(payload)["item"]["title"],
             json.loads(payload)["item"]["snippet"]) for channel, payload in rows]


def gdelt_source(server: LoopbackServer, **fields: object) -> Table:
    return {"id": "news-gdelt", "kind": "news_search", "provider": "gdelt",
            "base_url": server.base, "interval": "30m", **fields}


def test_a_blocked_source_is_recorded_backs_off_and_is_said_once(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, news: NewsStandIn,
        aio: asyncio.Runner) -> None:
    news.modes["gdelt"] = "blocked"
    app = search_app(tmp_path, clock, server, gdelt_source(server))
    try:
        delays = []
        for _ in range(4):
            (report,), _ = aio.run(app.run_once())
            assert (report.ok, report.error_kind) == (False, "blocked")
            row = app.store.source("news-gdelt")
            assert row.last_error_kind == "blocked"
            delays.append(row.next_poll - row.last_poll)
            clock.advance(minutes=40)
        # from the second block in a row on, well past the interval, and growing
        assert all(d > timedelta(minutes=30) for d in delays[1:])
        assert delays[1] < delays[2] < delays[3]
        said = health_alerts(app)
        assert [(c, t) for c, t, _ in said] == [("ops", "Source news-gdelt is failing")]
        assert "refused by the search service" in said[0][2]
        news.modes["gdelt"] = "ok"
        (report,), _ = aio.run(app.run_once())
        assert report.ok
        assert [t for _, t, _ in health_alerts(app)][-1] == "Source news-gdelt is working again"
    finally:
        aio.run(app.aclose())


def test_a_first_block_is_not_retried_before_the_interval(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, news: NewsStandIn,
        aio: asyncio.Runner) -> None:
    news.modes["google"] = "blocked"  # the CAPTCHA page: no Retry-After to go by
    app = search_app(tmp_path, clock, server,
                     {**gdelt_source(server), "id": "news-google", "provider": "google_news"},
                     rng=LowJitter())
    try:
        aio.run(app.run_once())
        row = app.store.source("news-google")
        assert row.last_error_kind == "blocked"
        assert row.next_poll - row.last_poll > timedelta(minutes=30)
    finally:
        aio.run(app.aclose())


# -- 4. budgets ----------------------------------------------------------------------------

WORDS = ["Vizhinjam", "Kerala", "Colombo", "Vadhavan", "Adani", "seaport", "customs",
         "trolling", "cargo", "shipping", "logistics", "transshipment", "berth"]


def many_cases(n: int) -> list[CaseConfig]:
    return [CaseConfig(id=f"case{k:02d}", query=WORDS[k]) for k in range(n)]


@pytest.mark.parametrize(("provider", "max_requests", "cases"), [
    ("gdelt", None, 8),  # GDELT's own budget: 6 a poll
    ("bing_news", None, 13),  # Bing's: 10
    ("bing_news", 3, 7),
    ("google_news", 4, 9),
])
def test_a_poll_sends_at_most_its_budget_spaced_and_the_next_poll_goes_on(
        server: LoopbackServer, news: NewsStandIn, provider: str, max_requests: int | None,
        cases: int) -> None:
    budget = max_requests or LIMITS[provider].per_poll  # type: ignore[index]
    gap = LIMITS[provider].gap  # type: ignore[index]
    assert budget < cases  # more cases than a poll may search
    watched = many_cases(cases)
    fields: dict[str, object] = {"max_resolves": 0}
    if max_requests is not None:
        fields["max_requests"] = max_requests
    seen: list[str] = []
    state: PollResult | None = None
    polls = 0
    while len(set(seen)) < cases:
        pauses = Pauses()
        before = len(server.hits(PATH[provider]))
        state = poll(source(server, provider, watched, pauses=pauses, **fields), state)
        sent = news.queries(PATH[provider], PARAM[provider])[before:]
        polls += 1
        assert len(sent) == budget
        assert len(pauses.seconds) == budget - 1
        assert all(gap <= s <= gap * 1.5 for s in pauses.seconds)
        seen += [case_part(provider, q) for q in sent]
        assert polls <= -(-cases // budget)
    # every case searched once, in turn, before any was searched again
    assert seen[:cases] == [w.lower() for w in WORDS[:cases]]
    assert state is not None
    assert set(state.state["searched"]) == {c.id for c in watched}


def test_the_cursor_is_kept_in_the_state(server: LoopbackServer, news: NewsStandIn) -> None:
    watched = many_cases(5)
    first = poll(source(server, "gdelt", watched, max_requests=2))
    assert first.state["cursor"] == 2
    assert first.state["requests"] == 2 and first.state["round"] == 5
    second = poll(source(server, "gdelt", watched, max_requests=2), first)
    assert second.state["cursor"] == 4
    third = poll(source(server, "gdelt", watched, max_requests=2), second)
    assert third.state["cursor"] == 1  # round the list: case 4, then case 0
    assert [case_part("gdelt", q) for q in news.queries(GDELT_DOC, "query")] == [
        "vizhinjam", "kerala", "colombo", "vadhavan", "adani", "vizhinjam"]


# -- 5. the embedded default ---------------------------------------------------------------


def discovery_config(tmp_path: Path, server: LoopbackServer, **service: object) -> Path:
    return write_config(
        tmp_path, database=tmp_path / "cw.db",
        service=loopback_service(discovery_base_url=server.base, **service),
        cases=[{"id": "bears", "caption": "Bears Ears monument",
                "query": '"Bears Ears" OR Vizhinjam', "notify": ["out"]}],
        channels=[console_channel()])


def test_a_config_without_sources_searches_google_news_and_gdelt(
        tmp_path: Path, server: LoopbackServer, news: NewsStandIn) -> None:
    path = discovery_config(tmp_path, server)
    ran = run_cli("run", "--once", "-c", str(path), cwd=tmp_path, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert "no [[sources]]: searching the news" in ran.stderr
    # both searches were sent to the stand-ins, and nothing to Bing
    assert news.queries(GOOGLE_SEARCH) and news.queries(GDELT_DOC, "query")
    assert server.hits(BING_SEARCH) == []
    # alerts from both: Bears Ears (Google News) and Vizhinjam (GDELT)
    assert "Bears Ears" in ran.stdout
    assert "Vizhinjam" in ran.stdout
    status = run_cli("status", "--json", "-c", str(path), cwd=tmp_path)
    assert "news-google-news" in status.stdout and "news-gdelt" in status.stdout


def test_check_says_the_discovery_and_the_searches_of_each_case(
        tmp_path: Path, server: LoopbackServer) -> None:
    path = discovery_config(tmp_path, server)
    checked = run_cli("check", "-c", str(path), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    out = checked.stdout
    assert "2 sources" in out
    assert "no [[sources]]: searching the news for every case with google_news, gdelt" in out
    assert "source news-google-news (news_search)" in out
    assert "source news-gdelt (news_search)" in out
    assert 'google_news search: "bears ears" OR vizhinjam' in out
    assert 'gdelt search: ("bears ears" OR vizhinjam)' in out
    assert "bing_news search" not in out


def test_discovery_turned_off_gives_no_sources(tmp_path: Path, server: LoopbackServer) -> None:
    path = discovery_config(tmp_path, server, discovery=[])
    checked = run_cli("check", "-c", str(path), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "0 sources" in checked.stdout
    assert "searching the news" not in checked.stdout
    assert " search: " not in checked.stdout


def test_discovery_with_bing_gives_its_source(tmp_path: Path, server: LoopbackServer) -> None:
    path = discovery_config(tmp_path, server, discovery=["bing_news"])
    settings = parse_settings(path.read_text(), {})
    assert [(s.id, s.provider) for s in settings.sources] == [  # type: ignore[union-attr]
        ("news-bing-news", "bing_news")]


# -- 6. one article, three ways ------------------------------------------------------------


def test_one_article_through_google_bing_and_a_feed_alerts_once(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, aio: asyncio.Runner) -> None:
    article = server.url("/news/2026/07/14/bears-ears-monument-shrunk-again")
    title = "Trump again shrinks Bears Ears national monument in Utah"
    server.route(GOOGLE_SEARCH, google_rss(server, [(title, old_style_id(article))]))
    click = ("http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=6ab1419874f4&url="
             + quote(article, safe="") + "&c=1486738033267397200&mkt=en-us")
    server.route(BING_SEARCH, rss([{
        "title": title, "link": click.replace("&", "&amp;"), "guid": "bing-1",
        "date": "Tue, 14 Jul 2026 04:00:00 GMT",
        "text": "The president again reduced Bears Ears."}], title="Bing News"))
    server.route("/feed", rss([{"title": title, "link": article,
                                "date": "Tue, 14 Jul 2026 03:40:00 GMT",
                                "text": "The president again reduced Bears Ears."}]))
    assert unquote(parse_qs(urlsplit(click).query)["url"][0]) == article
    searches = [{"id": f"news-{p}", "kind": "news_search", "provider": p,
                 "base_url": server.base, "extract": False}
                for p in ("google_news", "bing_news")]
    app = search_app(tmp_path, clock, server, *searches, feed_source("direct",
                                                                     server.url("/feed")))
    try:
        reports, delivered = aio.run(app.run_once())
        assert all(r.ok for r in reports), reports
        assert sum(r.new for r in reports) == 3  # each source saw it
        assert delivered.sent == 1
        alerts = app.store.db.execute(
            "SELECT payload FROM outbox WHERE kind != 'source_health'").fetchall()
        assert len(alerts) == 1
        assert json.loads(alerts[0][0])["item"]["url"] == article
        assert app.store.db.execute("SELECT COUNT(*) FROM developments").fetchone()[0] == 1
        # nothing was fetched beyond the three answers: no article page, no Google resolve
        assert {r.path.split("?")[0] for r in server.requests} == {
            GOOGLE_SEARCH, BING_SEARCH, "/feed"}
    finally:
        aio.run(app.aclose())

