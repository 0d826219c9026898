"""`kind = "pacer_rss"`: a court's CM/ECF RSS feed, one docket entry per item.

Every court publishes the same shape with its own quirks: bankruptcy courts put
`Type: bk Office: 1 Chapter: 11 Trustee: Name` before the short description, courts of
appeals date items in local time (`EST`, `MDT`) and link `/docs1/` documents without a
case id, E.D.N.Y. wraps everything in CDATA and repeats one GUID per docket, and some
courts escape twice (`&amp;amp;`). One filing with several events comes as adjacent
items with the same docket, document and time; they are merged into one entry whose
short description joins the events. Items without a usable docket number are dropped
and counted.

`parse_pacer_feed` is a pure function of bytes; `PacerSource.poll` only fetches, skips
the parse when the feed's build date has not moved (courts ignore ETags), and watches
the entry types the court declares it publishes.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import HttpUrl, field_validator

from feeds.base import (
    DocketEntry,
    FeedError,
    Fetch,
    Item,
    PollResult,
    SourceConfigBase,
    SourceState,
)
from feeds.case_names import UNKNOWN_CASE_NAME, clean_case_name, unescape
from feeds.courts import CourtKind, pacer_kind
from feeds.docket_numbers import DocketNumber, parse_docket_number
from feeds.xmltext import mend_char_refs

if TYPE_CHECKING:
    from lxml import etree

# appellate courts whose RSS servlet lives under /cmecf/ rather than /n/beam/
_CMECF_SERVLET = frozenset({"ca5", "ca7", "ca11"})
# courts that publish their full feed somewhere other than rss_outside.pl
_FEED_PATHS = {
    "ared": "cgi-bin/rss_outside4.pl",  # "All Docket Entries"; rss_outside.pl is orders only
    "nyed": "cgi-bin/readyDockets.pl",  # different software, E.D.N.Y.'s own format
}


def feed_url(court: str) -> str:
    """The RSS address of a court's CM/ECF: `cand` → https://ecf.cand.uscourts.gov/cgi-bin/rss_outside.pl."""
    base = f"https://ecf.{court}.uscourts.gov/"
    if pacer_kind(court) == "appellate":
        prefix = "cmecf" if court in _CMECF_SERVLET else "n/beam"
        return f"{base}{prefix}/servlet/TransportRoom?servlet=RSSGenerator"
    return base + _FEED_PATHS.get(court, "cgi-bin/rss_outside.pl")


class PacerConfig(SourceConfigBase):
    kind: Literal["pacer_rss"]
    court: str  # a PACER court id: cand, nysb, ca9
    url: HttpUrl | None = None  # default: derived from the court

    @field_validator("court")
    @classmethod
    def _known_court(cls, value: str) -> str:
        court = value.strip().lower()
        if pacer_kind(court) is None:
            raise ValueError(
                f"unknown PACER court id {value!r} (district courts look like 'cand', "
                "bankruptcy courts like 'nysb', courts of appeals like 'ca9')"
            )
        return court


@dataclass(frozen=True, slots=True)
class Bankruptcy:
    """What bankruptcy feeds put before the short description."""

    type: str  # bk (a case) or ap (an adversary proceeding)
    office: str
    chapter: str
    trustee: str


@dataclass(frozen=True, slots=True)
class PacerEntry:
    """A docket entry plus what the feed says about it beyond Contract 2."""

    entry: DocketEntry
    number: DocketNumber  # office, year, type, number, judge initials, defendant
    docket_url: str  # the item's link: the docket report
    seq_no: int | None = None  # de_seq_num of district and bankruptcy links
    bankruptcy: Bankruptcy | None = None


@dataclass(frozen=True, slots=True)
class PacerFeed:
    court: str
    title: str
    entry_types: tuple[str, ...]  # ("all",), ("orders", "opinions"), or the court's own words
    build_date: str | None  # lastBuildDate, else the channel's pubDate, as written
    entries: tuple[PacerEntry, ...]
    dropped: int  # items without a usable docket number


# -- the cheap check ------------------------------------------------------------------

_BUILD_DATE = re.compile(rb"<(lastBuildDate|pubDate)>\s*(?:<!\[CDATA\[)?\s*([^<\]]+?)\s*[<\]]")


def build_date(body: bytes) -> str | None:
    """The channel's lastBuildDate (or pubDate), read from the bytes before any item."""
    first_item = body.find(b"<item")
    head = body if first_item < 0 else body[:first_item]
    found = {m.group(1): m.group(2) for m in _BUILD_DATE.finditer(head)}
    value = found.get(b"lastBuildDate") or found.get(b"pubDate")
    return value.decode("latin-1") if value else None


# -- decoding -------------------------------------------------------------------------

_DECLARED = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"'][^>]*\?>")
_PROLOG = re.compile(r"^\s*<\?xml.*?\?>", re.DOTALL)  # to the first ?>, whatever it holds


def decode(body: bytes) -> str:
    """Feed bytes → text. Valid UTF-8 is read as UTF-8 whatever the feed declares
    (CM/ECF declares ISO-8859-1 and sometimes sends UTF-8); otherwise the declared
    encoding, with ISO-8859-1 read as Windows-1252 as browsers do."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    found = _DECLARED.match(body)
    declared = found.group(1).decode("ascii").lower() if found else "iso-8859-1"
    if declared in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
        declared = "cp1252"
    try:
        return body.decode(declared)
    except (LookupError, UnicodeDecodeError):
        return body.decode("latin-1")


# -- items ----------------------------------------------------------------------------

_LINK = re.compile(
    r"<a\s[^>]*?href\s*=\s*(?P<q>[\"'])(?P<href>.*?)(?P=q)[^>]*>(?P<text>.*?)</a\s*>",
    re.IGNORECASE | re.DOTALL,
)
_BANKRUPTCY = re.compile(
    r"^\s*Type:\s*(?P<type>[^\s\[]*)\s+Office:\s*(?P<office>[^\s\[]*)\s+"
    r"Chapter:\s*(?P<chapter>[^\s\[]*)\s*(?:Trustee:\s*(?P<trustee>[^\[]*?))?\s*\[",
)
_DOC_PATH = re.compile(r"/docs?1/(\d+)")
_SEQ_NO = re.compile(r"[?&]de_seq_num=(\d+)")
_CASE_ID = re.compile(r"(?:DktRpt\.pl\?|[?&]caseid=)(\d+)", re.IGNORECASE)
# appellate numbers may be as short as 11-8; parse_docket_number wants 3+ digits there
_SHORT_APPELLATE = re.compile(r"(\d{2})-(\d{1,6})")
# zone names CM/ECF prints; email.utils knows the rest (GMT, EST, EDT, CST, ...)
_ZONES = {"AKST": -9, "AKDT": -8, "HST": -10, "HDT": -9, "SST": -11, "CHST": 10, "AST": -4}
_TIME = re.compile(r"^(?P<stamp>.*\d{1,2}:\d{2}(?::\d{2})?)\s*(?P<zone>[A-Za-z]{2,5})?$")


def _text(element: etree._Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "") if found is not None else ""


def _fields(item: etree._Element) -> dict[str, str]:
    """An item's child elements by tag (the first of each), read in one pass."""
    fields: dict[str, str] = {}
    for child in item:
        if isinstance(child.tag, str):
            fields.setdefault(child.tag, child.text or "")
    return fields


def parse_time(value: str) -> datetime | None:
    """An RFC 822 date with a GMT or US zone label → an aware UTC datetime."""
    value = " ".join(value.split())
    if not value:
        return None
    found = _TIME.match(value)
    if found and found.group("zone") and found.group("zone").upper() in _ZONES:
        try:
            naive = parsedate_to_datetime(found.group("stamp") + " +0000")
        except (TypeError, ValueError):
            return None
        zone = timezone(timedelta(hours=_ZONES[found.group("zone").upper()]))
        return naive.replace(tzinfo=zone).astimezone(UTC)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an unknown zone: the feed's time is all there is
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def pacer_doc_id(url: str) -> str:
    """`…/doc1/20119112675?caseid=…` → `20109112675`: the 4th digit (a per-view flag) is
    forced to 0 so that every link to one document gives the same id."""
    found = _DOC_PATH.search(urlsplit(url).path)
    if not found:
        return ""
    digits = found.group(1)
    return digits[:3] + "0" + digits[4:] if len(digits) >= 4 else digits


def _short_description(text: str) -> str:
    """The text of the first bracketed group, brackets inside it kept: `[Order [Proposed]]`."""
    start = text.find("[")
    if start < 0:
        return ""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "[":
            depth += 1
        elif text[index] == "]":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index]
    return text[start + 1 :]


def _docket_number(token: str, kind: CourtKind) -> DocketNumber | None:
    number = parse_docket_number(token)
    if number is not None:
        return number
    if kind == "appellate":
        found = _SHORT_APPELLATE.fullmatch(token)
        if found:
            return DocketNumber(office=None, year=found.group(1), case_type="",
                                number=int(found.group(2)))
    return None


def _seq_no(url: str) -> int | None:
    found = _SEQ_NO.search(url)
    return int(found.group(1)) if found else None


def _entry_types(description: str) -> tuple[str, ...]:
    text = " ".join(unescape(description).split())
    found = re.match(r"docket entries of type:\s*(.*)$", text, re.IGNORECASE)
    if not found:
        return (text,) if text else ()
    return tuple(t.strip().lower() for t in found.group(1).split(",") if t.strip())


@dataclass(frozen=True, slots=True)
class _Raw:
    """One item as read, before multi-event items are merged."""

    entry: PacerEntry
    events: tuple[str, ...]
    guid: str  # the feed's GUID: equal for the items of one multi-event filing


def _read_item(item: etree._Element, court: str, kind: CourtKind) -> _Raw | None:
    fields = _fields(item)
    token, _, name = " ".join(unescape(fields.get("title", "")).split()).partition(" ")
    number = _docket_number(token, kind)
    if number is None:
        return None
    description = fields.get("description", "")
    if "<a" not in description and "&lt;a" in description.lower():
        description = unescape(description)
    link = _LINK.search(description)
    href = unescape(link.group("href")).strip() if link else ""
    link_text = unescape(link.group("text")).strip() if link else ""
    before_link = description[: link.start()] if link else description
    docket_url = unescape(fields.get("link", "")).strip()
    case_id = _CASE_ID.search(docket_url) if kind != "appellate" else None
    details = _BANKRUPTCY.match(before_link)
    short = " ".join(unescape(_short_description(before_link)).split())
    entry = DocketEntry(
        court=court,
        docket_number=token,
        case_name=clean_case_name(name),
        entry_number=int(link_text) if link_text.isdigit() else None,
        short_description=short,
        description="",
        filed_at=parse_time(fields.get("pubDate", "")),
        document_url=href,
        pacer_case_id=case_id.group(1) if case_id else "",
        pacer_doc_id=pacer_doc_id(href) if href else "",
    )
    bankruptcy = None
    if details:
        bankruptcy = Bankruptcy(
            type=details.group("type"),
            office=details.group("office"),
            chapter=details.group("chapter"),
            trustee=" ".join((details.group("trustee") or "").split()),
        )
    pacer = PacerEntry(entry=entry, number=number, docket_url=docket_url,
                       seq_no=_seq_no(href) if href else None, bankruptcy=bankruptcy)
    return _Raw(pacer, (short,) if short else (), unescape(fields.get("guid", "")).strip())


def _same_filing(a: _Raw, b: _Raw) -> bool:
    x, y = a.entry.entry, b.entry.entry
    return (
        a.guid == b.guid
        and x.docket_number == y.docket_number
        and x.pacer_case_id == y.pacer_case_id
        and x.filed_at == y.filed_at
        and x.pacer_doc_id == y.pacer_doc_id
        and x.entry_number == y.entry_number
    )


def _merge(items: list[_Raw]) -> list[PacerEntry]:
    """Adjacent items of one multi-event filing → one entry, events sorted and joined
    with " AND " (as juriscraper does, so both name the entry alike)."""
    groups: list[list[_Raw]] = []
    for item in items:
        if groups and _same_filing(groups[-1][0], item):
            groups[-1].append(item)
        else:
            groups.append([item])
    merged = []
    for group in groups:
        first = group[0].entry
        if len(group) > 1:
            events = sorted({e for item in group for e in item.events})
            first = replace(first, entry=replace(first.entry,
                                                 short_description=" AND ".join(events)))
        merged.append(first)
    return merged


_PARSER = dict(recover=True, resolve_entities=False, no_network=True, remove_comments=True)


def parse_pacer_feed(body: bytes, court: str) -> PacerFeed:
    """A court's RSS bytes → its entries. Raises FeedError(kind="not_feed") for a body
    that is not an RSS channel (a login page, an error page)."""
    from lxml import etree

    text = _PROLOG.sub("", decode(body), count=1)
    text = mend_char_refs(text)  # lxml keeps a forbidden one as bytes it cannot decode
    try:
        root = etree.fromstring(text, etree.XMLParser(**_PARSER))
    except (etree.XMLSyntaxError, ValueError) as exc:  # ValueError: a declaration left over
        raise FeedError(f"not a feed: {exc}", kind="not_feed") from exc
    channel = root.find("channel") if root is not None else None
    if channel is None:
        raise FeedError("not a feed: no RSS channel", kind="not_feed")
    kind = pacer_kind(court) or "district"
    raws, dropped = [], 0
    for item in channel.iter("item"):
        raw = _read_item(item, court, kind)
        if raw is None:
            dropped += 1
        else:
            raws.append(raw)
    return PacerFeed(
        court=court,
        title=" ".join(_text(channel, "title").split()),
        entry_types=_entry_types(_text(channel, "description")),
        build_date=build_date(body),
        entries=tuple(_merge(raws)),
        dropped=dropped,
    )


# -- the source -----------------------------------------------------------------------


def item_title(entry: DocketEntry) -> str:
    """`Chau v. Donovan #3: Notice of Appearance`; the docket number when the case is unnamed."""
    name = entry.case_name if entry.case_name != UNKNOWN_CASE_NAME else entry.docket_number
    number = f" #{entry.entry_number}" if entry.entry_number is not None else ""
    short = f": {entry.short_description}" if entry.short_description else ""
    return f"{name}{number}{short}"


def to_item(source_id: str, pacer: PacerEntry) -> Item:
    entry = pacer.entry
    return Item(
        source_id=source_id,
        guid=entry.guid,
        url=entry.document_url or pacer.docket_url,
        title=item_title(entry),
        summary=entry.short_description,
        published=entry.filed_at,
        docket=entry,
    )


class PacerSource:
    def __init__(self, config: PacerConfig) -> None:
        self.id = config.id
        self.court = config.court
        self.url = str(config.url) if config.url else feed_url(config.court)
        self.extract = False

    async def poll(self, fetch: Fetch, state: SourceState) -> PollResult:
        page = await fetch(self.url, etag=state.etag, last_modified=state.last_modified)
        if page is None:
            return PollResult(items=[], not_modified=True, etag=state.etag,
                              last_modified=state.last_modified, state=dict(state.state))
        marker = build_date(page.body) or "sha256:" + hashlib.sha256(page.body).hexdigest()
        if marker == state.state.get("build_date"):
            # the court has not rebuilt its feed since the last poll: nothing to parse
            return PollResult(items=[], not_modified=True, etag=page.etag,
                              last_modified=page.last_modified, state=dict(state.state))
        # parsing is CPU-bound: keep the event loop free while it works
        feed = await asyncio.to_thread(parse_pacer_feed, page.body, self.court)
        warnings = []
        before = state.state.get("entry_types")
        if before is not None and set(before) != set(feed.entry_types):
            warnings.append(
                f"{self.court}: the feed now declares entry types "
                f"{', '.join(feed.entry_types) or '(none)'} (was {', '.join(before) or '(none)'})"
            )
        return PollResult(
            items=[to_item(self.id, pacer) for pacer in feed.entries],
            etag=page.etag,
            last_modified=page.last_modified,
            state={"build_date": marker, "entry_types": list(feed.entry_types)},
            dropped=feed.dropped,
            warnings=warnings,
        )
