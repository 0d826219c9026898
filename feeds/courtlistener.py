"""`kind = "courtlistener"`: one CourtListener docket, from its free Atom feed or the API.

Without a token the source reads `/docket/{id}/feed/`: the docket's 30 newest dated
entries, each with its long description, the filing date (midnight Pacific) and a link
to the PDF or to PACER. With a token it reads REST API v4: the docket once (court,
number and name are kept in the source's state), then `docket-entries/` by modification
date, so each poll asks only for what changed since the last one.

CourtListener's limits are small (by default 5 requests a minute, 50 an hour, 125 a
day), so a poll makes at most `max_requests` requests. When the budget runs out, or the
API answers 429, in the middle of a walk through the pages, the entries read so far are
returned and the cursor is kept for the next poll; a 429 before any entries were read is
a FeedError carrying Retry-After.

Court ids are PACER's: the four courts CourtListener renames are mapped back, so an
entry has the same identity here as in that court's PACER RSS feed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from functools import cache
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, HttpUrl, SecretStr, field_validator

from feeds.base import (
    DocketEntry,
    FeedError,
    Fetch,
    Item,
    Page,
    PollResult,
    SourceConfigBase,
    SourceState,
)
from feeds.courts import pacer_court
from feeds.docket_numbers import parse_docket_number
from feeds.htmltext import text_of
from feeds.recap import document_url, main_document, read_document_url

if TYPE_CHECKING:
    from lxml import etree

PACIFIC = ZoneInfo("America/Los_Angeles")
ATOM = "{http://www.w3.org/2005/Atom}"
TITLE_LIMIT = 160

_ENTRY_TITLE = re.compile(r"^\s*(?:Entry #(?P<number>\d+)|Minute entry from (?P<day>\S+))"
                          r"\s+in\s+(?P<docket>.*)$", re.DOTALL)
class CourtListenerConfig(SourceConfigBase):
    kind: Literal["courtlistener"]
    docket_id: int = Field(gt=0)
    token: SecretStr | None = None  # an API token: the REST API instead of the Atom feed
    base_url: HttpUrl = HttpUrl("https://www.courtlistener.com")
    court: str | None = None  # PACER court id; the feed names it only in document links
    docket_number: str | None = None  # when set, used instead of what the docket says
    max_requests: int = Field(3, ge=1, le=100)  # requests per poll, at most

    @field_validator("token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: Any) -> Any:
        # `token = "${COURTLISTENER_TOKEN:-}"` with the variable unset: the free feed
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("court")
    @classmethod
    def _court_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.fullmatch(r"[a-z0-9-]+", value.strip().lower()):
            raise ValueError(f'not a court id: "{value}" (expected e.g. "cand" or "nysb")')
        return pacer_court(value)


def midnight_pacific(day: date) -> datetime:
    """CourtListener's time for a filing date: midnight Pacific, here in UTC."""
    return datetime.combine(day, time(), PACIFIC).astimezone(UTC)


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _parse_day(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return midnight_pacific(date.fromisoformat(text.strip()[:10]))
    except ValueError:
        return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _clip(text: str, limit: int = TITLE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def entry_title(entry: DocketEntry) -> str:
    """`Entry 12: ORDER granting …` or `Minute entry: …`, short enough for a headline."""
    text = _clip(entry.short_description or entry.description or "(no description)")
    return f"Entry {entry.entry_number}: {text}" if entry.entry_number is not None \
        else f"Minute entry: {text}"


def _minute_text(short: str, description: str, number: int | None) -> str:
    """A minute entry's short description: its only text when it has no other.

    An entry without a number is known by its date and short description; without
    this, two minute entries of one day would be one entry.
    """
    return short or (description if number is None else "")


def _item(source_id: str, entry: DocketEntry, fallback_url: str) -> Item:
    return Item(
        source_id=source_id,
        guid=entry.guid,
        url=entry.document_url or fallback_url,
        title=entry_title(entry),
        summary=entry.description or entry.short_description,
        published=entry.filed_at,
        docket=entry,
    )


def split_docket_title(title: str, docket_number: str | None = None) -> tuple[str, str]:
    """CourtListener's docket title `{case name}, {docket number}` → (name, number).

    Case names hold commas too ("Twitter, Inc."), so the number is the last part, and
    only if it reads as a docket number. A configured number wins over the title's.
    """
    title = _one_line(title)
    if docket_number and title.endswith(", " + docket_number):
        return title[: -len(docket_number) - 2], docket_number
    name, comma, last = title.rpartition(", ")
    if comma and parse_docket_number(last) is not None:
        return name, docket_number or last
    return title, docket_number or ""


# --- the Atom feed ---------------------------------------------------------------------


@cache
def _xml_parser() -> etree.XMLParser:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse_atom_feed(
    body: bytes,
    *,
    source_id: str,
    court: str | None = None,
    docket_number: str | None = None,
) -> list[Item]:
    """A CourtListener docket feed (`/docket/{id}/feed/`) → one Item per entry.

    `court` and `docket_number` fill what the feed does not say: the number is in every
    title, the court only in document links (RECAP storage paths, PACER URLs).
    """
    from lxml import etree

    try:
        root = etree.fromstring(body, parser=_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"not an Atom feed: {exc}", kind="not_feed") from exc
    if root.tag != f"{ATOM}feed":
        raise FeedError(f"not an Atom feed: root element <{etree.QName(root).localname}>",
                        kind="not_feed")
    rows = []
    for node in root.iter(f"{ATOM}entry"):
        title = node.findtext(f"{ATOM}title") or ""
        link = enclosure = ""
        for anchor in node.iter(f"{ATOM}link"):
            rel = anchor.get("rel", "alternate")
            if rel == "alternate" and not link:
                link = anchor.get("href", "")
            elif rel == "enclosure" and not enclosure:
                enclosure = anchor.get("href", "")
        rows.append((node, title, link, enclosure))
    # one docket, one court: any document link that names it names it for every entry
    found_court = court or next(
        (ref.court for *_, enclosure in rows if (ref := read_document_url(enclosure)).court),
        "")
    items = []
    for node, title, link, enclosure in rows:
        matched = _ENTRY_TITLE.match(title)
        number = int(matched.group("number")) if matched and matched.group("number") else None
        if number is None and (anchor := re.search(r"#entry-(\d+)$", link)):
            number = int(anchor.group(1))
        case_name, docket = split_docket_title(matched.group("docket") if matched else "",
                                               docket_number)
        published = _parse_time(node.findtext(f"{ATOM}published")
                                or node.findtext(f"{ATOM}updated"))
        if published is None and matched and matched.group("day"):
            published = _parse_day(matched.group("day"))
        summary = node.find(f"{ATOM}summary")
        text = (summary.text or "") if summary is not None else ""
        if summary is not None and summary.get("type") in ("html", "xhtml"):
            text = text_of(text)
        ref = read_document_url(enclosure)
        entry = DocketEntry(
            court=found_court,
            docket_number=docket,
            case_name=case_name,
            entry_number=number,
            short_description=_minute_text("", _one_line(text), number),
            description=_one_line(text),
            filed_at=published,
            document_url=enclosure,
            pacer_case_id=ref.pacer_case_id,
            pacer_doc_id=ref.pacer_doc_id,
        )
        items.append(_item(source_id, entry, link))
    return items


# --- the REST API ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Docket:
    """What the entries need from `dockets/{id}/`, kept in the source's state."""

    court: str
    docket_number: str
    case_name: str
    pacer_case_id: str
    url: str  # the docket's page on CourtListener

    def as_state(self) -> dict[str, str]:
        return {"court": self.court, "docket_number": self.docket_number,
                "case_name": self.case_name, "pacer_case_id": self.pacer_case_id,
                "url": self.url}

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> Docket:
        return cls(**{key: str(data.get(key) or "") for key in
                      ("court", "docket_number", "case_name", "pacer_case_id", "url")})


def _json(body: bytes, what: str) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise FeedError(f"CourtListener {what}: not JSON ({exc})", kind="parse") from exc


def parse_docket(body: bytes, *, base_url: str, court: str | None = None,
                 docket_number: str | None = None) -> Docket:
    """`GET dockets/{id}/` → the docket's court (PACER's id), number, name and page."""
    data = _json(body, "docket")
    if not isinstance(data, dict) or "id" not in data:
        raise FeedError("CourtListener docket: no docket in the answer", kind="parse")
    path = data.get("absolute_url") or f"/docket/{data['id']}/{data.get('slug') or ''}"
    return Docket(
        court=court or pacer_court(str(data.get("court_id") or data.get("court") or "")),
        docket_number=docket_number or str(data.get("docket_number") or ""),
        case_name=str(data.get("case_name") or data.get("case_name_short") or ""),
        pacer_case_id=str(data.get("pacer_case_id") or ""),
        url=base_url.rstrip("/") + "/" + str(path).lstrip("/"),
    )


@dataclass(frozen=True, slots=True)
class EntriesPage:
    items: list[Item]
    next_url: str | None
    newest_modified: str | None  # the latest `date_modified` on the page, as sent


def parse_entries_page(body: bytes, *, source_id: str, docket: Docket) -> EntriesPage:
    """One page of `GET docket-entries/` → Items, the next page's URL, the newest change."""
    data = _json(body, "docket entries")
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise FeedError("CourtListener docket entries: no results in the answer", kind="parse")
    items = []
    newest: tuple[datetime, str] | None = None
    for raw in data["results"]:
        if not isinstance(raw, Mapping):
            continue
        modified = str(raw.get("date_modified") or "")
        when = _parse_time(modified)
        if when is not None and (newest is None or when > newest[0]):
            newest = (when, modified)
        document = main_document(raw)
        raw_number = raw.get("entry_number")
        number = int(raw_number) if isinstance(raw_number, int | str) and \
            str(raw_number).isdigit() else None
        description = _one_line(str(raw.get("description") or ""))
        entry = DocketEntry(
            court=docket.court,
            docket_number=docket.docket_number,
            case_name=docket.case_name,
            entry_number=number,
            short_description=_minute_text(_one_line(str(document.get("description") or "")),
                                           description, number),
            description=description,
            filed_at=_parse_day(raw.get("date_filed")),
            document_url=document_url(document, docket.court, docket.pacer_case_id),
            pacer_case_id=docket.pacer_case_id,
            pacer_doc_id=str(document.get("pacer_doc_id") or ""),
        )
        anchor = f"#entry-{entry.entry_number}" if entry.entry_number is not None \
            else f"#minute-entry-{raw.get('id', '')}"
        items.append(_item(source_id, entry, docket.url + anchor))
    next_url = data.get("next")
    return EntriesPage(items, str(next_url) if next_url else None,
                       newest[1] if newest else None)


# --- the source ------------------------------------------------------------------------


def _later(a: str | None, b: str | None) -> str | None:
    """The later of two CourtListener timestamps, as written."""
    if not a or not b:
        return a or b
    ta, tb = _parse_time(a), _parse_time(b)
    if ta is None or tb is None:
        return a if ta is not None else b
    return b if tb > ta else a


class CourtListenerSource:
    def __init__(self, config: CourtListenerConfig) -> None:
        self.id = config.id
        self.extract = False
        self.docket_id = config.docket_id
        self.base = str(config.base_url).rstrip("/")
        self.court = config.court
        self.docket_number = config.docket_number
        self.max_requests = config.max_requests
        self._token = config.token

    def __repr__(self) -> str:
        mode = "api" if self._token else "feed"
        return f"CourtListenerSource(id={self.id!r}, docket_id={self.docket_id}, mode={mode})"

    @property
    def feed_url(self) -> str:
        return f"{self.base}/docket/{self.docket_id}/feed/"

    async def poll(self, fetch: Fetch, state: SourceState) -> PollResult:
        if self._token is None:
            return await self._poll_feed(fetch, state)
        return await self._poll_api(fetch, state)

    # the Atom feed

    async def _poll_feed(self, fetch: Fetch, state: SourceState) -> PollResult:
        page = await fetch(self.feed_url, etag=state.etag, last_modified=state.last_modified)
        if page is None:
            return PollResult(items=[], not_modified=True, etag=state.etag,
                              last_modified=state.last_modified, state=dict(state.state))
        digest = hashlib.sha256(page.body).hexdigest()
        court = self.court or state.state.get("court") or None
        if state.state.get("body_sha256") == digest:
            return PollResult(items=[], not_modified=True, etag=page.etag,
                              last_modified=page.last_modified, state=dict(state.state))
        items = await asyncio.to_thread(parse_atom_feed, page.body, source_id=self.id,
                                        court=court, docket_number=self.docket_number)
        remembered: dict[str, Any] = {"body_sha256": digest}
        court = court or next((i.docket.court for i in items if i.docket and i.docket.court),
                              None)
        warnings = []
        if court:
            remembered["court"] = court
        elif items:
            warnings.append("the feed does not name the docket's court: set `court` in this "
                            "source's config, or entries cannot be tied to cases by court")
        return PollResult(items=items, etag=page.etag, last_modified=page.last_modified,
                          state=remembered, warnings=warnings)

    # the REST API

    def _headers(self) -> dict[str, str]:
        assert self._token is not None
        return {"Authorization": f"Token {self._token.get_secret_value()}",
                "Accept": "application/json"}

    def _entries_url(self, since: str | None) -> str:
        query: dict[str, str | int] = {"docket": self.docket_id}
        if since:
            query |= {"date_modified__gte": since, "order_by": "date_modified"}
        else:
            query["order_by"] = "-date_modified"  # first poll: the newest first
        return f"{self.base}/api/rest/v4/docket-entries/?{urlencode(query)}"

    def _ours(self, url: str) -> bool:
        """Whether a `next` link stays on the configured host (the token goes with it)."""
        mine, theirs = urlsplit(self.base), urlsplit(url)
        return (theirs.scheme, theirs.netloc) == (mine.scheme, mine.netloc)

    async def _get(self, fetch: Fetch, url: str) -> Page:
        try:
            page = await fetch(url, headers=self._headers())
        except FeedError as exc:
            if exc.status in (401, 403):
                raise FeedError(f"CourtListener refused the API token (HTTP {exc.status})",
                                kind="http", status=exc.status, retryable=False) from None
            if exc.status == 429:
                wait = f"; retry after {exc.retry_after:.0f}s" if exc.retry_after else ""
                raise FeedError(f"CourtListener rate limit (HTTP 429){wait}", kind="http",
                                status=429, retry_after=exc.retry_after) from None
            raise
        if page is None:  # no conditional headers were sent; a 304 would be a server bug
            raise FeedError("CourtListener answered 304 to an unconditional request",
                            kind="http", status=304)
        return page

    async def _poll_api(self, fetch: Fetch, state: SourceState) -> PollResult:
        remembered = dict(state.state)
        budget = self.max_requests
        if isinstance(remembered.get("docket"), Mapping):
            docket = Docket.from_state(remembered["docket"])
            docket = replace(docket, court=self.court or docket.court,
                             docket_number=self.docket_number or docket.docket_number)
        else:
            page = await self._get(fetch, f"{self.base}/api/rest/v4/dockets/{self.docket_id}/")
            budget -= 1
            docket = parse_docket(page.body, base_url=self.base, court=self.court,
                                  docket_number=self.docket_number)
            remembered["docket"] = docket.as_state()
        since: str | None = remembered.get("since")
        cursor: str | None = remembered.get("cursor")
        first = since is None and cursor is None
        url: str | None = cursor or self._entries_url(since)
        newest: str | None = remembered.get("pending_since") if cursor else None
        items: list[Item] = []
        warnings: list[str] = []
        stopped = "the request budget is spent"
        pages = 0
        while url and budget > 0:
            if not self._ours(url):
                raise FeedError("CourtListener's next page is on another host: not followed",
                                kind="parse", retryable=False)
            try:
                page = await self._get(fetch, url)
            except FeedError as exc:
                if pages and exc.retryable:
                    # a 429, an outage: keep what was read, go on from here next time
                    stopped = f"{exc.message}, after {pages} page(s)"
                    break
                if exc.status in (400, 404) and url == cursor:
                    # an expired or unknown cursor: start over from the high-water mark
                    warnings.append(f"saved cursor refused (HTTP {exc.status}): restarting "
                                    "from the last modification date")
                    cursor, newest = None, None
                    url = self._entries_url(since)
                    budget -= 1
                    continue
                raise
            budget -= 1
            pages += 1
            parsed = await asyncio.to_thread(parse_entries_page, page.body, source_id=self.id,
                                             docket=docket)
            items += parsed.items
            newest = _later(newest, parsed.newest_modified)
            url = parsed.next_url
        remembered.pop("cursor", None)
        remembered.pop("pending_since", None)
        if url and not first:
            remembered["cursor"] = url  # resume here; `since` moves when the walk ends
            if newest:
                remembered["pending_since"] = newest
        elif newest:
            remembered["since"] = _later(since, newest)
        if url and not first:
            warnings.append(f"{stopped}: the rest is read from the saved cursor next poll")
        elif url and items:
            warnings.append(f"{stopped}: the first poll read the newest {len(items)} entries; "
                            "older ones are history and are not read")
        return PollResult(items=items, state=remembered, warnings=warnings)
