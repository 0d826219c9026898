"""Domain values of the world in: pages, news items, docket entries, and the Source seam.

Sources turn fetched bytes into items. They never touch the database; the pipeline
hands each source its saved state and stores what the poll returns.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from feeds.docket_numbers import parse_docket_number

ErrorKind = Literal["offline", "timeout", "http", "not_feed", "too_large", "refused", "parse",
                    "blocked"]


class FeedError(Exception):
    """A source could not be polled. `retryable` says whether trying later may help."""

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind = "http",
        retryable: bool = True,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Page:
    """Bytes as fetched. Sources parse these; they never fetch by themselves."""

    url: str
    status: int
    body: bytes
    headers: Mapping[str, str]

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


@dataclass(frozen=True, slots=True)
class DocketEntry:
    """One entry on a court docket, as the court files it (Contract 2 fields)."""

    court: str
    docket_number: str
    case_name: str
    entry_number: int | None
    short_description: str
    description: str
    filed_at: datetime | None
    document_url: str
    pacer_case_id: str
    pacer_doc_id: str

    @property
    def guid(self) -> str:
        """The entry's identity: court + normalised docket number + entry, never a feed GUID.

        The entry part is the entry number, else the PACER document id, else the
        filing time and short description (minute entries have neither number nor
        document). Office digit and judge initials are left out, so `3:21-cv-00485`,
        `21-cv-485-JCS` and `3:21cv485` name the same docket; a criminal defendant
        number is kept, since each defendant has a docket of its own.
        """
        number = parse_docket_number(self.docket_number)
        if number is None:
            docket = " ".join(self.docket_number.lower().split())
        else:
            docket = "-".join(filter(None, (number.year, number.case_type, str(number.number))))
            if number.defendant is not None:
                docket += f"-{number.defendant}"
        if self.entry_number is not None:
            entry = str(self.entry_number)
        elif self.pacer_doc_id:
            entry = f"doc{self.pacer_doc_id}"
        else:
            when = self.filed_at.isoformat() if self.filed_at else ""
            entry = f"{when} {' '.join(self.short_description.lower().split())}"
        return f"{self.court.lower()}/{docket}/{entry}"

    def as_json(self) -> dict[str, Any]:
        return {
            "court": self.court,
            "docket_number": self.docket_number,
            "case_name": self.case_name,
            "entry_number": self.entry_number,
            "short_description": self.short_description,
            "description": self.description,
            "filed_at": self.filed_at.isoformat() if self.filed_at else None,
            "document_url": self.document_url,
            "pacer_case_id": self.pacer_case_id,
            "pacer_doc_id": self.pacer_doc_id,
        }


@dataclass(frozen=True, slots=True)
class Item:
    """One thing a source published: a news article or a docket entry.

    `guid` is the identity at its source (entry id, else link); a docket entry's
    guid is court + normalised docket number + entry, never the feed's GUID.
    """

    source_id: str
    guid: str
    url: str
    title: str
    summary: str = ""
    published: datetime | None = None
    text: str = ""
    site_name: str = ""
    extracted: bool = False
    extract_failed: bool = False
    docket: DocketEntry | None = None
    canonical_url: str = ""  # the page's own rel=canonical / og:url, when extracted
    page: bool = True  # `url` is the article's page (not a search service's redirect)

    @property
    def kind(self) -> Literal["news", "docket"]:
        return "docket" if self.docket is not None else "news"

    @property
    def body(self) -> str:
        """The best text there is: extracted article text, else the feed's summary."""
        return self.text or self.summary

    def as_json(self) -> dict[str, Any]:
        if self.docket is not None:
            return self.docket.as_json()
        return {
            "title": self.title,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "source": self.source_id,
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll of a source produced.

    `state` is the source's own memory between polls (cursors, lastBuildDate...),
    persisted by the pipeline as JSON and handed back on the next poll.
    """

    items: list[Item]
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    dropped: int = 0
    warnings: list[str] = field(default_factory=list)
    unchanged: int = 0  # items as in the last response, so already stored: not in `items`
    # of `items`, the guids of those that are a backlog, not news: what a search found
    # the first time it was made (recorded silently, as a source's first poll is)
    backlog: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the store remembers about a source, handed to its next poll."""

    etag: str | None = None
    last_modified: str | None = None
    state: Mapping[str, Any] = field(default_factory=dict)


# Runs a pure function away from the event loop (a thread, or a worker process).
Offload = Callable[..., Awaitable[Any]]


class Fetch(Protocol):
    """The one door to the network (implemented by feeds.fetch.Fetcher)."""

    def __call__(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: Mapping[str, str] | None = None,
        guard: bool = False,
        data: bytes | None = None,
    ) -> Awaitable[Page | None]: ...


class Source(Protocol):
    """A configured source kind. `poll` fetches through `fetch` and parses."""

    id: str
    extract: bool

    async def poll(self, fetch: Fetch, state: SourceState) -> PollResult: ...


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """'15m', '1h30m', '2d', or a number of seconds → timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=value)
    text = str(value).strip().lower().replace(" ", "")
    if text.isdigit():
        return timedelta(seconds=int(text))
    pos, seconds = 0, 0.0
    for found in _DURATION.finditer(text):
        if found.start() != pos:
            break
        seconds += float(found.group(1)) * _UNITS[found.group(2)]
        pos = found.end()
    if not text or pos != len(text):
        raise ValueError(f"not a duration: {value!r} (try '30s', '15m', '1h', '2d')")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class SourceConfigBase(BaseModel):
    """Options every source kind shares; each kind adds its own fields and `kind`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    interval: Duration | None = None  # default: [service] default_interval
    alert_on_first_poll: bool | None = None  # default: [service] alert_on_first_poll
    expected_update: Duration | None = None  # silent longer than this: a health alert
