"""Alerts made from what the pipeline decided, and which channels take them and how."""

from __future__ import annotations

from alerts.base import Alert, AlertItem, AlsoCovered, ChannelConfigBase, DocketRef
from feeds.base import Item
from monitor.config import CaseConfig
from monitor.identity import stable_id
from monitor.store.rows import NewDevelopment, iso


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
) -> Alert:
    """The alert for one matched item; its id is stable for the same development and item."""
    if kind == "development":
        alert_id = "a-" + stable_id("development", case.id, development_id)
    else:
        alert_id = "a-" + stable_id(kind, case.id, development_id, item.source_id, item.guid)
    docket = None
    if item.docket is not None:
        d = item.docket
        docket = DocketRef(
            court=d.court, docket_number=d.docket_number, entry_number=d.entry_number,
            short_description=d.short_description, document_url=d.document_url,
            description=d.description, filed_at=iso(d.filed_at),
        )
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
            docket=docket,
        ),
        development_id=development_id,
        development_new=new is not None,
        event=new.event if new else None,
        articles=articles,
        also=also,
        possibly_related_to=possibly_related_to,
    )
