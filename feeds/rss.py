"""`kind = "feed"`: RSS 0.9x/1.0/2.0, Atom and JSON Feed, parsed by feedparser."""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from pydantic import HttpUrl

from feeds.base import (
    FeedError,
    Fetch,
    Item,
    Offload,
    Page,
    PollResult,
    SourceConfigBase,
    SourceState,
)
from feeds.htmltext import plain
from feeds.xmltext import mend_char_refs_bytes, mend_utf8

if TYPE_CHECKING:
    from feeds.fastfeed import Entry

# The readers (feedparser, the fast lxml reader, the item chunker) load where a body is
# parsed: in the workers, not in a command that only reads the config.


class FeedConfig(SourceConfigBase):
    kind: Literal["feed"]
    url: HttpUrl
    # fetch and extract each new article's full text: an article that names its case
    # only in its body is found (false: headlines and summaries only)
    extract: bool = True


def _when(entry: Any, *keys: str) -> datetime | None:
    for key in keys:
        parsed = entry.get(key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    return None


def _text(value: object) -> str:
    """A JSON Feed string field; anything else (a number, a list, null) is no text."""
    return value if isinstance(value, str) else ""


def _json_feed(body: bytes, source_id: str) -> list[Item] | None:
    """JSON Feed 1.x, which feedparser does not read. None when the body is not one."""
    if body.lstrip()[:1] != b"{":
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        return None
    entries = data.get("items") or []
    if not isinstance(entries, list):
        raise FeedError("not a feed: a JSON Feed whose items are not a list", kind="not_feed")
    items = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue  # not an item: the others are read
        url = _text(entry.get("url")) or _text(entry.get("external_url"))
        raw_id = entry.get("id")  # a string in the spec; some feeds give a number
        guid = str(raw_id) if isinstance(raw_id, str | int) and raw_id != "" else url
        if not guid:
            continue
        published = None
        if _text(entry.get("date_published")):
            try:
                published = datetime.fromisoformat(entry["date_published"]).astimezone(UTC)
            except ValueError:
                published = None
        items.append(
            Item(
                source_id=source_id,
                guid=guid,
                url=url,
                title=_text(entry.get("title")),
                summary=_text(entry.get("summary")) or _text(entry.get("content_text")),
                published=published,
            )
        )
    return items


def _item(source_id: str, guid: str | None, url: str | None, title: str | None,
          summary: str | None, published: datetime | None,
          markup: Callable[[], str | None]) -> Item:
    """`summary` is plain text; `markup` gives feedparser's (sanitised HTML) summary,
    which the identity of an item with neither id nor link has always been made of."""
    url, title = url or "", title or ""
    guid = guid or url
    if not guid:
        # no id and no link: fall back to a hash of what there is
        guid = "sha1:" + hashlib.sha1((title + (markup() or "")).encode()).hexdigest()
    return Item(source_id=source_id, guid=guid, url=url, title=title, summary=summary or "",
                published=published)


def _entry_item(entry: Entry, source_id: str) -> Item:
    parsed = entry.published or entry.updated or entry.created
    published = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC) if parsed else None
    raw = entry.summary_raw
    return _item(source_id, entry.id, entry.link, entry.title, entry.summary, published,
                 lambda: raw.value() if raw else None)


def _plain_summary(entry: Any) -> str | None:
    value = entry.get("summary")
    if value is None:
        return None
    detail = entry.get("summary_detail") or {}
    return plain(value, detail.get("type") or "text/html")


def parse_feed(page: Page, source_id: str) -> list[Item]:
    """Bytes of a feed → items. Raises FeedError(kind="not_feed") for anything else.

    The common shapes of RSS and Atom are read with lxml (feeds.fastfeed), which gives
    feedparser's values or declines; feedparser reads everything else. A UTF-8 body
    with a few corrupt bytes, or references to characters XML forbids, is mended first
    (feeds.xmltext), and a parser crash on hostile bytes is a not_feed error.
    """
    as_json = _json_feed(page.body, source_id)
    if as_json is not None:
        return as_json
    return _parse_xml(mend_char_refs_bytes(mend_utf8(page.body)), page.headers, source_id)


def _parse_xml(body: bytes, headers: Mapping[str, str], source_id: str) -> list[Item]:
    import feedparser

    from feeds.fastfeed import read_entries

    entries = read_entries(body, headers)
    if entries is not None:
        return [_entry_item(entry, source_id) for entry in entries]
    try:
        # BytesIO, never str: feedparser treats a string as a URL or a path.
        parsed = feedparser.parse(io.BytesIO(body), response_headers=dict(headers))
    except Exception as exc:  # feedparser on hostile bytes raises several kinds
        raise FeedError(f"not a feed: the parser failed ({type(exc).__name__}: {exc})",
                        kind="not_feed", retryable=True) from exc
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no feed elements"
        raise FeedError(f"not a feed: {reason}", kind="not_feed", retryable=True)
    return [
        _item(source_id, entry.get("id"), entry.get("link"), entry.get("title"),
              _plain_summary(entry),
              _when(entry, "published_parsed", "updated_parsed", "created_parsed"),
              partial(entry.get, "summary"))
        for entry in parsed.entries
    ]


@dataclass(frozen=True, slots=True)
class Parsed:
    """The items of a body that were not in the last one, and what to remember."""

    items: list[Item]
    unchanged: int = 0  # items byte for byte as in the last body: not parsed again
    fingerprints: tuple[str, ...] = ()  # of every item of this body (feeds.feedchunks)


def parse_new(page: Page, source_id: str, known: frozenset[str] = frozenset()) -> Parsed:
    """Like `parse_feed`, but items whose fingerprint is in `known` (they were in the last
    body, so they are stored already) are cut from the body before it is parsed."""
    if page.body.lstrip()[:1] == b"{":  # JSON Feed, or not a feed at all
        return Parsed(parse_feed(page, source_id))
    body = mend_char_refs_bytes(mend_utf8(page.body))
    from feeds.feedchunks import chunks, without

    found = chunks(body, _header(page.headers, "content-type"))
    if found is None:
        return Parsed(_parse_xml(body, page.headers, source_id))
    drop = [span for span, mark in zip(found.spans, found.fingerprints, strict=True)
            if mark in known]
    if drop and len(drop) == len(found.spans):
        items: list[Item] = []
    else:
        items = _parse_xml(without(body, drop) if drop else body, page.headers, source_id)
    return Parsed(items, unchanged=len(drop), fingerprints=found.fingerprints)


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


class FeedSource:
    def __init__(self, config: FeedConfig, *, offload: Offload | None = None) -> None:
        self.id = config.id
        self.url = str(config.url)
        self.extract = config.extract
        self._offload: Offload = offload or asyncio.to_thread

    async def poll(self, fetch: Fetch, state: SourceState) -> PollResult:
        page = await fetch(self.url, etag=state.etag, last_modified=state.last_modified)
        if page is None:
            return PollResult(items=[], not_modified=True, etag=state.etag,
                              last_modified=state.last_modified, state=dict(state.state))
        digest = hashlib.sha256(page.body).hexdigest()
        remembered: dict[str, Any] = {"body_sha256": digest}
        if state.state.get("body_sha256") == digest:
            # the same bytes as last time: nothing to parse (servers without ETags)
            return PollResult(items=[], not_modified=True, etag=page.etag,
                              last_modified=page.last_modified, state=dict(state.state))
        # parsing is CPU-bound: off the event loop, in a worker process when there is one;
        # items already in the last body are not parsed again
        known = frozenset(state.state.get("items") or ())
        parsed: Parsed = await self._offload(parse_new, page, self.id, known)
        if parsed.fingerprints:
            remembered["items"] = list(parsed.fingerprints)
        return PollResult(items=parsed.items, etag=page.etag,
                          last_modified=page.last_modified, state=remembered,
                          unchanged=parsed.unchanged)
