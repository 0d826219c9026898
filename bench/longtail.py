"""The long tail of feed shapes, made from real bodies by small edits.

Of 100 real feed bodies outside the bench data, the fast reader (feeds/fastfeed.py)
once declined 8, 17% of the bytes, and feedparser took most of the parse time reading
them; it now reads them (feeds/xmlrepair.py). Each edit here gives a real body one of
the shapes they had, so that the farm measures that path:

1. `unknown_item_element`: an element of the publisher's own inside each RSS item;
2. `atom_source`: an `atom:source` inside each Atom entry;
3. `control_character`: a control character in a title;
4. `bare_ampersand`: an `&` that starts no entity, in a title;
5. `bom_before_declaration` / `second_declaration`: a BOM and a line break before the
   XML declaration, or a second XML declaration after the first;
6. `declaration_unclosed` / `declaration_unspaced`: a malformed XML declaration (`>` in
   place of `?>`, no space between its pseudo-attributes).

Each returns None for a body it does not suit (an Atom body for RSS items, a body
without a declaration for the declaration edits). feedparser still reads every edited
body, with the same items (tests/test_farm_longtail.py). `variants` picks, for each
shape, two suitable bodies of the bench data in a fixed order, so that the farm serves
the same long tail on every run.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Edit = Callable[[bytes], bytes | None]

_HEAD = 4000
_DECLARATION = re.compile(rb"<\?xml\s[^>]*?\?>")
_BOM = b"\xef\xbb\xbf"


def kind(body: bytes) -> str:
    """"rss" (2.0), "rdf" (1.0), "atom", "json" or "" by the body's first bytes."""
    head = body[:_HEAD]
    if head.lstrip(_BOM + b" \t\r\n")[:1] == b"{":
        return "json"
    if b"<rdf:RDF" in head:
        return "rdf"
    if re.search(rb"<feed[\s>]", head):
        return "atom"
    if re.search(rb"<rss[\s>]", head):
        return "rss"
    return ""


def _utf8(body: bytes) -> bool:
    """A body declared (or taken) as UTF-8: the edits add ASCII only, but the shapes
    should be the only thing a reader could decline."""
    found = re.search(rb"encoding\s*=\s*[\"']([^\"']*)", body[:200])
    return found is None or found.group(1).lower() in (b"utf-8", b"utf8")


def _first_item_title_end(body: bytes, item: bytes) -> int:
    """Where the first item's (or entry's) title ends: the index of its `</title>`."""
    start = re.search(rb"<" + item + rb"[\s>]", body)
    if start is None:
        return -1
    close = body.find(b"</" + item + b">", start.end())
    end = body.find(b"</title>", start.end())
    return end if 0 <= end < close else -1


def unknown_item_element(body: bytes) -> bytes | None:
    if kind(body) != "rss" or not _utf8(body):
        return None
    edited, count = re.subn(rb"</item>", b"<readingTime>4 min</readingTime></item>", body)
    return edited if count else None


def atom_source(body: bytes) -> bytes | None:
    """An `atom:source` after each entry's own elements (an entry copied from another
    feed keeps its origin there); only in Atom bodies whose default namespace is
    Atom's, so that `<source>` is atom:source."""
    if kind(body) != "atom" or not _utf8(body) or \
            b'xmlns="http://www.w3.org/2005/Atom"' not in body[:_HEAD]:
        return None
    source = (b"<source><id>tag:origin.example.org,2026:feed</id>"
              b"<title>The original publisher</title>"
              b'<link rel="self" href="https://origin.example.org/feed.atom"/>'
              b"<updated>2026-01-05T12:00:00Z</updated></source>")
    edited, count = re.subn(rb"</entry>", source + b"</entry>", body)
    return edited if count else None


def _in_first_title(body: bytes, text: bytes) -> bytes | None:
    if not _utf8(body):
        return None
    item = {"rss": b"item", "rdf": b"item", "atom": b"entry"}.get(kind(body))
    at = _first_item_title_end(body, item) if item else -1
    if at < 0:
        return None
    return body[:at] + text + body[at:]


def control_character(body: bytes) -> bytes | None:
    """A vertical tab (as pasted from a word processor) at the end of the first title,
    outside any CDATA section."""
    return _in_first_title(body, b" \x0b")


def bare_ampersand(body: bytes) -> bytes | None:
    return _in_first_title(body, b" (Q & A)")


def _declared(body: bytes) -> re.Match[bytes] | None:
    found = _DECLARATION.match(body.removeprefix(_BOM))
    return found if found and _utf8(body) and kind(body) in ("rss", "atom", "rdf") else None


def bom_before_declaration(body: bytes) -> bytes | None:
    if _declared(body) is None:
        return None
    return _BOM + b"\r\n" + body.removeprefix(_BOM)


def second_declaration(body: bytes) -> bytes | None:
    found = _declared(body)
    if found is None:
        return None
    body = body.removeprefix(_BOM)
    return body[:found.end()] + b'\n<?xml version="1.0" encoding="UTF-8"?>' + body[found.end():]


def declaration_unclosed(body: bytes) -> bytes | None:
    """`<?xml version="1.0" encoding="UTF-8">`: the declaration closed as an element."""
    found = _declared(body)
    if found is None:
        return None
    body = body.removeprefix(_BOM)
    return b'<?xml version="1.0" encoding="UTF-8">' + body[found.end():]


def declaration_unspaced(body: bytes) -> bytes | None:
    """`<?xml version="1.0"encoding="UTF-8"?>`: no space between pseudo-attributes."""
    found = _declared(body)
    if found is None:
        return None
    body = body.removeprefix(_BOM)
    return b'<?xml version="1.0"encoding="UTF-8"?>' + body[found.end():]


# (shape, the edit of its first body, that of its second)
SHAPES: list[tuple[str, Edit, Edit]] = [
    ("unknown item element", unknown_item_element, unknown_item_element),
    ("atom:source in an entry", atom_source, atom_source),
    ("control character in text", control_character, control_character),
    ("bare &", bare_ampersand, bare_ampersand),
    ("BOM, whitespace or a second declaration before the root",
     bom_before_declaration, second_declaration),
    ("malformed XML declaration", declaration_unclosed, declaration_unspaced),
]
# bodies of a middling size (100 KB to 700 KB): the long tail's share of the farm's bytes
# comes near the one seen on the web
SMALLEST, LARGEST = 100_000, 700_000


def variants(bodies: list[bytes]) -> list[tuple[str, int, bytes]]:
    """(shape, index of the real body edited, edited body): two for each shape, each from
    a different body, taken in the bodies' order among those of a middling size."""
    out: list[tuple[str, int, bytes]] = []
    used: set[int] = set()
    for shape, *edits in SHAPES:
        for edit in edits:
            for n, body in enumerate(bodies):
                if n in used or not SMALLEST <= len(body) <= LARGEST:
                    continue
                edited = edit(body)
                if edited is not None:
                    out.append((shape, n, edited))
                    used.add(n)
                    break
    return out


def spread(real: list[bytes], tail: list[bytes]) -> tuple[list[bytes], set[int]]:
    """The real bodies with the long-tail ones set evenly among them (the farm serves
    body n % len(bodies) as feed n: the slow ones side by side would busy every worker
    at once), and the indices of the long-tail ones."""
    out: list[bytes] = []
    at: set[int] = set()
    step = (len(real) + len(tail)) / max(1, len(tail))
    pending = list(tail)
    for body in real:
        if pending and len(out) + 1 >= step * (len(at) + 1):
            at.add(len(out))
            out.append(pending.pop(0))
        out.append(body)
    at.update(range(len(out), len(out) + len(pending)))
    return out + pending, at
