"""The long tail of real feeds: shapes feedparser reads (most with its lenient parser)
that the fast path reads too, with feedparser's values, or declines.

Each body is a real feed body of the repository's fixtures with one small edit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest

from feeds.fastfeed import read_entries
from feeds.xmlrepair import repair
from tests.test_fastfeed import reference

FIXTURES = Path(__file__).parent / "fixtures"
ATOM = (FIXTURES / "courtlistener" / "docket_feed.xml").read_bytes()
BING = (FIXTURES / "news_search" / "bing_news_search.xml").read_bytes()
GOOGLE = (FIXTURES / "news_search" / "google_news_search.xml").read_bytes()
BODIES = {"atom": ATOM, "bing": BING, "google": GOOGLE}
DECLARATION = re.compile(rb"<\?xml[^>]*\?>")


def fields(body: bytes) -> list[tuple[object, ...]] | None:
    entries = read_entries(body)
    if entries is None:
        return None
    return [(e.id, e.link, e.title, e.summary, e.published or e.updated or e.created)
            for e in entries]


def in_titles(text: bytes) -> Callable[[bytes], bytes]:
    """`text` at the end of every item's (or entry's) title."""
    def edit(body: bytes) -> bytes:
        return re.sub(rb"(<(?:item|entry)\b.*?)</title>", rb"\1" + text + rb"</title>", body,
                      flags=re.DOTALL)
    return edit


def before_item_ends(element: bytes) -> Callable[[bytes], bytes]:
    return lambda body: re.sub(rb"</(item|entry)>", element + rb"</\1>", body)


def declared(declaration: bytes) -> Callable[[bytes], bytes]:
    return lambda body: DECLARATION.sub(declaration, body, count=1)


EDITS: dict[str, Callable[[bytes], bytes]] = {
    # 1. elements the reader does not know
    "un-namespaced element": before_item_ends(b"<readingTime>4 min</readingTime>"),
    "wordpress post-id": before_item_ends(
        b'<post-id xmlns="com-wordpress:feed-additions:1">497</post-id>'),
    "unknown namespace, with elements inside": before_item_ends(
        b'<foo:bar xmlns:foo="urn:x-foo" a="1"><foo:baz>x</foo:baz>text</foo:bar>'),
    "comment feed of an unknown namespace": before_item_ends(
        b'<wfx:commentRss xmlns:wfx="urn:x-wfx">https://e.org/c/feed</wfx:commentRss>'),
    # 3. control characters in text
    "vertical tab in titles": in_titles(b" \x0b"),
    "escape, form feed and NUL in titles": in_titles(b" a\x1bb\x0cc\x00d"),
    # 4. bare ampersands
    "bare & in titles": in_titles(b" (Q & A) AT&T"),
    "bare & and entities without ; in titles": in_titles(b" &copy 2026 &c &#12 &x.y=1"),
    # 5. before the root
    "whitespace before the declaration": lambda body: b"\n  " + body,
    "BOM and a line break before the declaration": lambda body: b"\xef\xbb\xbf\r\n" + body,
    "a second declaration": lambda body: DECLARATION.sub(
        lambda found: found.group(0) + b'\n<?xml version="1.0" encoding="UTF-8"?>', body,
        count=1),
    # 6. malformed declarations
    "declaration closed by >": declared(b'<?xml version="1.0" encoding="UTF-8">'),
    "declaration without spaces": declared(b'<?xml version="1.0"encoding="UTF-8"?>'),
    "declaration without a version": declared(b'<?xml encoding="utf-8"?>'),
    "declaration with an unquoted version": declared(b"<?xml version=1.0?>"),
    "declaration in single quotes, standalone": declared(
        b"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"),
}


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_long_tail_shapes_are_read_with_feedparsers_values(name: str, edit: str) -> None:
    body = BODIES[name]
    edited = EDITS[edit](body)
    assert edited != body
    ours = fields(edited)
    assert ours is not None
    assert ours == reference(edited)
    assert len(ours) == len(feedparser.parse(body).entries) > 0


SOURCE = (b"<source><id>tag:origin.example.org,2026:feed</id><title>The origin</title>"
          b'<link rel="alternate" href="https://origin.example.org/"/>'
          b"<updated>2026-01-05T12:00:00Z</updated><author><name>A. Writer</name></author>"
          b"</source>")


def test_an_encoding_declared_after_whitespace_is_not_read() -> None:
    """feedparser reads the encoding of a declaration at the very start only."""
    edited = b"\n" + ATOM.replace(b'encoding="utf-8"', b'encoding="iso-8859-1"')
    ours = fields(edited)
    assert ours is not None and ours == reference(edited) == reference(ATOM)


@pytest.mark.parametrize("where", ["first", "last"])
def test_an_atom_source_is_not_read_into_its_entry(where: str) -> None:
    if where == "first":
        edited = re.sub(rb"(<entry>)", rb"\1" + SOURCE, ATOM)
    else:
        edited = ATOM.replace(b"</entry>", SOURCE + b"</entry>")
    assert edited != ATOM
    ours = fields(edited)
    assert ours is not None and ours == reference(edited) == reference(ATOM)
    assert all("origin" not in str(entry) for entry in ours)


def test_bare_ampersands_in_links_and_guids() -> None:
    """Bing's links, their `&amp;` written bare; the lenient parser keeps `&amp;` in an
    id as it is written, and the fast path gives the same."""
    edited = re.sub(rb"<link>([^<]*)</link>", lambda m: b"<link>" + m.group(1).replace(
        b"&amp;", b"&") + b"</link>", BING)
    edited = in_titles(b" \x0b")(edited.replace(b"</item>", b"<guid isPermaLink=\"false\">"
                                                b"a&amp;b&#38;c &lt;</guid></item>"))
    assert edited.count(b"&") > BING.count(b"&") // 2
    ours = fields(edited)
    assert ours is not None and ours == reference(edited)
    assert "a&amp;b&amp;c &lt;" in {entry[0] for entry in ours}


def test_references_in_attributes_are_kept_as_written() -> None:
    """The lenient parser keeps `&#038;` in an href as written (`&amp;` is `&`)."""
    edited = in_titles(b" \x0b")(ATOM.replace(
        b'href="https://www.courtlistener.com/docket/', b'href="https://www.courtlistener.com'
        b'/?a=1&#038;b=2&amp;c&d=4/docket/'))
    assert edited.count(b"&#038;") > 0
    ours = fields(edited)
    assert ours is not None and ours == reference(edited)
    assert any("&#038;" in str(entry[1]) for entry in ours)


@pytest.mark.parametrize("body", [
    # an unknown element holding one feedparser reads as the entry's title
    before_item_ends(b'<foo:bar xmlns:foo="urn:x-foo"><title>not this</title></foo:bar>')(
        GOOGLE),
    # an unknown element whose name feedparser stores where a field is kept
    before_item_ends(b"<date_parsed>x</date_parsed>")(GOOGLE),
    before_item_ends(b"<Title>x</Title>")(GOOGLE),
    # an element of the item feedparser reads (an image holds its own title)
    before_item_ends(b"<image><title>x</title></image>")(BING),
    # a source holding what feedparser would read as the entry's content
    ATOM.replace(b"</entry>", b"<source><content>x</content></source></entry>"),
    # a media title after a source: feedparser then takes it for the title
    ATOM.replace(b"</entry>", SOURCE + b'<media:title xmlns:media="http://search.yahoo.com/'
                 b'mrss/">not this</media:title></entry>'),
    # another encoding declared, a control character in a tag, text before the root, a
    # quote by reference in an attribute the lenient parser reads
    ATOM.replace(b'<?xml version="1.0" encoding="utf-8"?>',
                 b'<?xml version=1.0 encoding="iso-8859-1"?>'),
    ATOM.replace(b"<entry>", b"<entry \x0b>"),
    b"junk" + ATOM,
    in_titles(b"\x0b")(ATOM.replace(b'rel="alternate"', b'rel="alternate" title="&#39;x"')),
])
def test_declines_what_feedparser_reads_differently(body: bytes) -> None:
    assert read_entries(body) is None


def test_repair_keeps_stand_ins_apart_from_the_text() -> None:
    assert repair(in_titles("\U000f000b".encode())(ATOM) + b"\x0b") is None
    repaired = repair(in_titles(b"\x0b")(ATOM))
    assert repaired is not None and repaired[1]
