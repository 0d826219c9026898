"""The items of an RSS or Atom body as byte ranges with fingerprints.

A feed polled again mostly repeats items it had last time. Each item's bytes, together
with what could change their meaning (the document's prolog up to its root start tag:
encoding, entities, namespaces, base; and the Content-Type header), make a fingerprint.
An item whose fingerprint was in the last body is already stored, so its bytes can be
cut from the body before parsing: the parser (fast path or feedparser) reads only the
new items, from their own unchanged bytes.

Ranges are found by a scan that steps over CDATA sections, comments and processing
instructions, and are only trusted when lxml reads the body strictly and finds exactly
as many items, all where the feed's items belong. Anything else: no ranges, and the
whole body is parsed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS1 = "http://purl.org/rss/1.0/"

_ATTRS = rb"""(?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*"""
_PROLOG = re.compile(
    rb"(?:\s|\xef\xbb\xbf|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*"
    rb"<[^\s>/!?]+" + _ATTRS + rb"/?>", re.DOTALL)


def _tokens(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"<(?:(?P<skip>!\[CDATA\[|!--|\?)|(?P<open>" + name
                      + rb"(?=[\s/>]))|(?P<close>/" + name + rb"\s*>))")


_START_TAG_REST = re.compile(_ATTRS + rb"(/?)>")
_SKIP_TO = {b"![CDATA[": b"]]>", b"!--": b"-->", b"?": b"?>"}
_ITEM, _ENTRY = _tokens(b"item"), _tokens(b"entry")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=False,
                          huge_tree=True)


@dataclass(frozen=True, slots=True)
class Chunks:
    """The byte ranges of a body's items, in document order, and their fingerprints."""

    spans: tuple[tuple[int, int], ...]
    fingerprints: tuple[str, ...]


def spans(body: bytes, pattern: re.Pattern[bytes]) -> list[tuple[int, int]] | None:
    """Start and end of every element the pattern names; None if they nest or do not close.

    CDATA sections, comments and processing instructions are stepped over with
    `bytes.find` (their content is most of a feed's bytes)."""
    found: list[tuple[int, int]] = []
    start: int | None = None
    at = 0
    while (m := pattern.search(body, at)) is not None:
        at = m.end()
        if m.group("skip"):
            closing = _SKIP_TO[m.group("skip")]
            end = body.find(closing, at)
            if end < 0:
                return None
            at = end + len(closing)
        elif m.group("open"):
            rest = _START_TAG_REST.match(body, at)
            if start is not None or rest is None:
                return None
            at = rest.end()
            if rest.group(1):
                found.append((m.start(), at))
            else:
                start = m.start()
        else:
            if start is None:
                return None
            found.append((start, at))
            start = None
    return None if start is not None else found


def _item_count(body: bytes) -> tuple[re.Pattern[bytes], int] | None:
    """The scan for this feed's items and how many lxml finds, or None: not a shape whose
    items the scan can delimit (every element of that name must be a feed item)."""
    root = etree.fromstring(body, _PARSER)
    if root.tag == "rss":
        items = len(root.findall("channel/item"))
        return (_ITEM, items) if items == sum(1 for _ in root.iter("item")) else None
    if root.tag == f"{{{ATOM}}}feed" and root.prefix is None:
        entries = len(root.findall(f"{{{ATOM}}}entry"))
        total = sum(1 for _ in root.iter(f"{{{ATOM}}}entry"))
        return (_ENTRY, entries) if entries == total else None
    if root.tag == f"{{{RDF}}}RDF" and root.nsmap.get(None) == RSS1:
        items = len(root.findall(f"{{{RSS1}}}item"))
        return (_ITEM, items) if items == sum(1 for _ in root.iter(f"{{{RSS1}}}item")) \
            else None
    return None


def chunks(body: bytes, content_type: str = "") -> Chunks | None:
    """The items of an RSS 2.0, RSS 1.0 or Atom body as byte ranges, or None."""
    prolog = _PROLOG.match(body)
    if prolog is None or b"<!ENTITY" in body:
        return None
    try:
        counted = _item_count(body)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if counted is None:
        return None
    pattern, count = counted
    found = spans(body, pattern)
    if found is None or len(found) != count:
        return None
    context = hashlib.blake2b(prolog.group(0) + b"\0" + content_type.lower().encode(),
                              digest_size=16).digest()
    prints = tuple(hashlib.blake2b(context + body[a:b], digest_size=8).hexdigest()
                   for a, b in found)
    return Chunks(spans=tuple(found), fingerprints=prints)


def without(body: bytes, drop: list[tuple[int, int]]) -> bytes:
    """The body with the given ranges (in document order) cut out."""
    parts, at = [], 0
    for start, end in drop:
        parts.append(body[at:start])
        at = end
    parts.append(body[at:])
    return b"".join(parts)
