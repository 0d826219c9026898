"""A fast reader for the common shapes of RSS 2.0, RSS 1.0 and Atom 1.0, built on lxml.

feedparser is the reference: this module gives, for the fields casewatch uses (title,
link, id, dates, summary), exactly what feedparser gives, or declines (returns None) so
that the caller asks feedparser. It declines whatever it does not know to read the way
feedparser does: a document lxml will not parse strictly, a DOCTYPE, xml:base, an
encoding other than UTF-8, an element of an unknown namespace inside an item, xhtml or
base64 content, a content element before its item's description. Text that carries
markup or entities goes through feedparser's own URI resolver and sanitiser, as
feedparser would; plain text gets feedparser's character fix-ups. A test holds it to
feedparser's output over every real feed body of the bench data.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from feedparser.api import StrictFeedParser
from feedparser.datetimes import _parse_date
from feedparser.mixin import _cp1252, _FeedParserMixin
from feedparser.sanitizer import _sanitize_html
from feedparser.urls import _urljoin, resolve_relative_uris
from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS1 = "http://purl.org/rss/1.0/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"

# Namespaced children of an item that feedparser keeps away from our fields.
_HARMLESS = {
    DC: {"creator", "subject", "rights", "publisher", "language", "contributor", "format",
         "type", "source", "coverage", "relation"},
    "http://purl.org/rss/1.0/modules/slash/": None,
    "http://wellformedweb.org/CommentAPI/": None,
    "http://search.yahoo.com/mrss/": {"content", "thumbnail", "credit", "category",
                                      "keywords", "rating", "player"},
    "http://www.georss.org/georss": None,
    "http://www.w3.org/2003/01/geo/wgs84_pos#": None,
    "http://purl.org/syndication/thread/1.0": None,
    "http://www.itunes.com/dtds/podcast-1.0.dtd": {"author", "explicit", "duration", "image",
                                                   "episode", "season", "episodeType",
                                                   "keywords", "block"},
}
_DATE_KEYS = {"published": "published", "pubDate": "published", "issued": "published",
              "updated": "updated", "modified": "updated", "created": "created"}
_TAG = re.compile(r"</?(\w+)")
_HTML_TYPES = _FeedParserMixin.html_types
_RELATIVE = _FeedParserMixin.can_contain_relative_uris
_DANGEROUS = _FeedParserMixin.can_contain_dangerous_markup
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=False,
                          remove_comments=True, remove_pis=True, huge_tree=True)


_KNOWN_NAMESPACES = frozenset(_FeedParserMixin.namespaces)


def _harmless(child: etree._Element, space: str, local: str) -> bool:
    """An element feedparser keeps out of title, link, id, dates and summary."""
    if len(child):
        return False
    if space in _HARMLESS:
        allowed = _HARMLESS[space]
        return allowed is None or local in allowed
    if space in _KNOWN_NAMESPACES or not child.prefix:
        return False
    # a namespace feedparser does not know: stored under "prefix_local", unless the
    # document's prefix happens to name one of feedparser's handlers
    name = f"{child.prefix}_{local}".lower()
    return not (hasattr(StrictFeedParser, "_start_" + name)
                or hasattr(StrictFeedParser, "_end_" + name))


class Decline(Exception):
    """This body is not one the fast path reads exactly as feedparser does."""


@dataclass(frozen=True, slots=True)
class Entry:
    """The fields of one entry, with feedparser's values (None: absent)."""

    id: str | None
    link: str | None
    title: str | None
    summary: str | None
    published: time.struct_time | None
    updated: time.struct_time | None
    created: time.struct_time | None


def _content_type(value: str) -> str:
    return _FeedParserMixin.map_content_type(value)


def _finish(element: str, text: str, content_type: str, *, atom: bool) -> str:
    """What feedparser's `pop` makes of an element's text (strict parser, UTF-8).

    Sanitising markup with feedparser's sanitiser is most of the cost of reading a feed;
    a feed polled again is read only for its new items (feeds.feedchunks)."""
    output = text.strip()
    if not atom and content_type == "text/plain" and _FeedParserMixin.looks_like_html(output):
        content_type = "text/html"
    if content_type in _HTML_TYPES and ("<" in output or "&" in output):
        if element in _RELATIVE:
            output = resolve_relative_uris(output, "", "utf-8", content_type)
        if element in _DANGEROUS:
            output = _sanitize_html(output, "utf-8", content_type)
    elif content_type in _HTML_TYPES and element in _DANGEROUS and output and (
            ">" in output):
        raise Decline("markup without tags")
    if not output.isascii():
        try:
            output = output.encode("iso-8859-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        output = output.translate(_cp1252)
    return output


def _text(node: etree._Element) -> str:
    if len(node):
        raise Decline("an element inside a text element")
    if node.get("mode") == "base64" or node.get("{http://www.w3.org/XML/1998/namespace}base"):
        raise Decline("base64 or xml:base")
    return node.text or ""


def _link_text(text: str) -> str:
    output = _urljoin("", text.strip())
    output = output.replace("&amp;", "&")
    return re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", output)


def _date(text: str) -> time.struct_time | None:
    return _parse_date(text.strip()) if text.strip() else None


def _rss_entry(item: etree._Element, ns: str) -> Entry:
    found: dict[str, str | None] = {}
    dates: dict[str, time.struct_time | None] = {}
    guid_is_link = False
    titles = descriptions = 0
    seen_content = False
    content: str | None = None
    for child in item:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        local, space = qname.localname, qname.namespace or ""
        if space == ns:
            if local == "title":
                titles += 1
                if child.get("type"):
                    raise Decline("typed RSS title")
                found["title"] = _finish("title", _text(child), "text/plain", atom=False)
            elif local == "link":
                found["link"] = _link_text(_text(child))
            elif local == "guid":
                guid_is_link = child.get("isPermaLink", "true") == "true"
                value = _text(child).strip()
                found["id"] = _urljoin("", value) if guid_is_link and value else value
                found["guid_link"] = found["id"] if guid_is_link else None
            elif local == "description":
                descriptions += 1
                if seen_content:
                    raise Decline("content before description")
                found["summary"] = _finish("description", _text(child),
                                           _content_type(child.get("type", "text/html")),
                                           atom=False)
            elif local == "pubDate":
                dates["published"] = _date(_text(child))
            elif local in ("author", "category", "comments", "enclosure", "source"):
                if len(child):
                    raise Decline("an element inside an item's " + local)
            else:
                raise Decline(f"item element {local}")
        elif space == CONTENT and local == "encoded":
            if seen_content:
                raise Decline("two content elements")
            seen_content = True
            content = _text(child)
        elif space == DC and local == "date":
            dates["updated"] = _date(_text(child))
        elif not _harmless(child, space, local):
            raise Decline(f"item element {{{space}}}{local}")
    if titles > 1 or descriptions > 1:
        raise Decline("repeated title or description")
    link = found.get("link")
    if "link" not in found and found.get("guid_link"):
        link = found["guid_link"]
    summary = found.get("summary")
    if summary is None and content is not None:
        summary = _finish("content", content, "text/html", atom=False)
    if ns == RSS1 and item.get(f"{{{RDF}}}about") and "id" not in found:
        found["id"] = item.get(f"{{{RDF}}}about")
    return Entry(id=found.get("id"), link=link, title=found.get("title"), summary=summary,
                 published=dates.get("published"), updated=dates.get("updated"),
                 created=dates.get("created"))


def _atom_entry(entry: etree._Element) -> Entry:
    found: dict[str, str | None] = {}
    dates: dict[str, time.struct_time | None] = {}
    summary: str | None = None
    content: str | None = None
    for child in entry:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        local, space = qname.localname, qname.namespace or ""
        if space == ATOM:
            if local in ("title", "summary", "content"):
                kind = _content_type(child.get("type", "text"))
                if kind not in ("text/plain", "text/html") or child.get("src"):
                    raise Decline(f"atom {local} of type {kind}")
                value = _finish(local, _text(child), kind, atom=True)
                if local == "title":
                    if "title" in found:
                        raise Decline("two titles")
                    found["title"] = value
                elif local == "summary":
                    if summary is not None or content is not None:
                        raise Decline("summary and content in this order")
                    summary = value
                else:
                    if content is not None:
                        raise Decline("two contents")
                    content = value
            elif local == "link":
                if len(child) or (child.text and child.text.strip()) or "href" not in child.attrib:
                    raise Decline("a link without href")
                rel = child.get("rel", "alternate")
                kind = child.get("type", "application/atom+xml" if rel == "self"
                                 else "text/html")
                if rel == "alternate" and _content_type(kind) in _HTML_TYPES:
                    found["link"] = _urljoin("", child.get("href", ""))
            elif local == "id":
                found["id"] = _urljoin("", _text(child).strip()) if _text(child).strip() \
                    else ""
            elif local in ("published", "updated", "issued", "modified", "created"):
                dates[_DATE_KEYS[local]] = _date(_text(child))
            elif local in ("author", "contributor", "category", "rights"):
                continue
            else:
                raise Decline(f"atom entry element {local}")
        elif not _harmless(child, space, local):
            raise Decline(f"entry element {{{space}}}{local}")
    if summary is None and content is not None:
        summary = content
    return Entry(id=found.get("id"), link=found.get("link"), title=found.get("title"),
                 summary=summary, published=dates.get("published"),
                 updated=dates.get("updated"), created=dates.get("created"))


def _charset(headers: Mapping[str, str]) -> str | None:
    kind = headers.get("content-type", "")
    found = re.search(r"charset=[\"']?([\w.:-]+)", kind, re.IGNORECASE)
    return found.group(1).lower() if found else None


def read_entries(body: bytes, headers: Mapping[str, str] | None = None) -> list[Entry] | None:
    """The entries of a feed as feedparser reads them, or None where this path declines."""
    try:
        return _read(body, headers or {})
    except (Decline, etree.XMLSyntaxError, ValueError, UnicodeError):
        return None


def _read(body: bytes, headers: Mapping[str, str]) -> list[Entry] | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    if "content-location" in lowered or b"xml:base" in body or b"<!DOCTYPE" in body[:4096] \
            or b"<!ENTITY" in body:
        return None
    kind = lowered.get("content-type", "").split(";")[0].strip().lower()
    charset = _charset(lowered)
    if charset not in (None, "utf-8") or (kind.startswith("text/") and charset is None):
        return None
    root = etree.fromstring(body, _PARSER)
    encoding = (root.getroottree().docinfo.encoding or "utf-8").lower()
    if encoding != "utf-8":
        return None
    tag = etree.QName(root)
    if tag.namespace is None and tag.localname == "rss":
        channel = root.find("channel")
        if channel is None or len(root) != 1:
            return None
        return [_rss_entry(item, "") for item in channel.iterfind("item")]
    if tag.namespace == ATOM and tag.localname == "feed":
        return [_atom_entry(entry) for entry in root.iterfind(f"{{{ATOM}}}entry")]
    if tag.namespace == RDF and tag.localname == "RDF":
        return [_rss_entry(item, RSS1) for item in root.iterfind(f"{{{RSS1}}}item")]
    return None
