"""The values the store reads and writes: rows of sources and the outbox, matches,
developments, and the ISO 8601 text times are kept as."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feeds.base import DocketEntry, SourceState


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True, slots=True)
class SourceRow:
    id: str
    state: SourceState
    first_poll_done: bool
    last_poll: datetime | None
    last_success: datetime | None
    next_poll: datetime | None
    consecutive_errors: int
    failing_since: datetime | None
    last_error: str | None
    last_error_kind: str | None
    last_new_item: datetime | None
    empty_extracts: int = 0  # polls in a row whose new articles all failed extraction


@dataclass(frozen=True, slots=True)
class OutboxRow:
    alert_id: str
    channel_id: str
    kind: str
    case_id: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt: datetime
    created_at: datetime
    last_error: str | None


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """One matched item for one case, ready to be stored with its outbox rows."""

    case_id: str
    score: float
    terms: tuple[str, ...]
    snippet: str
    development_id: str | None
    role: str  # "development" | "update" | "duplicate" | "docket_entry"
    vector: bytes | None = None  # the article's TF-IDF vector as grouping weighed it
    step: str | None = None  # a docket entry's procedural step, none for routine paperwork


@dataclass(frozen=True, slots=True)
class NewDevelopment:
    id: str
    case_id: str
    event: str | None
    headline: str
    possibly_related_to: str | None = None
    parties: tuple[str, ...] = ()  # numbered parties named so far ("john doe 2")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    alert_id: str
    channel_id: str
    kind: str
    case_id: str
    payload: dict[str, Any]
    status: str = "pending"  # or "digest": held for the channel's next digest


def source_row(row: dict[str, Any]) -> SourceRow:
    return SourceRow(
        id=row["id"],
        state=SourceState(
            etag=row["etag"], last_modified=row["last_modified"],
            state=json.loads(row["state"] or "{}"),
        ),
        first_poll_done=bool(row["first_poll_done"]),
        last_poll=parse_iso(row["last_poll"]),
        last_success=parse_iso(row["last_success"]),
        next_poll=parse_iso(row["next_poll"]),
        consecutive_errors=int(row["consecutive_errors"]),
        failing_since=parse_iso(row["failing_since"]),
        last_error=row["last_error"],
        last_error_kind=row["last_error_kind"],
        last_new_item=parse_iso(row["last_new_item"]),
        empty_extracts=int(row.get("empty_extracts") or 0),
    )


def outbox_row(row: dict[str, Any]) -> OutboxRow:
    return OutboxRow(
        alert_id=row["alert_id"],
        channel_id=row["channel_id"],
        kind=row["kind"],
        case_id=row["case_id"],
        payload=json.loads(row["payload"]),
        status=row["status"],
        attempts=int(row["attempts"]),
        next_attempt=datetime.fromisoformat(row["next_attempt"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        last_error=row["last_error"],
    )


def docket_from_json(data: str | None) -> DocketEntry | None:
    if not data:
        return None
    raw = json.loads(data)
    raw["filed_at"] = parse_iso(raw.get("filed_at"))
    return DocketEntry(**raw)
