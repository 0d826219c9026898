"""A body polled again is parsed only for its new items, with the values a whole parse
gives them: cutting known items out of the bytes changes nothing for the others.

Checked over every feed body in the repository's fixtures and, when present, every real
feed body of the bench data (`../shared/bench-data/feeds`, or $CASEWATCH_BENCH_DATA).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from feeds.base import FeedError, Page, PollResult, SourceState
from feeds.feedchunks import chunks
from feeds.rss import FeedConfig, FeedSource, parse_feed, parse_new
from tests.conftest import FEED_BODIES, REAL_FEEDS


def page(body: bytes) -> Page:
    return Page("https://example.org/feed", 200, body, {})


@pytest.mark.slow
@pytest.mark.parametrize("path", FEED_BODIES, ids=lambda p: p.name)
def test_known_items_are_cut_and_the_rest_read_as_in_a_whole_parse(path: Path) -> None:
    body = path.read_bytes()
    try:
        whole = parse_feed(page(body), "s")
    except FeedError:
        return
    first = parse_new(page(body), "s")
    assert first.items == whole and first.unchanged == 0
    if not first.fingerprints:
        return  # not cut into items: always parsed whole
    assert len(first.fingerprints) == len(whole)
    for keep in (0, 1):  # every other item known, then the others
        known = frozenset(f for n, f in enumerate(first.fingerprints) if n % 2 != keep)
        again = parse_new(page(body), "s", known)
        # (an item repeated byte for byte is known as soon as one of its copies is)
        assert again.items == [item for item, mark in zip(whole, first.fingerprints,
                                                           strict=True) if mark not in known]
        assert again.unchanged == sum(mark in known for mark in first.fingerprints)
        assert again.fingerprints == first.fingerprints
    everything = parse_new(page(body), "s", frozenset(first.fingerprints))
    assert everything.items == [] and everything.unchanged == len(whole)


def test_most_real_feeds_are_cut_into_items() -> None:
    real = REAL_FEEDS
    if not real:
        pytest.skip("no bench data")
    cut = [p for p in real if chunks(p.read_bytes()) is not None]
    assert len(cut) >= len(real) * 3 // 4


RSS = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<lastBuildDate>%s</lastBuildDate>%s</channel></rss>"""


def item(n: int, extra: bytes = b"") -> bytes:
    return (b"<item><title>Story %d</title><link>https://example.org/%d</link>"
            b"<description><![CDATA[<p>Not an </item> end %d</p>]]></description>%s</item>"
            % (n, n, n, extra))


def test_a_new_item_among_known_ones_is_the_only_one_parsed() -> None:
    first = parse_new(page(RSS % (b"Mon", item(1) + item(2))), "s")
    assert [i.title for i in first.items] == ["Story 1", "Story 2"]
    body = RSS % (b"Tue", item(3) + item(1) + item(2))
    again = parse_new(page(body), "s", frozenset(first.fingerprints))
    assert [i.title for i in again.items] == ["Story 3"] and again.unchanged == 2


def test_an_edited_item_is_parsed_again() -> None:
    first = parse_new(page(RSS % (b"Mon", item(1))), "s")
    edited = parse_new(page(RSS % (b"Mon", item(1, b"<category>x</category>"))), "s",
                       frozenset(first.fingerprints))
    assert [i.title for i in edited.items] == ["Story 1"] and edited.unchanged == 0


def test_a_changed_prolog_or_charset_makes_every_item_new() -> None:
    body = RSS % (b"Mon", item(1))
    first = parse_new(page(body), "s")
    declared = body.replace(b'version="2.0"', b'version="2.0" xmlns:x="urn:x"')
    assert parse_new(page(declared), "s", frozenset(first.fingerprints)).unchanged == 0
    typed = Page("https://example.org/feed", 200, body,
                 {"Content-Type": "application/rss+xml; charset=utf-8"})
    assert parse_new(typed, "s", frozenset(first.fingerprints)).unchanged == 0


@pytest.mark.parametrize("body", [
    b"<rss><channel><item><title>a</title></channel></rss>",  # not well-formed
    b"""<!DOCTYPE rss [<!ENTITY e "x">]><rss><channel><item><title>&e;</title></item>
</channel></rss>""",  # entities
    b"""<rss><channel><item><title>a</title></item></channel>
<x xmlns="urn:y"><item/></x></rss>""",  # an item elsewhere
    b"""<feed xmlns:a="http://www.w3.org/2005/Atom"><a:entry/></feed>""",  # prefixed
])
def test_bodies_it_cannot_delimit_are_parsed_whole(body: bytes) -> None:
    assert chunks(body) is None


def test_a_source_remembers_its_items_across_polls_of_the_same_body() -> None:
    bodies = [RSS % (b"Mon", item(1) + item(2)), RSS % (b"Mon", item(1) + item(2)),
              RSS % (b"Tue", item(3) + item(1) + item(2))]

    async def fetch(url: str, **_: object) -> Page:
        return page(bodies.pop(0))

    async def run() -> list[PollResult]:
        source = FeedSource(FeedConfig(id="s", kind="feed", url="https://example.org/feed"))
        results, state = [], SourceState()
        for _ in range(3):
            result = await source.poll(fetch, state)
            results.append(result)
            state = SourceState(result.etag, result.last_modified, result.state)
        return results

    first, same, third = asyncio.run(run())
    assert len(first.items) == 2 and same.not_modified
    assert [i.title for i in third.items] == ["Story 3"] and third.unchanged == 2
