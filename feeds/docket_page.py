"""`kind = "docket_page"`: any HTML page whose rows are docket entries.

Each element matching `entry_selector` (CSS) is an entry. A row is known by a hash of
its normalised text, so a new row and a row whose text changed (a disposition filled
in, a document attached) are new entries, and a page that only reshuffles its markup
gives nothing new. Optional selectors inside a row pick its date, entry number, text
and document link. A page may not say its court, docket number or case name: the
config gives them. A selector that matches nothing is an error, so a redesign of the
court's site is noticed rather than read as a quiet docket.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin

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

if TYPE_CHECKING:  # lxml, cssselect and dateutil are imported where a page is read
    from lxml import etree
    from lxml.cssselect import CSSSelector

TITLE_LIMIT = 160
_DEFAULT_DAY = datetime(2000, 1, 1)
_NUMBER = re.compile(r"\d+")


@cache
def compile_selector(selector: str) -> CSSSelector:
    """A CSS selector for HTML (element names without case). Raises SelectorError."""
    from lxml.cssselect import CSSSelector

    return CSSSelector(selector, translator="html")


class DocketPageConfig(SourceConfigBase):
    kind: Literal["docket_page"]
    url: HttpUrl
    entry_selector: str  # each match is one entry, e.g. "table.docket > tbody > tr"
    date_selector: str | None = None  # inside a row: its filing date
    number_selector: str | None = None  # inside a row: its entry number
    text_selector: str | None = None  # inside a row: its description (default: all its text)
    link_selector: str | None = None  # inside a row: its document link (default: first link)
    court: str | None = None  # the court's id, e.g. "texapp"
    docket_number: str | None = None
    case_name: str | None = None

    @field_validator("entry_selector", "date_selector", "number_selector", "text_selector",
                     "link_selector")
    @classmethod
    def _selector_compiles(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError("an empty CSS selector")
        # cssselect alone reads it as lxml will (its XPath), without loading lxml
        from cssselect import HTMLTranslator, SelectorError

        try:
            HTMLTranslator().css_to_xpath(value)
        except SelectorError as exc:
            raise ValueError(f"not a CSS selector: {value!r} ({exc})") from None
        return value

    @field_validator("court")
    @classmethod
    def _court_id(cls, value: str | None) -> str | None:
        return value.strip().lower() if value else None


@dataclass(frozen=True, slots=True)
class Selectors:
    entry: str
    date: str | None = None
    number: str | None = None
    text: str | None = None
    link: str | None = None


# elements whose edges separate words: "<td>03/04/2026</td><td>Filed</td>" is two words
_BREAKS = frozenset({"td", "th", "tr", "table", "tbody", "thead", "div", "p", "br", "li",
                     "ul", "ol", "dd", "dt", "dl", "h1", "h2", "h3", "h4", "h5", "h6",
                     "section", "article", "header", "footer", "blockquote", "pre"})
_SILENT = frozenset({"script", "style", "template"})


def _text(node: etree._Element) -> str:
    """An element's text on one line: cells and blocks apart, whitespace collapsed."""
    parts: list[str] = []

    def walk(element: etree._Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""  # comments have no name
        if tag and tag not in _SILENT:
            if tag in _BREAKS:
                parts.append(" ")
            parts.append(element.text or "")
            for child in element:
                walk(child)
            if tag in _BREAKS:
                parts.append(" ")
        if element is not node:
            parts.append(element.tail or "")

    walk(node)
    return " ".join("".join(parts).split())


def _select_text(row: etree._Element, selector: str | None) -> str | None:
    if selector is None:
        return None
    return " ".join(t for t in (_text(n) for n in compile_selector(selector)(row)) if t)


def parse_date(text: str | None) -> datetime | None:
    """A date in any common spelling (US month first), in UTC; None when there is none."""
    if not text or not any(ch.isdigit() for ch in text):
        return None
    from dateutil import parser as dateparser

    try:
        when = dateparser.parse(text, default=_DEFAULT_DAY, fuzzy=True)
    except (ValueError, OverflowError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _entry_number(text: str | None) -> int | None:
    found = _NUMBER.search(text or "")
    return int(found.group()) if found else None


def _link(row: etree._Element, selector: str | None, base: str) -> str:
    candidates = compile_selector(selector)(row) if selector else row.iter("a")
    for node in candidates:
        anchor = node if node.tag == "a" else next(node.iter("a"), None)
        href = (anchor.get("href") or "").strip() if anchor is not None else ""
        if href and not href.lower().startswith(("javascript:", "#", "mailto:")):
            return urljoin(base, href)
    return ""


def _is_header(row: etree._Element) -> bool:
    return row.tag == "tr" and row.find("th") is not None and row.find("td") is None


def row_key(text: str, occurrence: int) -> str:
    """A row's identity: its normalised text, and which repeat of that text it is."""
    normal = " ".join(text.lower().split())
    return hashlib.sha256(f"{occurrence}\x00{normal}".encode()).hexdigest()[:16]


def _clip(text: str) -> str:
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1].rstrip() + "…"


def parse_docket_page(
    body: bytes,
    url: str,
    selectors: Selectors,
    *,
    source_id: str,
    court: str | None = None,
    docket_number: str | None = None,
    case_name: str | None = None,
) -> list[Item]:
    """An HTML docket page → one Item per row. Raises FeedError when no row matches.

    The guid is the entry's identity (court + docket number + entry) followed by the
    row's key, or the page URL and the row's key when no docket number is known.
    """
    import lxml.html
    from lxml import etree

    try:
        document = lxml.html.document_fromstring(body)
    except (etree.ParserError, ValueError) as exc:
        raise FeedError(f"not an HTML page: {exc}", kind="parse") from exc
    base_tag = document.find(".//base[@href]")
    base = urljoin(url, base_tag.get("href")) if base_tag is not None else url
    rows = [row for row in compile_selector(selectors.entry)(document) if not _is_header(row)]
    if not rows:
        raise FeedError(
            f"entry_selector {selectors.entry!r} matches nothing on {url}: "
            "has the page been redesigned?", kind="parse")
    seen: Counter[str] = Counter()
    items = []
    for row in rows:
        whole = _text(row)
        if not whole:
            continue
        key = row_key(whole, seen[whole])
        seen[whole] += 1
        text = _select_text(row, selectors.text) or whole
        number = _entry_number(_select_text(row, selectors.number))
        entry = DocketEntry(
            court=court or "",
            docket_number=docket_number or "",
            case_name=case_name or "",
            entry_number=number,
            short_description=text,
            description=whole if whole != text else "",
            filed_at=parse_date(_select_text(row, selectors.date)),
            document_url=_link(row, selectors.link, base),
            pacer_case_id="",
            pacer_doc_id="",
        )
        guid = f"{entry.guid}#{key}" if docket_number else f"{url}#{key}"
        title = _clip(text)
        items.append(Item(
            source_id=source_id,
            guid=guid,
            url=entry.document_url or url,
            title=f"Entry {number}: {title}" if number is not None else title,
            # the case name leads, so a case known only by its caption finds its entries
            summary=f"{case_name}: {whole}" if case_name else whole,
            published=entry.filed_at,
            docket=entry,
        ))
    return items


class DocketPageSource:
    def __init__(self, config: DocketPageConfig) -> None:
        self.id = config.id
        self.extract = False
        self.url = str(config.url)
        self.selectors = Selectors(config.entry_selector, config.date_selector,
                                   config.number_selector, config.text_selector,
                                   config.link_selector)
        self.court = config.court
        self.docket_number = config.docket_number
        self.case_name = config.case_name

    async def poll(self, fetch: Fetch, state: SourceState) -> PollResult:
        page = await fetch(self.url, etag=state.etag, last_modified=state.last_modified)
        if page is None:
            return PollResult(items=[], not_modified=True, etag=state.etag,
                              last_modified=state.last_modified, state=dict(state.state))
        digest = hashlib.sha256(page.body).hexdigest()
        remembered = {"body_sha256": digest}
        if state.state.get("body_sha256") == digest:
            return PollResult(items=[], not_modified=True, etag=page.etag,
                              last_modified=page.last_modified, state=remembered)
        items = await asyncio.to_thread(
            parse_docket_page, page.body, page.url, self.selectors, source_id=self.id,
            court=self.court, docket_number=self.docket_number, case_name=self.case_name)
        return PollResult(items=items, etag=page.etag, last_modified=page.last_modified,
                          state=remembered)
