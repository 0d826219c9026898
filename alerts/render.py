"""All wording of alerts lives here: plain text for the console and the text part of mails."""

from __future__ import annotations

from alerts.base import Alert

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


def headline(alert: Alert) -> str:
    """One line: what happened, in which case."""
    item = alert.item
    if alert.kind == "docket_entry" and item and item.docket:
        d = item.docket
        number = f"#{d.entry_number} " if d.entry_number is not None else ""
        return f"New filing in {alert.case_caption}: {number}{d.short_description}".strip()
    if alert.kind == "digest":
        return f"Digest: {len(alert.entries)} alerts"
    if alert.kind == "source_health":
        return item.title if item else "Source health"
    if alert.kind == "update":
        return f"Update in {alert.case_caption}: {item.title if item else ''}"
    return f"{alert.case_caption}: {item.title if item else ''}"


def render_text(alert: Alert) -> str:
    """A plain-text rendering of one alert (no markup, outside text shown as is)."""
    if alert.kind == "digest":
        parts = [headline(alert), ""]
        for entry in alert.entries:
            parts.append("- " + render_text(entry).replace("\n", "\n  "))
        return "\n".join(parts)
    lines = [headline(alert)]
    item = alert.item
    if alert.event:
        lines.append(f"Event: {EVENT_LABELS.get(alert.event, alert.event)}")
    if alert.possibly_related_to:
        lines.append(f"Possibly related to development {alert.possibly_related_to}")
    if item:
        meta = " · ".join(x for x in (item.source, item.published or "") if x)
        if meta:
            lines.append(meta)
        if item.docket and item.docket.description:
            lines.append(item.docket.description)
        if item.snippet:
            lines.append(f"“{item.snippet}”")
        if item.terms:
            lines.append("Matched: " + ", ".join(item.terms))
        if item.url:
            lines.append(item.url)
        if item.docket and item.docket.document_url:
            lines.append(f"Document: {item.docket.document_url}")
    if alert.also:
        lines.append(f"Also covered by ({len(alert.also)}):")
        lines.extend(f"  - {a.source}: {a.title} {a.url}".rstrip() for a in alert.also)
    return "\n".join(lines)
