"""`kind = "news_search"`: each watched case's query sent to a free news search service.

A user who describes a case and lists no feeds still hears of its coverage: the source
asks Google News, Bing News or GDELT for recent articles matching each case's query
(translated to the provider's syntax by the caller, widened where the provider cannot
say it), and hands every result to the pipeline like a feed item, where casewatch's
own matcher, grouping and delivery decide as for any other.

Politeness is part of the source: each poll sends at most `max_requests` searches
(the provider's budget unless set), one at a time, spaced by the provider's gap with
jitter, taking the cases in turn from where the last poll stopped; a full round of many
cases spreads over several polls. What a case's first search finds is its backlog,
recorded silently (`PollResult.backlog`) as a source's first poll is. A 429, a 403 or a
block page (CAPTCHA, "unusual traffic") is a `blocked` error that ends the poll and
backs off; the source's health reports it once.

Links are made the publisher's where the provider allows (`feeds.newslinks`): Bing's
redirects are read locally, GDELT gives the publisher's URL, and Google News article
links are decoded locally or resolved by two requests each (within `max_resolves` per
poll, each id once and remembered). An item whose Google link could not be resolved
keeps it, is not fetched for extraction (`page=False`), and is matched on its title
and summary.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

from pydantic import Field, HttpUrl

from feeds.base import (
    Duration,
    FeedError,
    Fetch,
    Item,
    Page,
    PollResult,
    SourceConfigBase,
    SourceState,
)
from feeds.newslinks import (
    bing_target,
    google_article_id,
    google_batchexecute_body,
    google_batchexecute_url,
    google_decode_local,
    google_page_params,
)
from feeds.rss import parse_feed

Provider = Literal["google_news", "bing_news", "gdelt"]
PROVIDERS: tuple[Provider, ...] = ("google_news", "bing_news", "gdelt")
REMEMBERED = 5_000  # resolved Google ids kept in the source's state


@dataclass(frozen=True, slots=True)
class Limits:
    """What a provider tolerates: its host, the gap between requests, searches a poll."""

    base: str
    path: str
    gap: float  # seconds between two requests to it
    per_poll: int  # searches per poll unless `max_requests` says otherwise


LIMITS: dict[Provider, Limits] = {
    # unofficial RSS endpoints: Google and Bing throttle, then block, heavy use
    "google_news": Limits("https://news.google.com", "/rss/search", gap=2.0, per_poll=10),
    "bing_news": Limits("https://www.bing.com", "/news/search", gap=2.0, per_poll=10),
    # GDELT's DOC API asks for no more than one request every 5 seconds
    "gdelt": Limits("https://api.gdeltproject.org", "/api/v2/doc/doc", gap=5.0, per_poll=6),
}
# GDELT names a source's language by name (or ISO 639-3) and its country by FIPS 10-4
# code, which differs from ISO 3166 for these
_GDELT_LANGUAGES = {"en": "english", "es": "spanish", "fr": "french", "de": "german",
                    "it": "italian", "pt": "portuguese", "nl": "dutch", "ru": "russian",
                    "zh": "chinese", "ja": "japanese", "ar": "arabic", "pl": "polish"}
_FIPS = {"GB": "UK", "DE": "GM", "ES": "SP", "JP": "JA", "CN": "CH", "AU": "AS", "IE": "EI",
         "IL": "IS", "KR": "KS", "RU": "RS", "CH": "SZ", "SE": "SW", "AT": "AU", "ZA": "SF"}
_BLOCK_MARKS = (b"unusual traffic", b"captcha", b"/sorry/", b"are you a robot",
                b"access denied", b"too many requests")


class NewsSearchConfig(SourceConfigBase):
    kind: Literal["news_search"]
    provider: Provider
    cases: list[str] = Field(default_factory=list)  # case ids; empty: every case
    language: str = Field("en", pattern=r"^[A-Za-z]{2,3}$")
    country: str = Field("US", pattern=r"^[A-Za-z]{2}$")
    base_url: HttpUrl | None = None  # scheme and host instead of the provider's
    window: Duration = timedelta(days=2)  # ask for items this recent only
    max_requests: int | None = Field(None, ge=1, le=100)  # searches per poll
    max_resolves: int = Field(5, ge=0, le=100)  # Google News links resolved per poll
    extract: bool = True

    @property
    def base(self) -> str:
        """The scheme and host searched: `base_url`, else the provider's own."""
        return str(self.base_url).rstrip("/") if self.base_url else LIMITS[self.provider].base

    @property
    def budget(self) -> int:
        """Searches a poll: `max_requests`, else the provider's."""
        return self.max_requests or LIMITS[self.provider].per_poll

    def covers(self, case_id: str) -> bool:
        """Whether it searches for this case (`cases` empty: every case)."""
        return not self.cases or case_id in self.cases

    def as_provider(self, url: str) -> str:
        """A link on `base_url` (a proxy of the provider) read as the provider's own."""
        if self.base_url is None or not url.startswith(self.base + "/"):
            return url
        return LIMITS[self.provider].base + url[len(self.base):]

    def locale(self) -> dict[str, str]:
        """Google News's language and country parameters."""
        lang, country = self.language.lower(), self.country.upper()
        return {"hl": f"{lang}-{country}", "gl": country, "ceid": f"{country}:{lang}"}


def search_url(config: NewsSearchConfig, query: str) -> str:
    """The provider's search URL for one query, asking for recent items only."""
    hours = max(1, round(config.window.total_seconds() / 3600))
    lang, country = config.language.lower(), config.country.upper()
    if config.provider == "google_news":
        when = f"{hours // 24}d" if hours >= 24 and hours % 24 == 0 else f"{hours}h"
        grouped = f"({query})" if " OR " in query else query  # when: bounds every part
        params = {"q": f"{grouped} when:{when}", **config.locale()}
    elif config.provider == "bing_news":
        params = {"q": query, "format": "RSS", "setlang": lang, "cc": country,
                  "qft": 'sortbydate="1"'}
    else:
        scope = f" sourcelang:{_GDELT_LANGUAGES.get(lang, lang)}"
        if "country" in config.model_fields_set:  # GDELT searches every country unless told
            scope += f" sourcecountry:{_FIPS.get(country, country)}"
        params = {"query": query + scope, "mode": "ArtList", "format": "json",
                  "maxrecords": "75", "sort": "DateDesc", "timespan": f"{hours}h"}
    return f"{config.base}{LIMITS[config.provider].path}?{urlencode(params)}"


def is_block_page(page: Page) -> bool:
    """An HTML page where a feed or JSON was asked for, saying the client is refused."""
    head = page.body[:20_000].lower()
    html = b"<html" in head or "html" in page.headers.get("content-type", "")
    return html and any(mark in head for mark in _BLOCK_MARKS)


def _gdelt_time(value: object) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_results(provider: Provider, page: Page, source_id: str,
                  as_provider: Callable[[str], str] = str) -> list[Item]:
    """A provider's response → items, with publisher links where the response gives
    them; `as_provider` reads a link of a proxy as the provider's own
    (`NewsSearchConfig.as_provider`). Raises FeedError(kind="not_feed") for a body that
    is none of its shapes."""
    if provider == "gdelt":
        body = page.body.strip()
        if not body:
            return []  # GDELT answers an empty body when nothing matches
        try:
            data = json.loads(body)
        except ValueError:
            raise FeedError("not GDELT JSON: " + body[:80].decode("utf-8", "replace"),
                            kind="not_feed") from None
        if not isinstance(data, dict) or (data and "articles" not in data):
            # `{}` is GDELT's "nothing found"; anything else without articles is not
            raise FeedError("not GDELT results: " + body[:80].decode("utf-8", "replace"),
                            kind="not_feed")
        rows = data.get("articles")
        items = []
        for row in rows if isinstance(rows, list) else []:
            url = row.get("url") if isinstance(row, dict) else None
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                continue
            items.append(Item(source_id=source_id, guid=url, url=url,
                              title=str(row.get("title") or ""),
                              published=_gdelt_time(row.get("seendate")),
                              site_name=str(row.get("domain") or "")))
        return items
    items = parse_feed(page, source_id)
    if provider == "google_news":
        return [_publisher_named(item) for item in items]
    if provider == "bing_news":
        return [replace(item, url=target, guid=target)
                if (target := bing_target(as_provider(item.url))) else item for item in items]
    return items


def _publisher_named(item: Item) -> Item:
    """Google News titles end with " - Publisher" (the `<source>` of the item): the
    headline alone is the title, the publisher its site."""
    headline, dash, publisher = item.title.rpartition(" - ")
    if not dash or not headline.strip() or not publisher.strip():
        return item
    return replace(item, title=headline.strip(), site_name=publisher.strip(" |"))


@dataclass
class _Gate:
    """One provider's turn in this process: sources searching it share the gap."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: float = 0.0  # time.monotonic() of its last request


# per event loop (a lock belongs to one), per provider host
_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Gate]] = \
    weakref.WeakKeyDictionary()


@dataclass
class _Round:
    """What one poll learns, per case: searches sent, items found, the last error."""

    searched: dict[str, str]
    found: dict[str, int]
    errors: dict[str, str]


class NewsSearchSource:
    def __init__(self, config: NewsSearchConfig, queries: Mapping[str, Sequence[str]], *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        self.id = config.id
        self.config = config
        self.extract = config.extract
        self.searches = [(case, query) for case in sorted(queries) if config.covers(case)
                         for query in queries[case]]
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.gap = LIMITS[config.provider].gap
        self.per_poll = config.budget

    def round_time(self, interval: timedelta) -> timedelta:
        """How long one search of every case takes at `interval` between polls."""
        polls = -(-len(self.searches) // self.per_poll) if self.searches else 0
        return polls * interval

    def round_warning(self, interval: timedelta) -> str:
        """When a round over its cases takes longer than its window (an article may come
        and go between two searches of its case), what to do; else ""."""
        took = self.round_time(interval)
        if took <= self.config.window:
            return ""
        return (f"searching all {len(self.searches)} searches takes "
                f"{took.total_seconds() / 3600:.1f} h at {self.per_poll} a poll, longer than "
                f"the {self.config.window.total_seconds() / 3600:g} h window: raise "
                "max_requests, shorten interval, or widen window")

    async def _turn(self, *, first: bool = False) -> None:
        """Wait for this provider's turn: its gap (with jitter) after the last request
        any source of this process sent it."""
        gates = _GATES.setdefault(asyncio.get_running_loop(), {})
        gate = gates.setdefault(self.config.base, _Gate())
        async with gate.lock:
            wait = self.gap * (1.0 + 0.5 * self._rng.random())
            if first:  # only what is left of the gap since another source's request
                wait = max(0.0, gate.last + wait - time.monotonic()) if gate.last else 0.0
            if wait > 0:
                await self._sleep(wait)
            gate.last = time.monotonic()

    async def _get(self, fetch: Fetch, url: str, data: bytes | None = None) -> Page:
        try:
            page = await fetch(url, data=data) if data is not None else await fetch(url)
        except FeedError as exc:
            if exc.status in (403, 429):
                raise FeedError(f"{self.config.provider} refused the search (HTTP "
                                f"{exc.status}): backing off", kind="blocked",
                                status=exc.status, retry_after=exc.retry_after) from exc
            raise
        if page is None:
            raise FeedError("unexpected 304 Not Modified", kind="http")
        if is_block_page(page):
            raise FeedError(f"{self.config.provider} answered with a block page "
                            "(CAPTCHA or unusual traffic): backing off", kind="blocked")
        return page

    async def poll(self, fetch: Fetch, state: SourceState) -> PollResult:
        remembered = dict(state.state)
        if not self.searches:
            return PollResult(items=[], state=remembered)
        cursor = int(remembered.get("cursor", 0)) % len(self.searches)
        count = min(self.per_poll, len(self.searches))
        resolved: dict[str, str] = dict(remembered.get("resolved") or {})
        seen = _Round(dict(remembered.get("searched") or {}), {}, {})
        items: dict[str, Item] = {}
        backlog: set[str] = set()  # found only by a case's first search
        news: set[str] = set()
        sent = 0
        failures: list[FeedError] = []
        warnings: list[str] = []
        for k in range(count):
            case, query = self.searches[(cursor + k) % len(self.searches)]
            await self._turn(first=not sent)
            sent += 1
            try:
                page = await self._get(fetch, search_url(self.config, query))
                found = parse_results(self.config.provider, page, self.id,
                                      self.config.as_provider)
            except FeedError as exc:
                if exc.kind in ("blocked", "offline", "timeout"):
                    raise  # refused or unreachable: back off; the round resumes here
                seen.errors[case] = exc.message
                failures.append(exc)
                continue
            if self.config.provider != "gdelt" and not page.body.rstrip().endswith(b"</rss>"):
                warnings.append(f"{self.config.provider} answer for case {case} was cut "
                                f"short: {len(found)} whole items read")
            first = case not in seen.searched
            seen.searched[case] = datetime.now(UTC).isoformat(timespec="seconds")
            seen.found[case] = seen.found.get(case, 0) + len(found)
            for item in found:
                items.setdefault(item.guid, item)
                (backlog if first else news).add(item.guid)
        if len(failures) == count:
            raise failures[0]  # every search failed: the service, not a query
        keys = list(items)
        out, requests = await self._resolve(fetch, list(items.values()), resolved)
        first_only = {new.guid for key, new in zip(keys, out, strict=True)
                      if key in backlog and key not in news}
        remembered.update(
            cursor=(cursor + count) % len(self.searches),
            resolved=dict(list(resolved.items())[-REMEMBERED:]),
            searched=seen.searched, found=seen.found, errors=seen.errors,
            requests=sent + requests, searches=sent, round=len(self.searches),
        )
        return PollResult(items=out, state=remembered, backlog=frozenset(first_only),
                          warnings=warnings)

    async def _resolve(self, fetch: Fetch, items: list[Item],
                       resolved: dict[str, str]) -> tuple[list[Item], int]:
        """Google News items with the publisher's link where it can be had; the others
        keep Google's link and are not fetched for extraction."""
        if self.config.provider != "google_news":
            return items, 0
        budget, requests = self.config.max_resolves, 0
        out = []
        for item in items:
            article = google_article_id(self.config.as_provider(item.url))
            if article is None:
                out.append(item)
                continue
            target = resolved.get(article) or google_decode_local(article)
            if target is None and budget > 0:
                budget -= 1
                try:
                    target, used = await self._ask_google(fetch, article)
                    requests += used
                except FeedError as exc:
                    if exc.kind == "blocked":
                        budget = 0  # no more asking this poll
            if target:
                resolved[article] = target
                out.append(replace(item, url=target, guid=target))
            else:
                out.append(replace(item, page=False))
        return out, requests

    async def _ask_google(self, fetch: Fetch, article: str) -> tuple[str | None, int]:
        """The two requests public decoders make: the article page (on news.google.com,
        whose other paths send robots to a CAPTCHA) for its signature and time, then the
        batchexecute call that answers the publisher's URL."""
        await self._turn()
        base = self.config.base
        page = await self._get(fetch,
                               f"{base}/rss/articles/{article}?{urlencode(self.config.locale())}")
        params = google_page_params(page.body.decode("utf-8", "replace"))
        if params is None:
            return None, 1
        signature, timestamp = params
        await self._turn()
        body = google_batchexecute_body(article, timestamp, signature).encode()
        answer = await self._get(fetch, f"{base}/_/DotsSplashUi/data/batchexecute", body)
        target = google_batchexecute_url(answer.body.decode("utf-8", "replace"))
        if target and urlsplit(target).scheme in ("http", "https"):
            return target, 2
        return None, 2


@dataclass(frozen=True, slots=True)
class CaseSearch:
    """What a news search source remembers of one case's last search."""

    case: str
    searched: str | None  # ISO time of its last successful search
    items: int | None  # results that search gave, when it was in the last poll
    error: str | None  # the last poll's error for it


@dataclass(frozen=True, slots=True)
class SearchReport:
    """What a news search source's stored state tells of its last poll."""

    cases: list[CaseSearch]
    requests: int | None  # requests it sent (searches and resolved links)
    budget: int  # searches a poll may send
    left: int  # of those, what it did not use


def search_report(config: NewsSearchConfig, state: Mapping[str, Any],
                  case_ids: Sequence[str]) -> SearchReport:
    """Per case it searches for (of `case_ids`), from its stored state: the last search,
    the items and error of the last poll; and the requests and budget of that poll."""
    searched = state.get("searched") or {}
    found = state.get("found") or {}
    errors = state.get("errors") or {}
    rows = [CaseSearch(case, searched.get(case), found.get(case), errors.get(case))
            for case in case_ids if config.covers(case)]
    requests, searches = state.get("requests"), state.get("searches")
    return SearchReport(rows, requests if isinstance(requests, int) else None, config.budget,
                        config.budget - searches if isinstance(searches, int) else config.budget)
