"""The lxml fast path gives feedparser's items, or declines: never a guess of its own.

The summary is compared as plain text: the text of feedparser's sanitised markup.

Checked over every feed body in the repository's fixtures and, when present, every real
feed body of the bench data (`../shared/bench-data/feeds`, or $CASEWATCH_BENCH_DATA).
"""

from __future__ import annotations

import io
from pathlib import Path

import feedparser
import pytest

from feeds.base import Page
from feeds.fastfeed import read_entries
from feeds.htmltext import plain
from feeds.rss import parse_feed
from tests.conftest import FEED_BODIES, REAL_FEEDS


def _summary(entry: feedparser.FeedParserDict) -> str | None:
    if entry.get("summary") is None:
        return None
    return plain(entry["summary"], entry.get("summary_detail", {}).get("type", "text/html"))


def reference(body: bytes) -> list[tuple[object, ...]]:
    parsed = feedparser.parse(io.BytesIO(body))
    return [
        (e.get("id"), e.get("link"), e.get("title"), _summary(e),
         e.get("published_parsed") or e.get("updated_parsed") or e.get("created_parsed"))
        for e in parsed.entries
    ]


@pytest.mark.slow
@pytest.mark.parametrize("path", FEED_BODIES, ids=lambda p: p.name)
def test_fast_path_equals_feedparser_or_declines(path: Path) -> None:
    body = path.read_bytes()
    entries = read_entries(body)
    if entries is None:
        return  # declined: feedparser reads it
    ours = [(e.id, e.link, e.title, e.summary, e.published or e.updated or e.created)
            for e in entries]
    assert ours == reference(body)


def test_the_fast_path_serves_most_real_feeds() -> None:
    real = REAL_FEEDS
    if not real:
        pytest.skip("no bench data")
    served = [p for p in real if read_entries(p.read_bytes()) is not None]
    assert len(served) >= len(real) // 2


SHAPES = {
    "rss": b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>Doe v. Twitter &amp; more</title><link>https://example.org/a?x=1&amp;y=2</link>
<guid isPermaLink="false">g-1</guid><pubDate>Tue, 03 Feb 2026 10:00:00 GMT</pubDate>
<description><![CDATA[<p>Filed <script>alert(1)</script><a href="/rel">here</a></p>]]></description>
</item></channel></rss>""",
    "atom": b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>t</title><entry><title type="html">A &lt;b&gt;ruling&lt;/b&gt;</title>
<link rel="alternate" href="https://example.org/b"/><id>tag:example.org,2026:b</id>
<updated>2026-02-03T10:00:00Z</updated><summary>Plain text</summary></entry></feed>""",
    "rss without description": b"""<?xml version="1.0"?><rss version="2.0"
xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title><item>
<title>x</title><link>https://example.org/c</link>
<content:encoded><![CDATA[<p onclick="x()">Full text</p>]]></content:encoded></item>
</channel></rss>""",
    "atom with xml:base on the feed, an entry and a content": b"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/blog/"><entry
xml:base="posts/"><id>1</id><title>A ruling</title><link href="a"/><content type="html"
xml:base="https://example.org/other/">&lt;p>See &lt;a href="x">the order&lt;/a>&lt;/p>
</content></entry></feed>""",
    "wordpress, media and https dublin core": b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
xmlns:dc="https://purl.org/dc/elements/1.1/"
xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title><item>
<title>Doe v. Twitter amended</title><link>https://example.org/e</link>
<dc:creator>A. Writer</dc:creator><description>Short &lt;b&gt;summary&lt;/b&gt;</description>
<content:encoded><![CDATA[<p>Longer</p>]]></content:encoded>
<media:content url="https://example.org/e.jpg"><media:title>a photo</media:title>
<media:description>in the content</media:description></media:content>
<post-id xmlns="com-wordpress:feed-additions:1">497</post-id>
<media:description>the item's own, after a content: the summary</media:description>
</item></channel></rss>""",
    "html entities, and a script after the root": b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title><item><title>Caf&eacute; owner sues &mdash; Re&colon;
x &nbsp; y</title><link>https://example.org/f?a=1&amp;b=2</link><description><![CDATA[<p>Kept
&colon; as is &nbsp;</p>]]></description><!-- &copy; --></item></channel></rss>
<script src="/cdn-cgi/email-decode.min.js"></script>""",
    "youtube": b"""<?xml version="1.0" encoding="UTF-8"?><feed
xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:media="http://search.yahoo.com/mrss/"
xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>yt:video:x</id>
<yt:videoId>x</yt:videoId><title>Hearing</title><link rel="alternate" href="https://y.test/x"/>
<published>2026-02-03T10:00:00+00:00</published><media:group><media:title>Hearing</media:title>
<media:description>What the court heard</media:description><media:community>
<media:starRating count="1" average="5.00"/></media:community></media:group></entry></feed>""",
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_common_shapes_take_the_fast_path_with_feedparsers_values(shape: str) -> None:
    body = SHAPES[shape]
    entries = read_entries(body)
    assert entries is not None
    assert [(e.id, e.link, e.title, e.summary, e.published or e.updated or e.created)
            for e in entries] == reference(body)


@pytest.mark.parametrize("body", [
    # an element of the item feedparser reads into the summary
    b"""<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><item>
<title>x</title><media:description>d</media:description></item></channel></rss>""",
    # a base in RSS
    b"""<rss version="2.0" xml:base="https://example.org/"><channel><item>
<title>x</title><link>a</link></item></channel></rss>""",
    # a media title where the item has none of its own
    b"""<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><item>
<media:content url="u"><media:title>m</media:title></media:content></item></channel></rss>""",
    # not well-formed
    b"""<rss version="2.0"><channel><item><title>x <b>y</title></item></channel></rss>""",
    # not UTF-8
    b"""<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><item>
<title>caf\xe9</title></item></channel></rss>""",
])
def test_declines_what_it_does_not_read_as_feedparser_does(body: bytes) -> None:
    assert read_entries(body) is None


def test_parse_feed_falls_back_to_feedparser() -> None:
    body = b"""<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel>
<title>t</title><item><title>caf\xe9</title><link>https://example.org/d</link></item>
</channel></rss>"""
    items = parse_feed(Page("https://example.org/feed", 200, body, {}), "s")
    assert [(i.title, i.url, i.guid) for i in items] == [
        ("caf\u00e9", "https://example.org/d", "https://example.org/d")]


def test_an_item_with_neither_id_nor_link_keeps_its_identity() -> None:
    """Its GUID has always been a hash of its title and feedparser's (sanitised) summary;
    the summary is now kept as text, and the identity does not change with it."""
    import hashlib

    body = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>Order</title><description>&lt;p onclick="x()"&gt;Granted
&lt;script&gt;x()&lt;/script&gt;in part&lt;/p&gt;</description></item>
</channel></rss>"""
    old = feedparser.parse(io.BytesIO(body)).entries[0]
    expected = "sha1:" + hashlib.sha1((old.title + old.summary).encode()).hexdigest()
    assert read_entries(body) is not None
    fast = parse_feed(Page("https://example.org/feed", 200, body, {}), "s")
    slow = parse_feed(Page("https://example.org/feed", 200, body.replace(b"utf-8", b"iso-8859-1"),
                           {}), "s")  # declined by the fast path: feedparser
    for items in (fast, slow):
        assert [(i.guid, i.summary) for i in items] == [(expected, "Granted in part")]


ITEM = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>T</title><link>https://e.org/x</link><description>%s</description>"
        b"</item></channel></rss>%s")


@pytest.mark.parametrize("tail", [b"", b"<script src='/cdn-cgi/x.js'></script>"],
                         ids=["well-formed", "a script after the root"])
@pytest.mark.parametrize("description", [
    b"&lt;p&gt;a &nbsp; b&lt;/p&gt;",
    b"caf&eacute; &colon; x",  # HTML entities in XML: not well-formed
    b"<![CDATA[a &amp; b]]>",
    b"<![CDATA[<p>a</p>]]> &eacute;",
    b"&lt;p&gt;&amp;colon; x&lt;/p&gt;",  # an entity only HTML5 names
    b"a &amp;nbsp; b",
    b"<![CDATA[<p>Kept &colon; as is &nbsp;</p>]]>",
    b"it&apos;s &amp;apos; x",
    b"&amp;hellip; &amp;#8217;",
])
def test_entities_and_trailing_bytes_read_as_feedparser_reads_them(
        description: bytes, tail: bytes) -> None:
    body = ITEM % (description, tail)
    entries = read_entries(body)
    assert entries is not None
    assert [(e.id, e.link, e.title, e.summary, e.published) for e in entries] == reference(body)
