"""Domain values of the world out: the Alert (Contract 3), the Channel seam, delivery errors.

An Alert is built by the pipeline, stored in the outbox as its payload (Contract 3
JSON) and rebuilt from that payload by the delivery loop, so a channel sees exactly
what was persisted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, TextIO

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    import httpx

AlertKind = Literal["development", "update", "docket_entry", "new_suit", "digest",
                    "source_health", "test"]
PAYLOAD_VERSION = 1
# the procedural steps a development can be (an alert's `event`), each with its wording;
# the one list of them: grouping's step lexicon is held to these names
EVENT_LABELS = {
    "complaint_filed": "complaint filed",
    "amended_complaint": "amended complaint",
    "motion": "motion",
    "ruling": "ruling or order",
    "hearing": "hearing",
    "settlement": "settlement",
    "verdict": "verdict",
    "sentencing": "sentencing",
    "appeal": "appeal",
}


class DeliveryError(Exception):
    """A send failed. `retryable` errors are tried again later; others make the row dead."""

    def __init__(
        self, message: str, *, retryable: bool, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class DocketRef:
    court: str
    docket_number: str
    entry_number: int | None
    short_description: str
    document_url: str
    description: str = ""
    filed_at: str | None = None


@dataclass(frozen=True, slots=True)
class AlertItem:
    title: str
    url: str
    source: str
    published: str | None
    snippet: str = ""
    terms: tuple[str, ...] = ()
    docket: DocketRef | None = None


@dataclass(frozen=True, slots=True)
class SuitRef:
    """A new suit a party watch found: the suit, and the watched party it names."""

    court: str
    docket_number: str
    caption: str
    party: str
    side: str  # plaintiff, defendant or party
    watch: str

    def payload(self) -> dict[str, Any]:
        return {"court": self.court, "docket_number": self.docket_number,
                "caption": self.caption, "party": self.party, "side": self.side,
                "watch": self.watch}


@dataclass(frozen=True, slots=True)
class AlsoCovered:
    title: str
    url: str
    source: str


@dataclass(frozen=True, slots=True)
class Alert:
    """One thing to tell people. `id` is stable across retries and restarts."""

    id: str
    kind: AlertKind
    case_id: str
    case_caption: str
    item: AlertItem | None
    development_id: str | None = None
    development_new: bool = True
    event: str | None = None
    articles: int = 1
    also: tuple[AlsoCovered, ...] = ()  # the development's other articles
    possibly_related_to: str | None = None
    entries: tuple[Alert, ...] = field(default=())  # the alerts a digest gathers
    # the development's docket entries other than `item` (carried only with a development)
    filings: tuple[DocketRef, ...] = ()
    suit: SuitRef | None = None  # a new_suit alert's suit

    def payload(self) -> dict[str, Any]:
        """Contract 3, version 1."""
        body: dict[str, Any] = {
            "version": PAYLOAD_VERSION,
            "id": self.id,
            "kind": self.kind,
            "case": {"id": self.case_id, "caption": self.case_caption},
            "development": (
                {
                    "id": self.development_id,
                    "new": self.development_new,
                    "event": self.event,
                    "articles": self.articles,
                    "filings": [docket_payload(d) for d in self.filings],
                }
                if self.development_id
                else None
            ),
            "item": _item_payload(self.item) if self.item else None,
            "also": [{"title": a.title, "url": a.url, "source": a.source} for a in self.also],
        }
        if self.possibly_related_to:
            body["development"]["possibly_related_to"] = self.possibly_related_to
        if self.entries:
            body["entries"] = [entry.payload() for entry in self.entries]
        if self.suit is not None:
            body["suit"] = self.suit.payload()
        return body

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Alert:
        dev = data.get("development") or {}
        item = data.get("item")
        return cls(
            id=data["id"],
            kind=data["kind"],
            case_id=data["case"]["id"],
            case_caption=data["case"]["caption"],
            item=_item_from_payload(item) if item else None,
            development_id=dev.get("id"),
            development_new=dev.get("new", True),
            event=dev.get("event"),
            articles=dev.get("articles", 1),
            possibly_related_to=dev.get("possibly_related_to"),
            also=tuple(AlsoCovered(**a) for a in data.get("also", [])),
            filings=tuple(docket_from_payload(d) for d in dev.get("filings", [])),
            entries=tuple(cls.from_payload(e) for e in data.get("entries", [])),
            suit=SuitRef(**data["suit"]) if data.get("suit") else None,
        )


def _item_payload(item: AlertItem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "title": item.title,
        "url": item.url,
        "source": item.source,
        "published": item.published,
        "snippet": item.snippet,
        "terms": list(item.terms),
    }
    if item.docket is not None:
        out["docket"] = docket_payload(item.docket)
    return out


def _item_from_payload(data: dict[str, Any]) -> AlertItem:
    docket = data.get("docket")
    return AlertItem(
        title=data["title"],
        url=data["url"],
        source=data["source"],
        published=data.get("published"),
        snippet=data.get("snippet", ""),
        terms=tuple(data.get("terms", ())),
        docket=docket_from_payload(docket) if docket else None,
    )


def docket_payload(docket: DocketRef) -> dict[str, Any]:
    """A docket entry as Contract 3 writes it: `item.docket` and each of
    `development.filings`."""
    return {
        "court": docket.court,
        "docket_number": docket.docket_number,
        "entry_number": docket.entry_number,
        "short_description": docket.short_description,
        "document_url": docket.document_url,
        "description": docket.description,
        "filed_at": docket.filed_at,
    }


def docket_from_payload(data: dict[str, Any]) -> DocketRef:
    """The inverse of `docket_payload`; `description` and `filed_at` may be missing."""
    return DocketRef(
        court=data["court"],
        docket_number=data["docket_number"],
        entry_number=data.get("entry_number"),
        short_description=data["short_description"],
        document_url=data["document_url"],
        description=data.get("description", ""),
        filed_at=data.get("filed_at"),
    )


@dataclass(frozen=True, slots=True)
class Delivered:
    """What the receiving server answered, for logs and `send-test`."""

    detail: str


class ChannelConfigBase(BaseModel):
    """Options every channel kind shares; each kind adds its own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    updates: Literal["none", "digest", "send"] = "none"
    digest: str | None = None  # cron expression: gather alerts and send one message then
    timezone: str = "UTC"
    cases: list[str] = Field(default_factory=list)  # empty: every case
    events: list[str] = Field(default_factory=list)  # empty: every kind of event
    ops: bool = False  # receives source_health alerts
    max_attempts: int = Field(default=30, ge=1)


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """What the daemon lends every channel: one HTTP client, the console stream."""

    http: httpx.AsyncClient
    stream: TextIO | None = None


class Channel(Protocol):
    """A configured channel kind. `send` raises DeliveryError on failure."""

    id: str

    def describe(self) -> str:
        """A log-safe description: never a secret or a token-bearing URL."""
        ...

    async def send(self, alert: Alert) -> Delivered: ...

    async def aclose(self) -> None: ...
