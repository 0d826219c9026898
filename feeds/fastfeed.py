"""A fast reader for the common shapes of RSS 2.0, RSS 1.0 and Atom 1.0, built on lxml.

feedparser is the reference: this module gives, for the fields casewatch uses (title,
link, id, dates, summary), exactly what feedparser gives, or declines (returns None) so
that the caller asks feedparser. The summary is kept as plain text (feeds.htmltext): the
text of feedparser's value, read without feedparser's sanitiser, which runs only on
markup too irregular to read otherwise. It declines what it does not read as feedparser
does: a DOCTYPE, xml:base in RSS, an encoding other than UTF-8, an item element feedparser
reads into those fields in a way this module does not follow (a media title before the
item's own, a `dc:title`, an Atom link in RSS), xhtml or base64 content, a content before
its item's description. Known namespaces are read by feedparser's prefix; an element it
has no handler for (all the way down) is only stored under its own name, and an
atom:source keeps its own title, link and id. A body strict XML refuses is read as
feedparser's lenient parser reads it (feeds.xmlrepair). A test holds it to feedparser's
output over every real feed body of the bench data.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass

from feedparser.api import StrictFeedParser
from feedparser.datetimes import _parse_date
from feedparser.mixin import _cp1252, _FeedParserMixin
from feedparser.sanitizer import _sanitize_html
from feedparser.urls import _urljoin, resolve_relative_uris
from lxml import etree

from feeds.htmltext import markup_text, plain
from feeds.xmlrepair import RESTORE, STAND_INS, redeclare, repair

ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS1 = "http://purl.org/rss/1.0/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
MRSS = "http://search.yahoo.com/mrss/"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# Media RSS elements that hold others
_MEDIA_CONTAINERS = frozenset({"group", "content", "community"})

# Namespaced children of an item that feedparser keeps away from our fields.
_HARMLESS = {
    DC: {"creator", "subject", "rights", "publisher", "language", "contributor", "format",
         "type", "source", "coverage", "relation"},
    "http://purl.org/rss/1.0/modules/slash/": None,
    "http://wellformedweb.org/CommentAPI/": None,
    "http://www.georss.org/georss": None,
    "http://www.w3.org/2003/01/geo/wgs84_pos#": None,
    "http://purl.org/syndication/thread/1.0": None,
    "http://www.itunes.com/dtds/podcast-1.0.dtd": {"author", "explicit", "duration", "image",
                                                   "episode", "season", "episodeType",
                                                   "keywords", "block"},
}
_DATE_KEYS = {"published": "published", "pubDate": "published", "issued": "published",
              "updated": "updated", "modified": "updated", "created": "created"}
_C1 = re.compile("[\x80-\x9f]")
_HTML_TYPES = _FeedParserMixin.html_types
_RELATIVE = _FeedParserMixin.can_contain_relative_uris
_DANGEROUS = _FeedParserMixin.can_contain_dangerous_markup
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=False,
                          remove_comments=True, remove_pis=True, huge_tree=True)


# feedparser's prefix for each namespace it knows; the namespaces this module reads
_PREFIX_OF = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
_KNOWN_PREFIXES = frozenset(_PREFIX_OF.values())
_READ_AS = {"dc": DC, "dcterms": DCTERMS, "media": MRSS, "itunes": ITUNES, "content": CONTENT}


def _namespace(child: etree._Element, space: str) -> str:
    """The namespace feedparser reads an element as: one it knows, or, for a namespace it
    does not know (say https://purl.org/dc/...), the one it knows by the same prefix."""
    prefix = _PREFIX_OF.get(space.lower())
    if prefix is None and child.prefix and child.prefix.lower() in _KNOWN_PREFIXES:
        prefix = child.prefix.lower()
    return _READ_AS.get(prefix or "", space)


def _handled(name: str) -> bool:
    return (hasattr(StrictFeedParser, "_start_" + name)
            or hasattr(StrictFeedParser, "_end_" + name))


# the keys (and the stems of keys) of an entry that our fields are read from: an element
# feedparser stores under its own name must not land on one (FeedParserDict maps "date"
# to "updated", "guid" to "id"...)
_FIELD_STEMS = ("id", "guid", "link", "title", "summary", "description", "content",
                "published", "issued", "updated", "modified", "date", "created")


def _unread(child: etree._Element) -> bool:
    """An element feedparser has no handler for: it is only stored under its own name."""
    qname = etree.QName(child)
    space = qname.namespace or ""
    prefix = _PREFIX_OF.get(space.lower())
    if prefix is None:
        # a namespace feedparser does not know: stored under "prefix_local" (or "local"
        # without a prefix), unless that name happens to be one of feedparser's handlers
        prefix = child.prefix or ""
    key = (f"{prefix}_{qname.localname}" if prefix else qname.localname).lower()
    return not _handled(key) and key.split("_")[0] not in _FIELD_STEMS


def _harmless(child: etree._Element, space: str, local: str) -> bool:
    """An element feedparser keeps out of title, link, id, dates and summary: one of
    those known to hold nothing for them, or one without a handler all the way down."""
    if space in _HARMLESS and not len(child):
        allowed = _HARMLESS[space]
        if allowed is None or local in allowed:
            return True
    return all(_unread(node) for node in child.iter() if isinstance(node.tag, str))


class Decline(Exception):
    """This body is not one the fast path reads exactly as feedparser does."""


@dataclass(frozen=True, slots=True)
class Raw:
    """An element's text as the document has it, and how feedparser would read it."""

    element: str
    text: str
    content_type: str
    atom: bool
    base: str = ""  # xml:base in effect

    def value(self) -> str:
        """feedparser's value: markup resolved and sanitised."""
        return _finish(self.element, self.text, self.content_type, atom=self.atom,
                       base=self.base)

    def plain(self) -> str:
        """The text of feedparser's value; its sanitiser runs only on irregular markup."""
        output = _fix(self.text.strip())
        kind = _read_as(output, self.content_type, atom=self.atom)
        if kind not in _HTML_TYPES:
            return plain(output, kind)
        text = markup_text(output)
        return text if text is not None else plain(self.value(), kind)


@dataclass(frozen=True, slots=True)
class Entry:
    """The fields of one entry, with feedparser's values (None: absent); the summary as
    plain text (`summary_raw.value()` is feedparser's markup)."""

    id: str | None
    link: str | None
    title: str | None
    summary: str | None
    published: time.struct_time | None
    updated: time.struct_time | None
    created: time.struct_time | None
    summary_raw: Raw | None = None


def _content_type(value: str) -> str:
    return _FeedParserMixin.map_content_type(value)


def _finish(element: str, text: str, content_type: str, *, atom: bool, base: str = "") -> str:
    """What feedparser's `pop` makes of an element's text (strict parser, UTF-8).

    Its sanitiser is most of the cost of reading a feed: this runs for titles, and for a
    summary only where its text cannot be read without it (`Raw.plain`)."""
    output = text.strip()
    content_type = _read_as(output, content_type, atom=atom)
    if content_type in _HTML_TYPES and ("<" in output or "&" in output):
        if element in _RELATIVE:
            output = resolve_relative_uris(output, base, "utf-8", content_type)
        if element in _DANGEROUS:
            output = _sanitize_html(output, "utf-8", content_type)
    elif content_type in _HTML_TYPES and element in _DANGEROUS and output and (
            ">" in output):
        raise Decline("markup without tags")
    return _fix(output)


def _read_as(output: str, content_type: str, *, atom: bool) -> str:
    """The content type feedparser reads a text as: outside Atom, plain text that looks
    like HTML is HTML."""
    if not atom and content_type == "text/plain" and _FeedParserMixin.looks_like_html(output):
        return "text/html"
    return content_type


def _fix(output: str) -> str:
    """feedparser's character fix-ups: UTF-8 read as Latin-1, and Windows-1252's C1 range."""
    if not output.isascii():
        try:
            output = output.encode("iso-8859-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        if _C1.search(output):
            output = output.translate(_cp1252)
    return output


_RESTORING: ContextVar[bool] = ContextVar("restoring", default=False)


def _text(node: etree._Element, *, own_base: bool = False) -> str:
    if len(node):
        raise Decline("an element inside a text element")
    if node.get("mode") == "base64" or (node.get(XML_BASE) and not own_base):
        raise Decline("base64 or xml:base")
    text = node.text or ""
    return text.translate(RESTORE) if _RESTORING.get() else text


def _link_text(text: str) -> str:
    output = _urljoin("", text.strip())
    output = output.replace("&amp;", "&")
    return re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", output)


def _date(text: str) -> time.struct_time | None:
    return _parse_date(text.strip()) if text.strip() else None


def _media(child: etree._Element) -> tuple[int, list[etree._Element]]:
    """A Media RSS element (with what is inside it): how many titles it holds, and its
    descriptions, which feedparser reads as an item's own title and description."""
    titles, descriptions = 0, []
    for node in child.iter():
        if not isinstance(node.tag, str):
            continue
        qname = etree.QName(node)
        if qname.namespace != MRSS:
            raise Decline(f"{{{qname.namespace}}}{qname.localname} inside Media RSS")
        if qname.localname == "title":
            titles += 1
        elif qname.localname == "description":
            descriptions.append(node)
        elif len(node) and qname.localname not in _MEDIA_CONTAINERS:
            raise Decline(f"media:{qname.localname} with elements inside")
        if qname.localname in ("title", "description") and len(node):
            raise Decline("an element inside a media text")
    return titles, descriptions


def _rss_entry(item: etree._Element, ns: str) -> Entry:
    found: dict[str, str | None] = {}
    dates: dict[str, time.struct_time | None] = {}
    guid_is_link = after_source = False
    titles = descriptions = 0
    seen_content = has_content = False
    summary: Raw | None = None
    content: Raw | None = None
    for child in item:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        local, space = qname.localname, _namespace(child, qname.namespace or "")
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
                summary = Raw("description", _text(child),
                              _content_type(child.get("type", "text/html")), atom=False)
            elif local == "pubDate":
                dates["published"] = _date(_text(child))
            elif local == "updated":
                dates["updated"] = _date(_text(child))
            elif local in ("author", "category", "comments", "enclosure", "source"):
                if len(child):
                    raise Decline("an element inside an item's " + local)
                # feedparser forgets, at a source, which title it keeps
                after_source = after_source or local == "source"
            elif not _harmless(child, space, local):
                raise Decline(f"item element {local}")
        elif space == CONTENT and local == "encoded":
            if seen_content:
                raise Decline("two content elements")
            seen_content = has_content = True
            content = Raw("content", _text(child), "text/html", atom=False)
        elif space == DC and local == "date":
            dates["updated"] = _date(_text(child))
        elif space == MRSS or (space == ITUNES and local == "summary"):
            # feedparser reads a media title or description, or an itunes:summary, as
            # the item's own title and description: after the item's own title it
            # changes nothing; after its description it is read as a content, except at
            # the item's level once the item has a content, where it replaces the summary
            media_titles, texts = _media(child) if space == MRSS else (0, [child])
            if media_titles and (not titles or after_source):
                raise Decline("a media title before the item's own, or after a source")
            if texts and not descriptions:
                raise Decline("a media description or itunes:summary before the description")
            for node in texts:
                if node is child and has_content:
                    default = "text/html" if space == MRSS else "text/plain"
                    summary = Raw("description", _text(node),
                                  _content_type(node.get("type", default)), atom=False)
                has_content = True
        elif not _harmless(child, space, local):
            raise Decline(f"item element {{{space}}}{local}")
    if titles > 1 or descriptions > 1:
        raise Decline("repeated title or description")
    link = found.get("link")
    if "link" not in found and found.get("guid_link"):
        link = found["guid_link"]
    if summary is None:
        summary = content
    if ns == RSS1 and item.get(f"{{{RDF}}}about") and "id" not in found:
        found["id"] = item.get(f"{{{RDF}}}about")
    return Entry(id=found.get("id"), link=link, title=found.get("title"),
                 summary=summary.plain() if summary else None,
                 published=dates.get("published"), updated=dates.get("updated"),
                 created=dates.get("created"), summary_raw=summary)


# what an atom:source holds (feedparser reads it into the entry's `source`), and inside
_PERSON = frozenset({"name", "email", "uri"})
_SOURCE = {"author": _PERSON, "contributor": _PERSON, **dict.fromkeys((
    "category", "generator", "icon", "id", "link", "logo", "rights", "subtitle", "title",
    "updated"), frozenset[str]())}


def _source(source: etree._Element) -> None:
    for child in (node for node in source if isinstance(node.tag, str)):
        qname = etree.QName(child)
        space = _namespace(child, qname.namespace or "")
        if space == ATOM and qname.localname in _SOURCE:
            if any(isinstance(node.tag, str) and (etree.QName(node).namespace != ATOM or
                   etree.QName(node).localname not in _SOURCE[qname.localname])
                   for node in child.iterdescendants()):
                raise Decline(f"an element inside a source's {qname.localname}")
        elif space == ATOM or not _harmless(child, space, qname.localname):
            raise Decline(f"source element {{{space}}}{qname.localname}")


def _atom_entry(entry: etree._Element, base: str) -> Entry:
    if entry.get(XML_BASE):
        base = _urljoin(base, entry.get(XML_BASE))
    found: dict[str, str | None] = {}
    dates: dict[str, time.struct_time | None] = {}
    summary: Raw | None = None
    content: Raw | None = None
    media: list[etree._Element] = []
    after_source = False
    for child in entry:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        local, space = qname.localname, _namespace(child, qname.namespace or "")
        if space == ATOM:
            if local in ("title", "summary", "content"):
                kind = _content_type(child.get("type", "text"))
                if kind not in ("text/plain", "text/html") or child.get("src"):
                    raise Decline(f"atom {local} of type {kind}")
                text = _text(child, own_base=True)
                own = _urljoin(base, child.get(XML_BASE)) if child.get(XML_BASE) else base
                if local == "title":
                    if "title" in found:
                        raise Decline("two titles")
                    found["title"] = _finish(local, text, kind, atom=True, base=own)
                elif local == "summary":
                    # before a content, or after it (when it replaces the copy of the
                    # content that feedparser made its summary)
                    if summary is not None:
                        raise Decline("two summaries")
                    summary = Raw(local, text, kind, atom=True, base=own)
                else:
                    if content is not None:
                        raise Decline("two contents")
                    content = Raw(local, text, kind, atom=True, base=own)
            elif local == "link":
                if len(child) or (child.text and child.text.strip()) or \
                        "href" not in child.attrib or child.get(XML_BASE):
                    raise Decline("a link without href, or with its own base")
                rel = child.get("rel", "alternate")
                kind = child.get("type", "application/atom+xml" if rel == "self"
                                 else "text/html")
                if rel == "alternate" and _content_type(kind) in _HTML_TYPES:
                    found["link"] = _urljoin(base, child.get("href", ""))
            elif local == "id":
                found["id"] = _urljoin(base, _text(child).strip()) if _text(child).strip() \
                    else ""
            elif local in ("published", "updated", "issued", "modified", "created"):
                dates[_DATE_KEYS[local]] = _date(_text(child))
            elif local in ("author", "contributor", "category", "rights"):
                continue
            elif local == "source":
                _source(child)
                after_source = True
            elif not _harmless(child, space, local):
                raise Decline(f"atom entry element {local}")
        elif space == MRSS:
            media_titles, media_descriptions = _media(child)
            if media_titles and ("title" not in found or after_source):
                raise Decline("a media title before the entry's own, or after a source")
            media.extend(media_descriptions)
        elif not _harmless(child, space, local):
            raise Decline(f"entry element {{{space}}}{local}")
    if media:
        # feedparser reads the first media description as the summary of an entry that
        # has none; beside a summary or content it would replace or join it
        if summary is not None or content is not None:
            raise Decline("a media description beside a summary or content")
        first = media[0]
        summary = Raw("description", _text(first),
                      _content_type(first.get("type", "text/html")), atom=True, base=base)
    if summary is None:
        summary = content
    return Entry(id=found.get("id"), link=found.get("link"), title=found.get("title"),
                 summary=summary.plain() if summary else None,
                 published=dates.get("published"), updated=dates.get("updated"),
                 created=dates.get("created"), summary_raw=summary)


def _charset(headers: Mapping[str, str]) -> str | None:
    found = re.search(r"charset=[\"']?([\w.:-]+)", headers.get("content-type", ""), re.I)
    return found.group(1).lower() if found else None


def read_entries(body: bytes, headers: Mapping[str, str] | None = None) -> list[Entry] | None:
    """The entries of a feed as feedparser reads them, or None where this path declines.

    A body strict XML refuses (HTML's entities, a bare `&`, a control character, junk
    before the root or after it, a malformed declaration) is read again as feedparser's
    lenient parser reads it (`feeds.xmlrepair.repair`)."""
    try:
        return _read(body, headers or {})
    except etree.XMLSyntaxError:
        pass
    except (Decline, ValueError, UnicodeError):
        return None
    declared = redeclare(body)
    if declared is not None:
        # a malformed declaration, which feedparser mends before its strict parse
        try:
            return _read(declared, headers or {})
        except etree.XMLSyntaxError:
            pass
        except (Decline, ValueError, UnicodeError):
            return None
    repaired = repair(body)
    if repaired is None or repaired[0] == body:
        return None
    token = _RESTORING.set(repaired[1])
    try:  # its stand-ins for control characters are turned back as it is read
        return _read(repaired[0], headers or {}, stood_in=repaired[1])
    except (Decline, etree.XMLSyntaxError, ValueError, UnicodeError):
        return None
    finally:
        _RESTORING.reset(token)


def _read(body: bytes, headers: Mapping[str, str], *, stood_in: bool = False
          ) -> list[Entry] | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    if "content-location" in lowered or b"<!DOCTYPE" in body[:4096] \
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
    if stood_in and any(STAND_INS.search(v) for n in root.iter() for v in n.attrib.values()):
        return None  # a control character in an attribute
    tag = etree.QName(root)
    if tag.namespace != ATOM and b"xml:base" in body:
        return None
    if tag.namespace is None and tag.localname == "rss":
        channel = root.find("channel")
        if channel is None or len(root) != 1:
            return None
        return [_rss_entry(item, "") for item in channel.iterfind("item")]
    if tag.namespace == ATOM and tag.localname == "feed":
        # xml:base is read in Atom, on the feed and on its entries
        base = _urljoin("", root.get(XML_BASE)) if root.get(XML_BASE) else ""
        return [_atom_entry(entry, base) for entry in root.iterfind(f"{{{ATOM}}}entry")]
    if tag.namespace == RDF and tag.localname == "RDF":
        return [_rss_entry(item, RSS1) for item in root.iterfind(f"{{{RSS1}}}item")]
    return None
