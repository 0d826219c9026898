"""The courtlistener source against a CourtListener stand-in on 127.0.0.1: the free
docket feed, the API with a token, cursors across polls, budgets, 429s, secrets."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from feeds.base import FeedError, PollResult, SourceState
from feeds.courtlistener import (
    CourtListenerConfig,
    CourtListenerSource,
    Docket,
    midnight_pacific,
    parse_atom_feed,
    parse_docket,
    parse_entries_page,
    split_docket_title,
)
from feeds.courts import pacer_court
from feeds.fetch import Fetcher
from monitor.config import ConfigError, parse_settings
from monitor.runtime.app import build_app
from tests.conftest import FakeClock, config_toml, console_channel
from tests.courtlistener_server import DOCKET_ID, CourtListenerStandIn, fixture
from tests.servers import LoopbackServer

TOKEN = "4f1d0c0ffee0b2c9e8a7d6c5b4a3928170f6e5d4"
NUMBERS = [1, 9, 44, 48, 59, 62, None, 69]  # the fixture docket's entries, oldest first


@pytest.fixture
def cl(server: LoopbackServer) -> Iterator[CourtListenerStandIn]:
    yield CourtListenerStandIn(server, token=TOKEN, page_size=3)


def source(server: LoopbackServer, *, token: str | None = TOKEN, **extra: object
           ) -> CourtListenerSource:
    return CourtListenerSource(CourtListenerConfig(
        id="doe-docket", kind="courtlistener", docket_id=DOCKET_ID, token=token,
        base_url=server.base, **extra))


def poll(src: CourtListenerSource, state: SourceState | PollResult | None = None
         ) -> PollResult:
    if isinstance(state, PollResult):
        state = SourceState(state.etag, state.last_modified, state.state)

    async def go() -> PollResult:
        fetcher = Fetcher(user_agent="casewatch-test")
        try:
            return await src.poll(fetcher, state or SourceState())
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def numbers(result: PollResult) -> list[int | None]:
    return [item.docket.entry_number for item in result.items if item.docket]


def query(path: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}


# the free Atom feed -------------------------------------------------------------------


def test_the_docket_feed_gives_one_entry_per_item() -> None:
    items = parse_atom_feed(fixture("docket_feed.xml"), source_id="doe-docket")
    assert [i.docket.entry_number for i in items if i.docket] == NUMBERS[::-1]
    order, minute, reply, notice = items[0], items[1], items[2], items[6]
    assert order.docket is not None and order.docket.court == "cand"  # from the PDF's path
    assert order.docket.docket_number == "3:21-cv-00485"
    assert order.docket.case_name == "Doe v. Twitter, Inc."
    assert order.guid == order.docket.guid == "cand/21-cv-485/69"
    assert order.title.startswith("Entry 69: ORDER GRANTING IN PART AND DENYING IN PART")
    assert order.url == ("https://storage.courtlistener.com/recap/gov.uscourts.cand.372224/"
                         "gov.uscourts.cand.372224.69.0.pdf")
    # the filing date, at midnight Pacific (PDT here), kept in UTC
    assert order.published == datetime(2021, 8, 19, 7, 0, tzinfo=UTC)
    assert order.docket.pacer_case_id == "372224"
    # a minute entry has no number and no document: it links to its place on the docket
    assert minute.docket is not None and minute.docket.entry_number is None
    assert minute.title.startswith("Minute entry: Minute Entry for proceedings held")
    assert minute.url.endswith("/docket/12345678/doe-v-twitter-inc/?order_by=desc"
                               "#minute-entry-2043319876")
    # a PACER link names the document; entities come out once, not twice
    assert reply.docket is not None and reply.docket.pacer_doc_id == "035019812345"
    assert "Orrick, Herrington & Sutcliffe LLP" in notice.summary
    assert notice.published == datetime(2021, 2, 9, 8, 0, tzinfo=UTC)  # PST


def test_the_configured_court_and_number_win_and_renamed_courts_are_mapped_back() -> None:
    items = parse_atom_feed(fixture("docket_feed.xml"), source_id="x", court=pacer_court("arb"),
                            docket_number="3:21-cv-00485-JCS")
    assert {i.docket.court for i in items if i.docket} == {"azb"}
    assert {i.docket.docket_number for i in items if i.docket} == {"3:21-cv-00485-JCS"}
    assert [pacer_court(c) for c in ("arb", "uscfc", "nebraskab", "nysb", "cand", "CAND")] == \
        ["azb", "cofc", "neb", "nysb", "cand", "cand"]
    assert split_docket_title("Smith v. Acme, Inc., LLC, 1:22-cv-01234") == \
        ("Smith v. Acme, Inc., LLC", "1:22-cv-01234")
    assert split_docket_title("In re Estate of Jones, Sr.") == ("In re Estate of Jones, Sr.", "")


def test_a_page_that_is_not_a_feed_is_refused() -> None:
    for body in (b"<html><body>Rate limited</body></html>", b'<rss version="2.0"/>'):
        with pytest.raises(FeedError) as caught:
            parse_atom_feed(body, source_id="x")
        assert caught.value.kind == "not_feed"


def test_without_a_token_the_feed_is_read_and_the_api_left_alone(
        server: LoopbackServer, cl: CourtListenerStandIn) -> None:
    src = source(server, token=None)
    first = poll(src)
    assert numbers(first) == NUMBERS[::-1]
    assert first.state["court"] == "cand"
    assert cl.api_requests() == []
    assert all("authorization" not in r.headers for r in server.requests)
    again = poll(src, first)  # the same bytes: nothing parsed, nothing new
    assert again.not_modified and again.items == []


def test_a_feed_that_never_names_its_court_says_so(server: LoopbackServer) -> None:
    body = fixture("docket_feed.xml")
    body = body.replace(b"gov.uscourts.cand.372224", b"doc").replace(
        b"https://ecf.cand.uscourts.gov/doc1/", b"https://example.org/")
    server.route(f"/docket/{DOCKET_ID}/feed/", body, "application/atom+xml")
    result = poll(source(server, token=None))
    assert {i.docket.court for i in result.items if i.docket} == {""}
    assert any("set `court`" in w for w in result.warnings)
    result = poll(source(server, token=None, court="cand"))
    assert {i.docket.court for i in result.items if i.docket} == {"cand"}
    assert result.warnings == []


# the API ------------------------------------------------------------------------------


def test_the_first_api_poll_reads_every_page_within_its_budget(
        server: LoopbackServer, cl: CourtListenerStandIn) -> None:
    result = poll(source(server, max_requests=4))  # the docket and three pages of three
    assert sorted(numbers(result), key=lambda n: n or 0) == sorted(NUMBERS, key=lambda n: n or 0)
    sent = cl.api_requests()
    assert [urlsplit(r.path).path for r in sent] == [
        f"/api/rest/v4/dockets/{DOCKET_ID}/"] + ["/api/rest/v4/docket-entries/"] * 3
    assert all(r.headers["authorization"] == f"Token {TOKEN}" for r in sent)
    assert query(sent[1].path) == {"docket": str(DOCKET_ID), "order_by": "-date_modified"}
    assert result.state["since"] == "2021-08-20T03:22:51.104811-07:00"
    assert "cursor" not in result.state and result.warnings == []
    assert result.state["docket"] == {
        "court": "cand", "docket_number": "3:21-cv-00485", "case_name": "Doe v. Twitter, Inc.",
        "pacer_case_id": "372224",
        "url": f"{server.base}/docket/{DOCKET_ID}/doe-v-twitter-inc/"}
    order = next(i for i in result.items if i.docket and i.docket.entry_number == 69)
    assert order.docket is not None
    assert order.docket.short_description == "Order on Motion to Dismiss"
    assert order.docket.description.startswith("ORDER GRANTING IN PART AND DENYING IN PART")
    assert order.docket.pacer_doc_id == "035020011742"
    assert order.title == "Entry 69: Order on Motion to Dismiss"
    assert order.summary == order.docket.description
    reply = next(i for i in result.items if i.docket and i.docket.entry_number == 62)
    assert reply.url == "https://ecf.cand.uscourts.gov/doc1/035019812345?caseid=372224"


def test_the_feed_and_the_api_give_an_entry_the_same_identity(
        server: LoopbackServer, cl: CourtListenerStandIn) -> None:
    from_api = {i.guid: i for i in poll(source(server, max_requests=10)).items}
    from_feed = {i.guid: i for i in poll(source(server, token=None)).items}
    assert from_feed.keys() == from_api.keys()
    for guid, item in from_feed.items():
        assert item.published == from_api[guid].published
        assert item.docket is not None and from_api[guid].docket is not None
        assert item.docket.description == from_api[guid].docket.description


def test_a_first_poll_over_budget_takes_the_newest_entries_and_moves_on(
        server: LoopbackServer, cl: CourtListenerStandIn) -> None:
    src = source(server, max_requests=2)  # the docket and one page
    first = poll(src)
    assert numbers(first) == [69, None, 62]
    assert len(cl.api_requests()) == 2
    assert "older ones are history" in " ".join(first.warnings)
    assert "cursor" not in first.state
    second = poll(src, first)  # nothing changed: only the newest entry, at the mark
    assert numbers(second) == [69]
    assert len(cl.api_requests()) == 3  # the docket was not asked for again
    assert query(cl.api_requests()[-1].path) == {
        "docket": str(DOCKET_ID), "order_by": "date_modified",
        "date_modified__gte": "2021-08-20T03:22:51.104811-07:00"}


def test_a_later_poll_asks_only_for_entries_modified_since_the_last(
        server: LoopbackServer, cl: CourtListenerStandIn) -> None:
    src = source(server, max_requests=4)
    first = poll(src)
    cl.modify(1601200310, "2021-09-01T12:00:00.000001-07:00",
              description="FIRST AMENDED COMPLAINT against Twitter, Inc.. Filed byJohn Doe #1, "
                          "John Doe #2. (Attachments: # 1 Exhibit A) (Haba, Lisa)")
    new = cl.add(70, "2021-09-02", "2021-09-02T18:30:00.000000-07:00",
                 "ORDER setting Case Management Conference for 10/15/2021. Signed by Judge "
                 "Joseph C. Spero on 9/2/2021.", "Order")
    second = poll(src, first)
    assert numbers(second) == [69, 44, 70]  # the mark's own entry, then what changed
    assert second.items[1].docket is not None
    assert "Exhibit A" in second.items[1].docket.description
    assert second.state["since"] == "2021-09-02T18:30:00.000000-07:00"
    assert len(cl.api_requests()) == 5
    assert new > 0
    third = poll(src, second)
    assert numbers(third) == [70]


def test_a_walk_longer_than_the_budget_resumes_from_its_cursor(
        server: LoopbackServer, cl: CourtListenerStandIn) -> None:
    src = source(server, max_requests=4)
    first = poll(src)
    for day, entry in enumerate(cl.entries, start=1):  # every entry changes, in one pass
        cl.modify(entry["id"], f"2021-10-{day:02d}T09:00:00-07:00")
    src_small = source(server, max_requests=2)
    partial = poll(src_small, first)
    assert len(partial.items) == 6  # two pages of three, then the budget is spent
    assert partial.state["cursor"].startswith(server.base + "/api/rest/v4/docket-entries/?")
    assert partial.state["since"] == first.state["since"]  # the mark waits for the walk
    rest = poll(src_small, partial)
    assert query(cl.api_requests()[-1].path)["cursor"]
    assert "cursor" not in rest.state
    assert rest.state["since"] == "2021-10-08T09:00:00-07:00"
    seen = {i.guid for i in partial.items} | {i.guid for i in rest.items}
    assert len(seen) == len(NUMBERS)


def test_a_429_mid_walk_keeps_what_was_read_and_resumes_there(
        server: LoopbackServer, cl: CourtListenerStandIn) -> None:
    src = source(server, max_requests=10)
    cl.limit_after = 2  # the docket and one page, then throttled
    first = poll(src)
    assert numbers(first) == [69, None, 62]
    assert any("HTTP 429" in w and "retry after 60s" in w for w in first.warnings)
    assert len(cl.api_requests()) == 3  # nothing more was asked after the 429
    # a first poll's walk is not resumed: its mark is the newest entry read
    assert first.state["since"] == "2021-08-20T03:22:51.104811-07:00"
    for day, entry in enumerate(cl.entries, start=1):
        cl.modify(entry["id"], f"2021-11-{day:02d}T09:00:00-08:00")
    cl.limit_after, cl.served = 1, 0
    second = poll(src, first)
    assert len(second.items) == 3 and "cursor" in second.state
    cl.limit_after = None
    third = poll(src, second)
    assert query(cl.api_requests()[-1].path)["cursor"]
    assert {i.guid for i in second.items} | {i.guid for i in third.items} == \
        {i.guid for i in poll(source(server, max_requests=10)).items}


def test_a_429_before_anything_was_read_is_an_error_with_retry_after(
        server: LoopbackServer, cl: CourtListenerStandIn) -> None:
    cl.limit_after = 0
    with pytest.raises(FeedError) as caught:
        poll(source(server))
    assert (caught.value.kind, caught.value.status, caught.value.retry_after) == \
        ("http", 429, 60.0)
    assert caught.value.retryable
    assert "rate limit" in caught.value.message


def test_a_bad_token_is_refused_without_showing_it(
        server: LoopbackServer, cl: CourtListenerStandIn) -> None:
    with pytest.raises(FeedError) as caught:
        poll(source(server, token="wrong-" + TOKEN))
    assert caught.value.status == 401 and not caught.value.retryable
    assert "token" in caught.value.message and TOKEN not in str(caught.value)
    config = CourtListenerConfig(id="x", kind="courtlistener", docket_id=1, token=TOKEN)
    for shown in (repr(config), str(config), config.model_dump_json(),
                  repr(CourtListenerSource(config))):
        assert TOKEN not in shown
    assert config.token is not None and config.token.get_secret_value() == TOKEN


def test_a_next_link_to_another_host_is_not_followed(server: LoopbackServer) -> None:
    docket = fixture("docket.json")
    server.route(f"/api/rest/v4/dockets/{DOCKET_ID}/", docket, "application/json")
    server.route("/api/rest/v4/docket-entries/", json.dumps(
        {"next": "https://elsewhere.example/api/rest/v4/docket-entries/?cursor=x",
         "results": []}), "application/json")
    with pytest.raises(FeedError) as caught:
        poll(source(server, max_requests=3))
    assert "another host" in caught.value.message
    assert len(server.requests) == 2


def test_an_expired_cursor_starts_again_from_the_mark(
        server: LoopbackServer, cl: CourtListenerStandIn) -> None:
    src = source(server, max_requests=4)
    first = poll(src)
    stale = dict(first.state, cursor=server.url("/api/rest/v4/docket-entries/?docket="
                                                f"{DOCKET_ID}&cursor=bm9wZQ%3D%3D"))
    result = poll(src, SourceState(state=stale))
    assert numbers(result) == [69]
    assert any("cursor refused" in w for w in result.warnings)
    assert "cursor" not in result.state


def test_parsing_is_a_pure_function_of_bytes() -> None:
    docket = parse_docket(fixture("docket.json"), base_url="https://www.courtlistener.com")
    assert docket == Docket("cand", "3:21-cv-00485", "Doe v. Twitter, Inc.", "372224",
                            "https://www.courtlistener.com/docket/12345678/doe-v-twitter-inc/")
    renamed = json.loads(fixture("docket.json")) | {"court_id": "nebraskab"}
    assert parse_docket(json.dumps(renamed).encode(), base_url="x").court == "neb"
    body = json.dumps({"next": None, "results": json.loads(fixture("docket_entries.json"))})
    page = parse_entries_page(body.encode(), source_id="s", docket=docket)
    assert page.next_url is None
    assert page.newest_modified == "2021-08-20T03:22:51.104811-07:00"
    minute = next(i for i in page.items if i.docket and i.docket.entry_number is None)
    assert minute.docket is not None and minute.docket.document_url == ""
    assert minute.url.endswith("/docket/12345678/doe-v-twitter-inc/#minute-entry-1601200517")
    assert minute.published == midnight_pacific(datetime(2021, 8, 11).date())
    with pytest.raises(FeedError) as caught:
        parse_entries_page(b"<html>Bad gateway</html>", source_id="s", docket=docket)
    assert caught.value.kind == "parse"


def test_config_checks_and_an_empty_token_means_the_feed() -> None:
    cl = {"id": "cl", "kind": "courtlistener", "docket_id": DOCKET_ID,
          "token": "${COURTLISTENER_TOKEN:-}"}
    text = config_toml(sources=[cl])
    (config,) = parse_settings(text, {}).sources
    assert isinstance(config, CourtListenerConfig) and config.token is None
    (config,) = parse_settings(text, {"COURTLISTENER_TOKEN": TOKEN}).sources
    assert isinstance(config, CourtListenerConfig) and config.token is not None
    with pytest.raises(ConfigError) as caught:
        parse_settings(config_toml(sources=[{**cl, "docket_id": 0, "court": "N.D. Cal.",
                                             "max_requests": 0}]),
                       {"COURTLISTENER_TOKEN": TOKEN})
    joined = "\n".join(caught.value.errors)
    for field in ("docket_id", "court", "max_requests"):
        assert f"sources[0].{field}" in joined
    assert TOKEN not in joined


# through the pipeline -----------------------------------------------------------------

def config(server: LoopbackServer, database: Path) -> str:
    """The fixture docket through the API of the stand-in, alerts on every entry."""
    docket = {"id": "doe-docket", "kind": "courtlistener", "docket_id": DOCKET_ID,
              "base_url": server.base, "token": "${COURTLISTENER_TOKEN}", "max_requests": 5}
    doe = {"id": "doe", "caption": "John Doe #1 and John Doe #2 v. Twitter, Inc.",
           "court": "cand", "docket_number": "3:21-cv-00485", "docket_alert": "all",
           "notify": ["out"]}
    return config_toml(database=database, service={"http": ""}, sources=[docket], cases=[doe],
                       channels=[console_channel()])


def test_through_the_pipeline_the_backlog_is_quiet_and_a_new_entry_alerts_once(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, cl: CourtListenerStandIn,
        aio: asyncio.Runner) -> None:
    text = config(server, tmp_path / "cw.db")
    app = build_app(parse_settings(text, {"COURTLISTENER_TOKEN": TOKEN}), clock=clock,
                    stream=io.StringIO(), extract_workers=0)
    try:
        (report,), _ = aio.run(app.run_once())
        assert report.ok and report.backlog and report.new == len(NUMBERS)
        cl.add(70, "2021-09-02", "2021-09-02T18:30:00-07:00",
               "ORDER setting Case Management Conference.", "Order")
        clock.advance(minutes=30)
        (report,), _ = aio.run(app.run_once())
        assert (report.new, report.alerts) == (1, 1)
        clock.advance(minutes=30)
        (report,), _ = aio.run(app.run_once())
        assert (report.new, report.alerts) == (0, 0)
        cl.limit_after, cl.served = 0, 0
        clock.advance(minutes=30)
        (report,), _ = aio.run(app.run_once())
        row = app.store.source("doe-docket")
        assert report.error_kind == "http" and row.next_poll is not None
        assert (row.next_poll - row.last_poll).total_seconds() >= 60
        assert TOKEN not in (report.error or "")
    finally:
        aio.run(app.aclose())


def test_responses_are_what_the_stand_in_promises(server: LoopbackServer,
                                                  cl: CourtListenerStandIn) -> None:
    """The stand-in itself: 401 without the token, 429 on demand, the date filter."""
    cl.page_size = 20

    async def get(path: str, token: str | None) -> tuple[int, dict]:
        fetcher = Fetcher(user_agent="t")
        try:
            page = await fetcher(server.url(path), headers={"Authorization": f"Token {token}"}
                                 if token else None)
            assert page is not None
            return page.status, json.loads(page.body)
        except FeedError as exc:
            return exc.status or 0, {}
        finally:
            await fetcher.aclose()

    path = f"/api/rest/v4/docket-entries/?docket={DOCKET_ID}&order_by=date_modified"
    assert asyncio.run(get(path, None))[0] == 401
    status, data = asyncio.run(get(path + "&date_modified__gte=2021-07-01T00%3A00%3A00-07%3A00",
                                   TOKEN))
    assert status == 200 and [e["entry_number"] for e in data["results"]] == [62, None, 69]
    cl.limit_after = cl.served
    assert asyncio.run(get(path, TOKEN))[0] == 429
