"""`pacer_rss`: real CM/ECF feeds of every variant, their quirks, and the poll's change check."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from feeds.base import FeedError, SourceState
from feeds.case_names import clean_case_name
from feeds.fetch import Fetcher
from feeds.pacer import (
    PacerConfig,
    PacerSource,
    build_date,
    feed_url,
    parse_pacer_feed,
    parse_time,
)
from feeds.registry import build_source
from monitor.config import ConfigError, parse_settings
from tests.conftest import config_toml
from tests.servers import LoopbackServer, Request, Response

FIXTURES = Path(__file__).parent / "fixtures" / "pacer"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.xml"))
# fixture file names begin with the court, except juriscraper's "sdny" for nysd
COURTS = {"sdny": "nysd"}


def court_of(name: str) -> str:
    prefix = name.split("_")[0]
    return COURTS.get(prefix, prefix)


def fixture(name: str):
    return parse_pacer_feed((FIXTURES / f"{name}.xml").read_bytes(), court_of(name))


def rss(items: str, *, types: str = "all", build: str = "Tue, 24 Apr 2018 22:30:01 GMT",
        encoding: str = "ISO-8859-1", court: str = "cand") -> bytes:
    """A district court's feed around the given <item>s, encoded as it declares."""
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>Test District - Recent Entries</title><link>https://ecf.{court}.uscourts.gov</link>"
        f"<description>Docket entries of type: {types}</description>"
        f"<lastBuildDate>{build}</lastBuildDate>\n{items}</channel></rss>\n"
    )
    return text.encode(encoding)


def item(title: str, short: str, *, doc: str = "", number: str = "", case_id: str = "1234",
         seq: str = "7", when: str = "Tue, 24 Apr 2018 11:25:12 GMT", guid: str = "") -> str:
    link = f"https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?{case_id}"
    anchor = ""
    if doc:
        href = f"https://ecf.cand.uscourts.gov/doc1/{doc}?caseid={case_id}&#x26;de_seq_num={seq}"
        anchor = f"(&#x3C;a href=&#x22;{href}&#x22; &#x3E;{number}&#x3C;/a&#x3E;)"
    return (
        f"<item><title>{title}</title><link>{link}</link>"
        f"<description>[{short}] {anchor}</description>"
        f'<guid isPermaLink="true">{guid or link + "&#x26;" + seq}</guid>'
        f"<pubDate>{when}</pubDate></item>\n"
    )


# -- every published variant, against our expectations and against juriscraper ---------


@pytest.mark.parametrize("name", NAMES)
def test_fixture_parses_to_its_expected_entries(name: str) -> None:
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))
    feed = fixture(name)
    assert [p.entry.as_json() for p in feed.entries] == expected["entries"]
    assert feed.dropped == expected["dropped"]
    assert list(feed.entry_types) == expected["entry_types"]
    assert feed.build_date == expected["build_date"]
    assert all(p.entry.court == court_of(name) for p in feed.entries)


ORACLE = json.loads((FIXTURES / "juriscraper.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", NAMES)
def test_fixture_agrees_with_juriscraper(name: str) -> None:
    """juriscraper parsed the same feeds independently. Deliberate differences:

    - its docket_number drops judge initials and the defendant number (kept in other
      fields); ours is the court's spelling, so theirs must be its prefix;
    - its appellate document_number falls back to the PACER document id when the link
      text is not a number (`Document`); our entry_number stays None, since an entry
      number is a number on the docket (the identity then falls back to the document id);
    - its pacer_case_id is null for appellate feeds, ours "".
    """
    appellate = court_of(name).startswith("ca")
    entries = [p.entry for p in fixture(name).entries]
    rows = ORACLE[name]
    assert len(entries) == len(rows)
    for entry, row in zip(entries, rows, strict=True):
        docket, case_name, number, doc_id, case_id, short, filed = row
        assert entry.docket_number.startswith(docket)
        assert entry.case_name == case_name
        if appellate and number == doc_id:
            assert entry.entry_number is None
        else:
            assert entry.entry_number == (int(number) if number is not None else None)
        assert entry.pacer_doc_id == doc_id
        assert entry.pacer_case_id == (case_id or "")
        assert entry.short_description == short
        assert entry.filed_at == datetime.fromisoformat(filed)


def test_every_variant_is_covered() -> None:
    kinds = {court_of(n)[:2] == "ca" for n in NAMES}
    assert kinds == {True, False}
    assert {"nysd", "nyed", "nysb", "mdb", "wvsd", "ca2", "cadc"} <= {court_of(n) for n in NAMES}


# -- docket numbers and bankruptcy details ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "docket", "office", "year", "kind", "number", "judges", "defendant"),
    [
        ("nyed_1", "1:12-cv-04402-PKC-CLP", "1", "12", "cv", 4402, ("PKC", "CLP"), None),
        ("sdny_1", "1:18-cr-00224-1", "1", "18", "cr", 224, (), 1),
        ("sdny_1", "7:17-cv-00792", "7", "17", "cv", 792, (), None),
        ("nysb_1", "16-10992-smb", None, "16", "", 10992, ("SMB",), None),
        ("mdb_1", "18-90003", None, "18", "", 90003, (), None),
        ("ca4_1", "11-8", None, "11", "", 8, (), None),
        ("cadc", "22-1214", None, "22", "", 1214, (), None),
    ],
)
def test_docket_numbers_are_split(name, docket, office, year, kind, number, judges,
                                  defendant) -> None:
    found = next(p for p in fixture(name).entries if p.entry.docket_number == docket)
    n = found.number
    assert (n.office, n.year, n.case_type, n.number, n.judges, n.defendant) == (
        office, year, kind, number, judges, defendant)


def test_bankruptcy_prefix_is_read_and_kept_out_of_the_description() -> None:
    entries = {p.entry.docket_number: p for p in fixture("nysb_1").entries}
    mclean = entries["18-22414-rdd"]
    assert mclean.entry.short_description == "Notice, Adjournment of Hearing"
    b = mclean.bankruptcy
    assert (b.type, b.office, b.chapter, b.trustee) == ("bk", "7", "7", "Magaliff, Howard P.")
    sun = entries["16-10992-smb"].bankruptcy
    assert (sun.chapter, sun.trustee) == ("11", "")
    assert entries["16-10992-smb"].seq_no == 16739
    assert fixture("sdny_1").entries[0].bankruptcy is None


def test_unnamed_case_is_unknown_and_padding_is_trimmed() -> None:
    first, second = fixture("mdb_1").entries
    assert first.entry.case_name == "Dozier v. CN of Dundalk, Inc. d/b/a CNAC of D"
    assert second.entry.case_name == "Unknown Case Title"
    assert second.bankruptcy.type == "ap"


# -- quirks ------------------------------------------------------------------------------


def test_double_escaped_entities_are_undone() -> None:
    cadc = {p.entry.docket_number: p.entry for p in fixture("cadc").entries}
    assert cadc["22-1214"].case_name == "Food & Water Watch v. FERC"
    topps = next(p.entry for p in fixture("sdny_1").entries if "Topps" in p.entry.case_name)
    assert topps.case_name == "The Topps Company, Inc. v. Koko's Confectionery & Novelty, Inc."
    body = rss(item("3:21-cv-00485 Doe v. Smith &amp;amp; Wesson", "Motion &amp;amp;amp; Order",
                    doc="035123456789", number="4"))
    (entry,) = [p.entry for p in parse_pacer_feed(body, "cand").entries]
    assert entry.case_name == "Doe v. Smith & Wesson"
    assert entry.short_description == "Motion & Order"
    assert entry.document_url == (
        "https://ecf.cand.uscourts.gov/doc1/035123456789?caseid=1234&de_seq_num=7")


def test_multi_event_items_merge_into_one_entry() -> None:
    nysb = {p.entry.docket_number: p.entry for p in fixture("nysb_1").entries
            if p.entry.filed_at == datetime(2018, 4, 19, 18, 17, 25, tzinfo=UTC)}
    assert nysb["18-35641-cgm"].short_description == "Add Judge AND Add Trustee"
    same = dict(doc="035123456789", number="12", seq="40")
    body = rss(
        item("3:21-cv-00485 Doe v. Twitter", "Motion to Seal", **same)
        + item("3:21-cv-00485 Doe v. Twitter", "Motion for Leave", **same)
        + item("3:21-cv-00485 Doe v. Twitter", "Declaration", **same)
        + item("3:21-cv-00485 Doe v. Twitter", "Order", doc="035123456790", number="13", seq="41")
        + item("3:21-cv-00485 Doe v. Twitter", "Motion to Seal", **same)
    )
    entries = [p.entry for p in parse_pacer_feed(body, "cand").entries]
    assert [e.short_description for e in entries] == [
        "Declaration AND Motion for Leave AND Motion to Seal", "Order", "Motion to Seal"]
    assert [e.entry_number for e in entries] == [12, 13, 12]


def test_items_of_different_entries_at_the_same_second_stay_apart() -> None:
    body = rss(item("3:21-cv-00485 Doe v. Twitter", "Clerk's Notice", seq="50")
               + item("3:21-cv-00485 Doe v. Twitter", "Minute Entry", seq="51"))
    entries = [p.entry for p in parse_pacer_feed(body, "cand").entries]
    assert [e.short_description for e in entries] == ["Clerk's Notice", "Minute Entry"]
    assert entries[0].guid != entries[1].guid


def test_items_without_a_usable_docket_number_are_dropped_and_counted() -> None:
    wvsd = fixture("wvsd")
    assert wvsd.dropped == 1
    assert "5:18-~gr-00001" not in {p.entry.docket_number for p in wvsd.entries}
    body = rss(item("3:21-cv-00485 Doe v. Twitter", "Order", doc="035123456789", number="1")
               + item("not-a-number Somebody v. Nobody", "Order")
               + item("", "Order"))
    feed = parse_pacer_feed(body, "cand")
    assert (len(feed.entries), feed.dropped) == (1, 2)


def test_latin1_utf8_and_mislabelled_bodies_read_alike() -> None:
    items = item("3:21-cv-00485 Peña v. Müller", "Order “sealed”", doc="035123456789",
                 number="2")
    latin = rss(items.replace("“", '"').replace("”", '"'))
    assert "ñ".encode("latin-1") in latin  # a real ISO-8859-1 body
    utf8 = rss(items.replace("“", '"').replace("”", '"'), encoding="UTF-8")
    mislabelled = utf8.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    names = {parse_pacer_feed(b, "cand").entries[0].entry.case_name
             for b in (latin, utf8, mislabelled)}
    assert names == {"Peña v. Müller"}
    # ISO-8859-1 as browsers read it: 0x93 and 0x94 are Windows-1252 quotes
    marked = rss(items.replace("“", "\x01").replace("”", "\x02"))
    cp1252 = marked.replace(b"\x01", b"\x93").replace(b"\x02", b"\x94")
    assert parse_pacer_feed(cp1252, "cand").entries[0].entry.short_description == (
        "Order “sealed”")


def test_not_a_feed_is_an_error() -> None:
    for body in (b"<html><body>PACER is down for maintenance</body></html>", b"", b"\x00\x01"):
        with pytest.raises(FeedError) as info:
            parse_pacer_feed(body, "cand")
        assert info.value.kind == "not_feed"


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("Wed, 18 Apr 2018 00:09:55 GMT", datetime(2018, 4, 18, 0, 9, 55, tzinfo=UTC)),
        ("Fri, 03 Feb 2023 09:05:16 MST", datetime(2023, 2, 3, 16, 5, 16, tzinfo=UTC)),
        ("Fri, 03 Feb 2023 11:52:07 EST", datetime(2023, 2, 3, 16, 52, 7, tzinfo=UTC)),
        ("Mon, 05 Jun 2023 11:52:07 EDT", datetime(2023, 6, 5, 15, 52, 7, tzinfo=UTC)),
        ("Mon, 05 Jun 2023 08:00:00 PDT", datetime(2023, 6, 5, 15, 0, 0, tzinfo=UTC)),
        ("Mon, 05 Jun 2023 08:00:00 CDT", datetime(2023, 6, 5, 13, 0, 0, tzinfo=UTC)),
        ("Mon, 05 Jan 2023 08:00:00 HST", datetime(2023, 1, 5, 18, 0, 0, tzinfo=UTC)),
        ("Mon, 05 Jan 2023 08:00:00 AKST", datetime(2023, 1, 5, 17, 0, 0, tzinfo=UTC)),
        ("Mon, 05 Jan 2023 08:00:00 -0500", datetime(2023, 1, 5, 13, 0, 0, tzinfo=UTC)),
    ],
)
def test_local_time_labels_become_utc(text: str, utc: datetime) -> None:
    assert parse_time(text) == utc
    assert parse_time(text).utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Spoon et al v. Ethicon, Inc. et al", "Spoon v. Ethicon, Inc."),
        ("USA v. Nejad", "United States v. Nejad"),
        ("Jeffrey Cohen v. US", "Jeffrey Cohen v. United States"),
        ("Kaplun v. United States of America", "Kaplun v. United States"),
        ("Breitburn Energy Partners LP, et al.,             ", "Breitburn Energy Partners LP"),
        ("John Doe #1 and John Doe #2 vs. Twitter, Inc.",
         "John Doe #1 and John Doe #2 v. Twitter, Inc."),
        ("Food &amp;amp; Water Watch v. FERC", "Food & Water Watch v. FERC"),
        ("   ", "Unknown Case Title"),
    ],
)
def test_case_names_are_cleaned(raw: str, clean: str) -> None:
    assert clean_case_name(raw) == clean


def test_parsing_is_a_pure_function_a_process_pool_can_run() -> None:
    body = (FIXTURES / "nysb_1.xml").read_bytes()
    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(parse_pacer_feed, body, "nysb").result(timeout=60)
    assert remote == parse_pacer_feed(body, "nysb")


# -- addresses and configuration --------------------------------------------------------


@pytest.mark.parametrize(
    ("court", "url"),
    [
        ("cand", "https://ecf.cand.uscourts.gov/cgi-bin/rss_outside.pl"),
        ("nysb", "https://ecf.nysb.uscourts.gov/cgi-bin/rss_outside.pl"),
        ("ca9", "https://ecf.ca9.uscourts.gov/n/beam/servlet/TransportRoom?servlet=RSSGenerator"),
        ("cadc", "https://ecf.cadc.uscourts.gov/n/beam/servlet/TransportRoom?servlet=RSSGenerator"),
        ("ca5", "https://ecf.ca5.uscourts.gov/cmecf/servlet/TransportRoom?servlet=RSSGenerator"),
        ("ca7", "https://ecf.ca7.uscourts.gov/cmecf/servlet/TransportRoom?servlet=RSSGenerator"),
        ("ca11", "https://ecf.ca11.uscourts.gov/cmecf/servlet/TransportRoom?servlet=RSSGenerator"),
        ("ared", "https://ecf.ared.uscourts.gov/cgi-bin/rss_outside4.pl"),
        ("nyed", "https://ecf.nyed.uscourts.gov/cgi-bin/readyDockets.pl"),
    ],
)
def test_feed_address_is_derived_from_the_court(court: str, url: str) -> None:
    assert feed_url(court) == url
    source = build_source(PacerConfig(id="c", kind="pacer_rss", court=court))
    assert isinstance(source, PacerSource) and source.url == url


def test_configured_url_wins_and_court_ids_are_checked() -> None:
    config = PacerConfig(id="c", kind="pacer_rss", court=" CAND ",
                         url="https://mirror.example.org/cand.xml")
    assert config.court == "cand"
    assert build_source(config).url == "https://mirror.example.org/cand.xml"
    cand = {"id": "cand", "kind": "pacer_rss", "court": "cand"}
    settings = parse_settings(config_toml(sources=[cand]), {})
    assert isinstance(settings.sources[0], PacerConfig)
    with pytest.raises(ConfigError) as info:
        parse_settings(config_toml(sources=[{**cand, "id": "x", "court": "cnd"}]), {})
    (error,) = info.value.errors
    assert error.startswith("sources[0].court: ") and "unknown PACER court id 'cnd'" in error
    with pytest.raises(ConfigError) as info:
        parse_settings(config_toml(sources=[{"id": "x", "kind": "pacer_rss"}]), {})
    assert info.value.errors[0].startswith("sources[0].court: ")


# -- polling -----------------------------------------------------------------------------


def poll_with(bodies: list[bytes]):
    """Poll a PacerSource once per body through the real Fetcher over an httpx transport,
    handing each poll the state the previous one returned."""
    served = iter(bodies)
    client = httpx.AsyncClient(transport=httpx.MockTransport(
        lambda request: httpx.Response(200, content=next(served))))
    fetcher = Fetcher(user_agent="casewatch-test", client=client)
    source = PacerSource(PacerConfig(id="cand", kind="pacer_rss", court="cand"))

    async def go():
        results, state = [], SourceState()
        try:
            for _ in bodies:
                result = await source.poll(fetcher, state)
                results.append(result)
                state = SourceState(result.etag, result.last_modified, result.state)
        finally:
            await fetcher.aclose()
        return results

    return asyncio.run(go())


ONE = item("3:21-cv-00485 Doe et al v. Twitter, Inc.", "Complaint", doc="035123456789",
           number="1", seq="2")
TWO = item("3:21-cv-00485 Doe et al v. Twitter, Inc.", "Summons Issued", doc="035123456799",
           number="2", seq="5", when="Tue, 24 Apr 2018 12:00:00 GMT")


def test_poll_makes_items_keyed_by_the_entry_identity() -> None:
    (result,) = poll_with([rss(ONE + "<item><title>5:18-~gr-1</title></item>")])
    (found,) = result.items
    assert found.guid == found.docket.guid == "cand/21-cv-485/1"
    assert found.docket.court == "cand"
    assert found.title == "Doe v. Twitter, Inc. #1: Complaint"
    assert found.url == "https://ecf.cand.uscourts.gov/doc1/035123456789?caseid=1234&de_seq_num=2"
    assert found.summary == "Complaint"
    assert found.published == datetime(2018, 4, 24, 11, 25, 12, tzinfo=UTC)
    assert result.dropped == 1 and result.warnings == []
    assert result.state == {"build_date": "Tue, 24 Apr 2018 22:30:01 GMT", "entry_types": ["all"]}
    minute = poll_with([rss(item("3:21-cv-00485 Doe v. Twitter", "Minute Entry"))])[0].items[0]
    assert minute.url == "https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?1234"
    assert minute.title == "Doe v. Twitter: Minute Entry"


def test_unchanged_build_date_skips_the_parse() -> None:
    first, second, third = poll_with([
        rss(ONE),
        rss(ONE + TWO),  # rebuilt content, but the court says it has not rebuilt: not read
        rss(ONE + TWO, build="Tue, 24 Apr 2018 22:50:01 GMT"),
    ])
    assert [i.docket.entry_number for i in first.items] == [1]
    assert second.not_modified and second.items == [] and second.state == first.state
    assert [i.docket.entry_number for i in third.items] == [1, 2]
    assert third.state["build_date"] == "Tue, 24 Apr 2018 22:50:01 GMT"


def test_channel_pubdate_serves_when_there_is_no_last_build_date() -> None:
    body = rss(ONE).replace(b"lastBuildDate>", b"pubDate>")
    assert build_date(body) == "Tue, 24 Apr 2018 22:30:01 GMT"
    assert build_date(rss("")) == "Tue, 24 Apr 2018 22:30:01 GMT"
    no_date = rss(ONE).replace(b"<lastBuildDate>Tue, 24 Apr 2018 22:30:01 GMT</lastBuildDate>",
                               b"")
    assert build_date(no_date) is None  # an item's pubDate is not the channel's
    first, second = poll_with([no_date, no_date])
    assert first.state["build_date"].startswith("sha256:") and second.not_modified


def test_a_change_of_declared_entry_types_is_a_warning() -> None:
    results = poll_with([
        rss(ONE, types="orders,opinions"),
        rss(ONE, types="opinions, orders", build="Tue, 24 Apr 2018 22:50:01 GMT"),
        rss(ONE, types="all", build="Tue, 24 Apr 2018 23:10:01 GMT"),
    ])
    assert [r.warnings for r in results[:2]] == [[], []]  # first sight; same set reordered
    (warning,) = results[2].warnings
    assert warning == "cand: the feed now declares entry types all (was opinions, orders)"
    assert results[2].state["entry_types"] == ["all"]


def test_second_poll_of_an_unchanged_feed_over_http_does_not_parse(
        server: LoopbackServer) -> None:
    body = (FIXTURES / "sdny_1.xml").read_bytes()
    served: list[bytes] = [body, body + b"\n<!-- rebuilt, same lastBuildDate -->"]

    def answer(request: Request) -> Response:
        return Response(200, served.pop(0), {"Content-Type": "text/xml; charset=ISO-8859-1"})

    server.route("/cgi-bin/rss_outside.pl", answer)
    config = PacerConfig(id="sdny", kind="pacer_rss", court="nysd",
                         url=server.url("/cgi-bin/rss_outside.pl"))
    source = build_source(config)

    async def go():
        fetcher = Fetcher(user_agent="casewatch-test")
        try:
            first = await source.poll(fetcher, SourceState())
            second = await source.poll(fetcher, SourceState(first.etag, first.last_modified,
                                                            first.state))
        finally:
            await fetcher.aclose()
        return first, second

    first, second = asyncio.run(go())
    assert len(first.items) == 32 and first.dropped == 0
    assert len({i.guid for i in first.items}) == 32
    assert len(first.state["entry_types"]) == 27
    assert second.not_modified and second.items == []
    assert second.state == first.state
    assert len(server.hits("/cgi-bin/rss_outside.pl")) == 2  # fetched both times, parsed once


def test_a_declaration_holding_a_closing_bracket_is_not_a_feed_error_but_read() -> None:
    """Found by fuzzing: `encoding='>ISO-8859-1'` left the declaration in the text, and
    lxml refused a str with a declaration (ValueError) instead of reading the feed."""
    body = (FIXTURES / "ca10.xml").read_bytes().replace(b"encoding='ISO-8859-1'",
                                                       b"encoding='>ISO-8859-1'", 1)
    assert b"encoding='>ISO" in body
    assert parse_pacer_feed(body, "ca10").entries


@pytest.mark.parametrize("reference", ["&#xD800;", "&#55296;", "&#0;", "&#x110000;"])
def test_a_reference_to_a_character_xml_forbids_is_replaced(reference: str) -> None:
    """Found by fuzzing: lxml kept &#xD800; as undecodable bytes, and reading the title
    raised UnicodeDecodeError out of the parser."""
    body = (FIXTURES / "ca10.xml").read_bytes().replace(
        b"<title>19-8054", f"<title>{reference}19-8054".encode(), 1)
    whole = parse_pacer_feed((FIXTURES / "ca10.xml").read_bytes(), "ca10")
    feed = parse_pacer_feed(body, "ca10")  # the entry with it may go; the others stay
    assert len(feed.entries) >= len(whole.entries) - 1 and len(whole.entries) > 1
