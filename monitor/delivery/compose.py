"""Alerts made from what the pipeline decided, and which channels take them and how."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from alerts.base import Alert, AlertItem, AlsoCovered, ChannelConfigBase, DocketRef, SuitRef
from feeds.base import DocketEntry, Item
from monitor.config import CaseConfig
from monitor.identity import stable_id
from monitor.store.rows import NewDevelopment, docket_from_json, iso


def channel_status(channel: ChannelConfigBase, alert: Alert) -> str | None:
    """How an alert goes to a channel: 'pending', 'digest' (held), or None (not at all)."""
    if channel.cases and alert.case_id not in channel.cases:
        return None
    if channel.events and alert.kind not in channel.events and alert.event not in channel.events:
        return None
    if alert.kind == "update":
        if channel.updates == "none":
            return None
        if channel.updates == "digest":
            return "digest"
    return "digest" if channel.digest else "pending"


def docket_ref(entry: DocketEntry) -> DocketRef:
    """A docket entry as an alert tells it."""
    return DocketRef(
        court=entry.court, docket_number=entry.docket_number,
        entry_number=entry.entry_number, short_description=entry.short_description,
        document_url=entry.document_url, description=entry.description,
        filed_at=iso(entry.filed_at),
    )


def build_alert(
    *,
    kind: str,
    case: CaseConfig,
    item: Item,
    snippet: str,
    terms: tuple[str, ...],
    development_id: str,
    new: NewDevelopment | None,
    possibly_related_to: str | None,
    articles: int,
    also: tuple[AlsoCovered, ...] = (),
    filings: tuple[DocketEntry, ...] = (),
    suit: SuitRef | None = None,
) -> Alert:
    """The alert for one matched item; its id is stable for the same development and item."""
    if kind == "development":
        alert_id = "a-" + stable_id("development", case.id, development_id)
    else:
        alert_id = "a-" + stable_id(kind, case.id, development_id, item.source_id, item.guid)
    return Alert(
        id=alert_id,
        kind=kind,  # type: ignore[arg-type]
        case_id=case.id,
        case_caption=case.title,
        item=AlertItem(
            title=item.title,
            url=item.url,
            source=item.site_name or item.source_id,
            published=iso(item.published),
            snippet=snippet,
            terms=terms,
            docket=docket_ref(item.docket) if item.docket is not None else None,
        ),
        development_id=development_id,
        development_new=new is not None,
        event=new.event if new else None,
        articles=articles,
        also=also,
        filings=tuple(docket_ref(entry) for entry in filings),
        possibly_related_to=possibly_related_to,
        suit=suit,
    )


def told(rows: Iterable[Mapping[str, Any]], item_id: int | None = None,
         docket: DocketEntry | None = None) -> dict[str, Any]:
    """A development's items (`Store.development_items`) other than the alert's own (all
    of them when there is none), as `build_alert` takes them: its articles (`also`) and
    its filings (each entry once, as last told; not the alert's own entry)."""
    also: list[AlsoCovered] = []
    filings: dict[str, DocketEntry] = {}
    for row in rows:
        if row["id"] == item_id:
            continue
        if row["kind"] == "docket":
            entry = docket_from_json(row["docket"])
            if entry is not None and (docket is None or entry.guid != docket.guid):
                filings[entry.guid] = entry
        else:
            also.append(AlsoCovered(title=row["title"], url=row["url"],
                                    source=row["site_name"] or row["source_id"]))
    return {"also": tuple(also), "filings": tuple(filings.values())}
