"""Fuzzing the parsers of outside input for a bounded time: feeds, court dockets (CM/ECF
RSS, CourtListener Atom and API answers, HTML docket pages), the fetcher's URL and
address checks. Inputs are real fixtures cut, spliced and corrupted, plus free-form
bytes. Nothing may raise but the parsers' own FeedError, of the kind each parser gives
and with a message; what a parser returns holds what the pipeline relies on.

CASEWATCH_FUZZ_SCALE=20 multiplies every example count (for a long run by hand).
"""

from __future__ import annotations

import ipaddress
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.base import FeedError, Item, Page
from feeds.courtlistener import Docket, parse_atom_feed, parse_entries_page
from feeds.docket_page import Selectors, parse_docket_page
from feeds.fetch import is_private_address, is_private_host
from feeds.pacer import parse_pacer_feed, to_item
from feeds.rss import parse_feed
from monitor.identity import canonical_url
from tests.hostile import HOSTILE
from tests.servers import rss

FIXTURES = Path(__file__).parent / "fixtures"
SCALE = int(os.environ.get("CASEWATCH_FUZZ_SCALE", "1"))
PACER = [p.read_bytes() for p in sorted((FIXTURES / "pacer").glob("*.xml"))]
FEEDS = [rss([{"title": "Doe v. Acme", "link": "http://x.invalid/1", "text": "a &amp; b",
               "date": "Mon, 05 Jan 2026 10:00:00 GMT"}]).encode(),
         *(h.response.data() for h in HOSTILE.values() if h.response.body), *PACER[:3]]
ATOM = (FIXTURES / "courtlistener" / "docket_feed.xml").read_bytes()
ENTRIES = (FIXTURES / "courtlistener" / "docket_entries.json").read_bytes()
PAGE = (FIXTURES / "docket_page" / "texas_coa_case.html").read_bytes()
DOCKET = Docket(court="cand", docket_number="3:21-cv-00485", case_name="Doe v. Twitter",
                pacer_case_id="372011", url="https://www.courtlistener.com/docket/1/x/")
FRAGMENTS = [b"<", b">", b"&", b"&amp;", b"&#0;", b"&#xD800;", b"]]>", b"<![CDATA[", b"\x00",
             b"\xff\xfe", b"\xef\xbb\xbf", b"<item>", b"</channel>", b"<!DOCTYPE x [",
             b'<?xml version="1.0" encoding="utf-16"?>', b"<entry>", b"</rss>", b"\r\n",
             b"<pubDate>99/99/9999</pubDate>", b"<title>", b"\xc3", b"\xe2\x80\xae"]


def examples(n: int):
    return settings(max_examples=n * SCALE, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def mutated(draw, bases: list[bytes]) -> bytes:
    """A real body, cut, with pieces spliced in and bytes flipped."""
    body = bytearray(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(0, 4))):
        where = draw(st.integers(0, len(body)))
        action = draw(st.sampled_from(["insert", "cut", "flip", "truncate"]))
        if action == "insert":
            body[where:where] = draw(st.sampled_from(FRAGMENTS) | st.binary(max_size=12))
        elif action == "cut":
            del body[where:where + draw(st.integers(1, 400))]
        elif action == "flip" and where < len(body):
            body[where] = draw(st.integers(0, 255))
        else:
            del body[where:]
    return bytes(body)


def bodies(bases: list[bytes]):
    return mutated(bases) | st.binary(max_size=300)


def refused(exc: FeedError, kind: str) -> None:
    """A parser's refusal: of the kind expected, with a message to show for the source."""
    assert exc.kind == kind, exc.kind
    assert isinstance(exc.message, str) and exc.message.strip() and str(exc) == exc.message


def usable(items: list[Item], source_id: str) -> None:
    """What the pipeline relies on in every item a parser returns: the source's id, an
    identity, text fields that are strings it can store and send, a publication time
    that is None or aware, and nothing extracted yet (extraction is the pipeline's)."""
    assert isinstance(items, list)
    for item in items:
        assert isinstance(item, Item) and item.source_id == source_id
        assert isinstance(item.guid, str) and item.guid
        assert all(isinstance(text, str) for text in (item.url, item.title, item.summary))
        (item.guid + item.title + item.summary + item.url).encode("utf-8")
        assert item.published is None or item.published.utcoffset() is not None
        assert not (item.text or item.extracted or item.extract_failed or item.canonical_url)


def news(items: list[Item], source_id: str) -> None:
    """Items of a news feed: usable, no docket entry, published (when known) in UTC."""
    usable(items, source_id)
    for item in items:
        assert item.docket is None
        assert item.published is None or item.published.utcoffset() == timedelta(0)


def docket_items(items: list[Item], source_id: str, court: str) -> None:
    """Items of a docket: usable, each carrying its entry of the court, known by the
    entry's identity, under a one-line title that is not empty."""
    usable(items, source_id)
    for item in items:
        assert item.docket is not None and item.docket.court == court
        assert item.guid == item.docket.guid or item.guid.startswith(item.docket.guid + "#")
        assert item.title and item.title == " ".join(item.title.split()), item.title


@examples(150)
@given(bodies(FEEDS), st.sampled_from([{}, {"content-type": "application/xml; charset=utf-16"},
                                       {"content-type": "text/html; charset=windows-1252"}]))
def test_feed_parser(body: bytes, headers: dict[str, str]) -> None:
    try:
        items = parse_feed(Page("http://x.invalid/feed", 200, body, headers), "s")
    except FeedError as exc:
        refused(exc, "not_feed")
    else:
        assert all(isinstance(i.title, str) and i.guid for i in items)
        news(items, "s")  # every text can be stored and sent


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)
_JSON_ITEM = st.fixed_dictionaries({}, optional={
    key: _JSON | st.text(max_size=30) for key in
    ("id", "url", "external_url", "title", "summary", "content_text", "date_published")})


@examples(150)
@given(st.lists(_JSON_ITEM | _JSON, max_size=4) | _JSON)
def test_json_feed_parser(entries: object) -> None:
    """A JSON Feed's items as any JSON: what is an item is read, the rest is passed over,
    and a feed whose items are no list is refused, never an AttributeError or TypeError."""
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": entries})
    try:
        items = parse_feed(Page("http://x.invalid/feed.json", 200, body.encode(), {}), "s")
    except FeedError as exc:
        refused(exc, "not_feed")
        assert entries and not isinstance(entries, list)
    else:
        news(items, "s")
        wanted = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
        assert len(items) <= len(wanted)


GARBLED = FEEDS[0].replace(b'encoding="utf-8"', b'encoding="%sutf-8"')


# found by test_feed_parser: feedparser's encoding sniffing raised UnicodeDecodeError or
# ValueError (embedded null character) on such a declaration
@pytest.mark.parametrize("junk", [b"\xff\xfe", b"\x00"], ids=["bom-bytes", "nul"])
def test_a_garbled_encoding_declaration_is_not_a_feed(junk: bytes) -> None:
    with pytest.raises(FeedError):
        parse_feed(Page("http://x.invalid/feed", 200, GARBLED % junk, {}), "s")


# found by test_feed_parser: feedparser made &#xD800; a str that could not be encoded
def test_a_reference_to_a_surrogate_is_read_as_a_replacement_character() -> None:
    body = (FEEDS[0].replace(b"<link>http://example.org/", b"<link>&#xD800;http://example.org/")
            .replace(b"<title>Doe v. Acme", b"<title>Doe &#55296;v. Acme"))
    items = parse_feed(Page("http://x.invalid/feed", 200, body, {}), "s")
    assert [item.title for item in items] == ["Doe \ufffdv. Acme"]


@examples(150)
@given(bodies(PACER))
def test_pacer_rss_parser(body: bytes) -> None:
    try:
        feed = parse_pacer_feed(body, "cand")
    except FeedError as exc:
        refused(exc, "not_feed")
    else:
        assert all(e.entry.court == "cand" for e in feed.entries)
        assert all(e.entry.docket_number for e in feed.entries)  # numberless items dropped
        assert feed.dropped >= 0 and feed.title == " ".join(feed.title.split())
        docket_items([to_item("cand-rss", e) for e in feed.entries], "cand-rss", "cand")


@examples(100)
@given(bodies([ATOM]))
def test_courtlistener_atom_parser(body: bytes) -> None:
    try:
        items = parse_atom_feed(body, source_id="cl", court="cand")
    except FeedError as exc:
        refused(exc, "not_feed")
    else:
        docket_items(items, "cl", "cand")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@st.composite
def entries_answer(draw) -> bytes:
    """The fixture API answer with values replaced by any JSON at any depth."""
    data = json.loads(ENTRIES)
    for _ in range(draw(st.integers(1, 4))):
        node = data
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(st.sampled_from(list(node.keys()) if isinstance(node, dict)
                                       else list(range(len(node)))))
            if not isinstance(node[key], dict | list):
                break
            node = node[key]
        if isinstance(node, dict) and node:
            node[draw(st.sampled_from(list(node)))] = draw(JSON)
        elif isinstance(node, list) and node:
            node[draw(st.integers(0, len(node) - 1))] = draw(JSON)
    return json.dumps(data).encode()


@examples(150)
@given(entries_answer() | bodies([ENTRIES]))
def test_courtlistener_api_parser(body: bytes) -> None:
    try:
        page = parse_entries_page(body, source_id="cl", docket=DOCKET)
    except FeedError as exc:
        refused(exc, "parse")
    else:
        docket_items(page.items, "cl", DOCKET.court)
        assert all(item.docket and item.docket.docket_number == DOCKET.docket_number
                   for item in page.items)
        assert page.next_url is None or isinstance(page.next_url, str)
        assert page.newest_modified is None or isinstance(page.newest_modified, str)


SELECTORS = Selectors(entry="table tr", date="td:nth-child(1)", text="td:nth-child(2)",
                      link="a")


@examples(60)
@given(bodies([PAGE]))
def test_docket_page_parser(body: bytes) -> None:
    try:
        items = parse_docket_page(body, "https://courts.invalid/case/1", SELECTORS,
                                  source_id="p", court="texapp",
                                  docket_number="03-24-00001-CV")
    except FeedError as exc:
        assert exc.message
        refused(exc, "parse")
    else:
        docket_items(items, "p", "texapp")
        assert all(item.guid.startswith("texapp/") and item.summary for item in items)


URLS = st.text(max_size=60) | st.from_regex(
    r"\A(https?|HTTP|ftp|javascript)://([a-z0-9%.@-]{0,20}|\[[0-9a-f:.]*\])"
    r"(:\d{0,6})?(/[^\s#?]{0,20})?(\?[^\s#]{0,20})?(#\S{0,5})?\Z")
@examples(200)
@given(URLS)
def test_url_canonicalisation(text: str) -> None:
    once = canonical_url(text)
    assert canonical_url(once) == once


# addresses near the edges of the ranges that matter, and anywhere at all
_EDGES = [0, 0x0A000000, 0x64400000, 0x7F000001, 0xA9FEA9FE, 0xAC100000, 0xC0000000,
          0xC0A80000, 0xE0000000, 0xFFFFFFFF]
_V4 = st.sampled_from(_EDGES).flatmap(
    lambda base: st.integers(max(0, base - 3), min(2**32 - 1, base + 3))) \
    | st.integers(0, 2**32 - 1)


@st.composite
def spellings(draw) -> tuple[str, ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """One address spelled as a resolver accepts it: dotted, decimal, hex, octal parts,
    short forms, IPv4-mapped, 6to4 and NAT64 IPv6, or any IPv6 address."""
    value = draw(_V4)
    ip4 = ipaddress.IPv4Address(value)
    octets = [int(p) for p in str(ip4).split(".")]
    form = draw(st.sampled_from(["dotted", "decimal", "hex", "octal", "short", "mapped",
                                 "6to4", "nat64", "v6"]))
    if form == "dotted":
        return str(ip4), ip4
    if form == "decimal":
        return str(value), ip4
    if form == "hex":
        return hex(value), ip4
    if form == "octal":
        return ".".join(f"0{o:o}" for o in octets), ip4
    if form == "short":
        return f"{octets[0]}.{value & 0xFFFFFF}", ip4
    if form == "mapped":
        return f"::ffff:{ip4}", ip4
    if form == "6to4":
        return str(ipaddress.IPv6Address((0x2002 << 112) | (value << 80))), ip4
    if form == "nat64":
        return f"64:ff9b::{ip4}", ip4
    ip6 = ipaddress.IPv6Address(draw(st.integers(0, 2**128 - 1)))
    return (ip6.exploded if draw(st.booleans()) else str(ip6)), ip6


@examples(300)
@given(spellings())
def test_every_spelling_of_an_address_gets_the_same_verdict(
        spelled: tuple[str, ipaddress.IPv4Address | ipaddress.IPv6Address]) -> None:
    """However an address is written, the check says what the address itself is."""
    host, ip = spelled
    assert is_private_host(host) == is_private_address(ip), host


NESTED = HOSTILE["malformed_xml"].response.data().replace(b"/h/0</link>", b"<item/h/0</link>")


# found by test_feed_parser: feedparser's loose parser raised KeyError('links')
def test_an_item_opened_inside_a_link_is_not_a_crash() -> None:
    try:
        items = parse_feed(Page("http://x.invalid/feed", 200, NESTED, {}), "s")
    except FeedError as exc:
        refused(exc, "not_feed")
    else:
        news(items, "s")
