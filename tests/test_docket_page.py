"""The docket_page source on a Texas Court of Appeals case page (TAMES layout) served
on 127.0.0.1: rows as entries, new and changed rows, redesigns, lenient dates."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds.base import FeedError, PollResult, SourceState
from feeds.docket_page import (
    DocketPageConfig,
    DocketPageSource,
    Selectors,
    parse_date,
    parse_docket_page,
)
from feeds.fetch import Fetcher
from monitor.config import ConfigError, parse_settings
from monitor.runtime.app import build_app
from tests.conftest import FakeClock, config_toml, console_channel
from tests.servers import LoopbackServer

PAGE = (Path(__file__).parent / "fixtures" / "docket_page" / "texas_coa_case.html").read_bytes()
URL = "https://search.txcourts.gov/Case.aspx?cn=01-25-00456-CV&coa=coa01"
EVENTS = "#ctl00_ContentPlaceHolder1_grdEvents_ctl00 > tbody > tr"
SELECTORS = Selectors(entry=EVENTS, date=":scope > td:nth-child(1)",
                      text=":scope > td:nth-child(2), :scope > td:nth-child(3)",
                      link="td.docLink a")
CASE = "Greenway Residents Association v. Harris County Flood Control District"
NEW_ROW = (b'<tr class="rgRow" id="ctl00_ContentPlaceHolder1_grdEvents_ctl00__0">'
           b'<td width="35">03/27/2026</td><td width="60">Memorandum opinion issued</td>'
           b'<td>Affirmed</td><td align="left" width="160"><div><table class="docGrid">'
           b'<tr><td class="docLink"><a href="SearchMedia.aspx?MediaVersionID=0a1b&amp;coa=coa01'
           b'&amp;DT=Opinion&amp;MediaID=9f8e" target="_blank"> [ PDF/201 KB ] </a></td>'
           b'<td class="docLink">Memorandum Opinion</td></tr></table></div></td></tr>')


def parse(body: bytes = PAGE, selectors: Selectors = SELECTORS, **given: str):
    known = {"court": "texapp", "docket_number": "01-25-00456-CV", "case_name": CASE} | given
    return parse_docket_page(body, URL, selectors, source_id="tx-coa", **known)


def with_new_row(page: bytes) -> bytes:
    """The page with a new first row in its events grid (TAMES lists the newest first)."""
    marker = b'id="ctl00_ContentPlaceHolder1_grdEvents_ctl00"'
    head, tail = page.split(marker, 1)
    return head + marker + tail.replace(b"<tbody>\n", b"<tbody>\n" + NEW_ROW, 1)


def restyled(page: bytes) -> bytes:
    """What a reload looks like: a new view state, row classes and ids renumbered."""
    page = page.replace(b'value="VIEWSTATE"', b'value="/wEPDwUKMTY3NzQ5ODU3Ng9kFgJmD2QWAg"')
    return page.replace(b'"rgRow"', b'"rgTmp"').replace(b'"rgAltRow"', b'"rgRow"').replace(
        b'"rgTmp"', b'"rgAltRow"')


def test_each_row_of_the_events_grid_is_an_entry() -> None:
    items = parse()
    assert len(items) == 12  # the header row and the nested document tables are not entries
    first, motion, notice = items[0], items[4], items[10]
    assert first.title == "Submitted" and first.published == datetime(2026, 3, 4, tzinfo=UTC)
    assert first.url == URL  # no document: the page itself
    assert first.docket is not None and first.docket.court == "texapp"
    assert first.docket.case_name == CASE
    assert first.summary == f"{CASE}: 03/04/2026 Submitted"
    assert motion.title == "Motion for extension of time filed Granted"
    assert motion.docket is not None
    assert motion.docket.description.startswith("10/20/2025 Motion for extension of time")
    # a relative document link, resolved against the page
    assert re.fullmatch(r"https://search\.txcourts\.gov/SearchMedia\.aspx\?MediaVersionID="
                        r"[0-9a-f-]+&coa=coa01&DT=Notice of Appeal&MediaID=[0-9a-f-]+",
                        notice.url)
    assert notice.docket is not None and notice.docket.document_url == notice.url
    # the guid is the entry's identity with the row's key, and every row has its own
    assert first.docket is not None and first.guid.startswith(first.docket.guid + "#")
    assert len({i.guid for i in items}) == 12
    # two identical rows (two supplemental records the same day) stay two entries
    assert items[5].title == items[6].title and items[5].guid != items[6].guid


def test_a_reload_that_only_changes_markup_gives_the_same_entries() -> None:
    assert [i.guid for i in parse(restyled(PAGE))] == [i.guid for i in parse()]


def test_a_new_row_and_a_changed_row_are_new_entries() -> None:
    before = {i.guid for i in parse()}
    changed = with_new_row(PAGE).replace(b'<td width="60">Submitted</td><td>&nbsp;</td>',
                              b'<td width="60">Submitted</td><td>Without oral argument</td>')
    after = parse(restyled(changed))
    fresh = [i for i in after if i.guid not in before]
    assert [i.title for i in fresh] == ["Memorandum opinion issued Affirmed",
                                        "Submitted Without oral argument"]
    assert fresh[0].url.startswith("https://search.txcourts.gov/SearchMedia.aspx?")
    assert len(before - {i.guid for i in after}) == 1  # the old "Submitted" row


def test_a_selector_that_matches_nothing_is_a_clear_error() -> None:
    redesigned = PAGE.replace(b"grdEvents", b"gvCaseEvents")
    with pytest.raises(FeedError) as caught:
        parse(redesigned)
    assert caught.value.kind == "parse"
    assert EVENTS in caught.value.message and "redesigned" in caught.value.message
    # a table with only its header row left is no better
    empty = re.sub(rb"<tbody>.*?</tbody>", b"<tbody></tbody>", PAGE, flags=re.DOTALL)
    with pytest.raises(FeedError):
        parse(empty, Selectors(entry="#ctl00_ContentPlaceHolder1_grdEvents_ctl00 tr"))


def test_dates_are_lenient_and_a_bad_one_is_none_not_an_error() -> None:
    assert parse_date("12/16/2025") == datetime(2025, 12, 16, tzinfo=UTC)
    assert parse_date("Filed: March 3, 2026") == datetime(2026, 3, 3, tzinfo=UTC)
    assert parse_date("2026-03-03T14:05:00-06:00") == datetime(2026, 3, 3, 20, 5, tzinfo=UTC)
    for text in ("Pending", "", None, "99/99/2025", "&nbsp;"):
        assert parse_date(text) is None
    items = parse(PAGE.replace(b"03/04/2026", b"Pending").replace(b"02/10/2026", b"13/45/2026"))
    assert items[0].published is None and items[1].published is None
    assert items[2].published == datetime(2025, 12, 1, tzinfo=UTC)


def test_without_selectors_a_row_is_its_text_and_its_first_link() -> None:
    items = parse(selectors=Selectors(entry=EVENTS), court="", docket_number="")
    assert items[1].title == "02/10/2026 Set for submission on briefs [ PDF/154 KB ] Notice"
    assert items[1].published is None
    assert items[1].url.startswith("https://search.txcourts.gov/SearchMedia.aspx?")
    # no docket number: the page itself is the identity
    assert items[1].guid.startswith(URL + "#")


def test_an_entry_number_column_is_read() -> None:
    page = (b"<html><head><base href='https://courts.example.gov/dockets/'></head><body>"
            b"<table class='docket'><tr><th>No.</th><th>Date</th><th>Text</th></tr>"
            b"<tr><td>12</td><td>Jan. 5, 2026</td><td><a href='12.pdf'>ORDER</a> on motion</td>"
            b"</tr><tr><td>&#160;</td><td>Jan. 6, 2026</td><td>Minute order</td></tr>"
            b"</table></body></html>")
    selectors = Selectors("table.docket tr", date="td:nth-child(2)", number="td:nth-child(1)",
                          text="td:nth-child(3)")
    items = parse_docket_page(page, "https://courts.example.gov/case/7", selectors,
                              source_id="p", court="cand", docket_number="3:21-cv-00485")
    assert [i.docket.entry_number for i in items if i.docket] == [12, None]
    assert items[0].title == "Entry 12: ORDER on motion"
    assert items[0].url == "https://courts.example.gov/dockets/12.pdf"  # against <base href>
    assert items[0].guid.startswith("cand/21-cv-485/12#")


def test_the_config_refuses_a_bad_selector_at_its_path() -> None:
    tx = {"id": "tx", "kind": "docket_page", "url": "https://search.txcourts.gov/Case.aspx",
          "entry_selector": "table.rgMasterTable > tbody > tr"}
    (config,) = parse_settings(config_toml(sources=[{**tx, "court": "TexApp"}]), {}).sources
    assert isinstance(config, DocketPageConfig) and config.court == "texapp"
    with pytest.raises(ConfigError) as caught:
        parse_settings(config_toml(sources=[{**tx, "date_selector": "td:nth-child("}]), {})
    assert caught.value.errors[0].startswith("sources[0].date_selector: ")
    assert "not a CSS selector" in caught.value.errors[0]
    misnamed = {"entry" if key == "entry_selector" else key: value for key, value in tx.items()}
    with pytest.raises(ConfigError) as caught:
        parse_settings(config_toml(sources=[misnamed]), {})
    assert any("sources[0].entry_selector" in e for e in caught.value.errors)


# polling over HTTP --------------------------------------------------------------------


def source(server: LoopbackServer) -> DocketPageSource:
    return DocketPageSource(DocketPageConfig(
        id="tx-coa", kind="docket_page", url=server.url("/Case.aspx?cn=01-25-00456-CV"),
        entry_selector=EVENTS, date_selector=":scope > td:nth-child(1)",
        text_selector=":scope > td:nth-child(2), :scope > td:nth-child(3)",
        link_selector="td.docLink a", court="texapp", docket_number="01-25-00456-CV",
        case_name=CASE))


def poll(src: DocketPageSource, before: PollResult | None = None) -> PollResult:
    state = SourceState(before.etag, before.last_modified, before.state) if before else None

    async def go() -> PollResult:
        fetcher = Fetcher(user_agent="casewatch-test")
        try:
            return await src.poll(fetcher, state or SourceState())
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def test_polling_a_page_unchanged_new_row_and_redesign(server: LoopbackServer) -> None:
    src = source(server)
    server.route("/Case.aspx", PAGE, "text/html; charset=utf-8")
    first = poll(src)
    assert len(first.items) == 12
    assert first.items[1].url.startswith(server.base + "/SearchMedia.aspx?")
    same = poll(src, first)
    assert same.not_modified and same.items == []
    server.route("/Case.aspx", restyled(PAGE), "text/html; charset=utf-8")
    reloaded = poll(src, same)
    assert {i.guid for i in reloaded.items} == {i.guid for i in first.items}
    server.route("/Case.aspx", with_new_row(PAGE), "text/html; charset=utf-8")
    grown = poll(src, reloaded)
    assert [i.title for i in grown.items if i.guid not in {j.guid for j in first.items}] == \
        ["Memorandum opinion issued Affirmed"]
    server.route("/Case.aspx", PAGE.replace(b"grdEvents", b"gvEvents"), "text/html")
    with pytest.raises(FeedError) as caught:
        poll(src, grown)
    assert caught.value.kind == "parse"


def test_through_the_pipeline_only_the_new_row_alerts(
        tmp_path: Path, clock: FakeClock, server: LoopbackServer, aio: asyncio.Runner) -> None:
    server.route("/Case.aspx", PAGE, "text/html")
    page = {"id": "tx-coa", "kind": "docket_page", "url": server.url("/Case.aspx"),
            "entry_selector": EVENTS, "date_selector": ":scope > td:nth-child(1)",
            "text_selector": ":scope > td:nth-child(2), :scope > td:nth-child(3)",
            "court": "texapp", "case_name": CASE}
    greenway = {"id": "greenway", "caption": CASE, "aliases": ["Greenway v. Harris County"],
                "notify": ["out"]}
    text = config_toml(database=tmp_path / "cw.db", service={"http": ""}, sources=[page],
                       cases=[greenway], channels=[console_channel()])
    stream = io.StringIO()
    app = build_app(parse_settings(text, {}), clock=clock, stream=stream, extract_workers=0)
    try:
        (report,), _ = aio.run(app.run_once())
        assert report.ok and report.backlog and report.new == 12
        server.route("/Case.aspx", restyled(PAGE), "text/html")
        clock.advance(minutes=20)
        (report,), _ = aio.run(app.run_once())
        assert (report.new, report.alerts) == (0, 0)
        server.route("/Case.aspx", with_new_row(restyled(PAGE)), "text/html")
        clock.advance(minutes=20)
        (report,), _ = aio.run(app.run_once())
        assert (report.new, report.alerts) == (1, 1)
        assert "Memorandum opinion issued" in stream.getvalue()
    finally:
        aio.run(app.aclose())
