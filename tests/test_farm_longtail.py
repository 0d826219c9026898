"""The long-tail edits of the farm's bodies (bench/longtail.py): each gives a real body its
shape, and feedparser, like casewatch's parser, still reads every item of it."""

from __future__ import annotations

import io
from pathlib import Path

import feedparser
import pytest

from bench import longtail
from feeds.base import Page
from feeds.rss import parse_feed

FIXTURES = Path(__file__).parent / "fixtures"
RSS = FIXTURES / "news_search" / "google_news_search.xml"
RSS_OTHER = FIXTURES / "news_search" / "bing_news_search.xml"
ATOM = FIXTURES / "courtlistener" / "docket_feed.xml"


# (edit, the fixture it is applied to, what the edited body holds)
CASES = [
    (longtail.unknown_item_element, RSS,
     lambda b: b.count(b"<readingTime>4 min</readingTime></item>") == b.count(b"</item>")),
    (longtail.atom_source, ATOM,
     lambda b: b.count(b"</source></entry>") == b.count(b"</entry>") > 0),
    (longtail.control_character, RSS, lambda b: b"\x0b</title>" in b),
    (longtail.control_character, ATOM, lambda b: b"\x0b</title>" in b),
    (longtail.bare_ampersand, RSS_OTHER, lambda b: b" (Q & A)</title>" in b),
    (longtail.bare_ampersand, ATOM, lambda b: b" (Q & A)</title>" in b),
    (longtail.bom_before_declaration, RSS, lambda b: b.startswith(b"\xef\xbb\xbf\r\n<?xml ")),
    (longtail.second_declaration, RSS_OTHER,
     lambda b: b.startswith(b"<?xml ") and b.count(b"<?xml ", 0, 200) == 2),
    (longtail.declaration_unclosed, RSS,
     lambda b: b.startswith(b'<?xml version="1.0" encoding="UTF-8"><rss')),
    (longtail.declaration_unspaced, ATOM,
     lambda b: b.startswith(b'<?xml version="1.0"encoding="UTF-8"?>')),
]


def _titles(body: bytes) -> list[str]:
    return [e.get("title", "") for e in feedparser.parse(io.BytesIO(body)).entries]


@pytest.mark.parametrize(("edit", "path", "shaped"), CASES,
                         ids=[f"{c[0].__name__}-{c[1].stem}" for c in CASES])
def test_edit_keeps_every_item(edit: longtail.Edit, path: Path, shaped: object) -> None:
    body = path.read_bytes()
    edited = edit(body)
    assert edited is not None and edited != body
    assert shaped(edited)  # type: ignore[operator]
    before, after = _titles(body), _titles(edited)
    assert len(after) == len(before) > 0
    if edit is longtail.bare_ampersand:  # the & is text of the first title
        assert after[0] == before[0] + " (Q & A)" and after[1:] == before[1:]
    else:
        assert after == before
    items = parse_feed(Page("https://feeds.example.org/f.xml", 200, edited, {}), "f")
    assert len(items) == len(before)


def test_edits_decline_bodies_they_do_not_suit() -> None:
    rss, atom = RSS.read_bytes(), ATOM.read_bytes()
    pacer = (FIXTURES / "pacer" / "sdny_1.xml").read_bytes()  # ISO-8859-1
    assert longtail.unknown_item_element(atom) is None
    assert longtail.atom_source(rss) is None
    assert longtail.control_character(pacer) is None
    assert longtail.second_declaration(b'{"version": "https://jsonfeed.org/version/1.1"}') \
        is None
    assert longtail.declaration_unclosed(rss.split(b"?>", 1)[1]) is None


def test_variants_two_per_shape_each_of_its_own_body(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(longtail, "SMALLEST", 0)
    bodies = [p.read_bytes() for p in (RSS, RSS_OTHER, ATOM)]
    # more bodies than the fixtures: copies that differ in a comment
    bodies += [b.replace(b"<channel>", b"<channel><!-- %d -->" % n, 1)
               .replace(b"<title>", b"<!-- %d --><title>" % n, 1)
               for n in range(3) for b in bodies]
    found = longtail.variants(bodies)
    assert len(found) == 2 * len(longtail.SHAPES)
    assert len({n for _, n, _ in found}) == len(found)
    assert [shape for shape, _, _ in found] == [s for s, *_ in longtail.SHAPES for _ in "ab"]
    again = longtail.variants(bodies)
    assert again == found
