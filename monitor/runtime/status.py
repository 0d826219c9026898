"""What `casewatch status` shows: sources, cases, the outbox and recent alerts.

`gather` reads the store into plain rows (the `--json` lines); `render` lays the same
rows out as tables with rich. Nothing here holds a secret: rows come from the store,
and the config contributes only ids, kinds and captions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from feeds.newssearch import NewsSearchConfig, search_report
from monitor.config import Settings
from monitor.pages.wording import ago
from monitor.runtime.health import source_health
from monitor.store.store import Store
from monitor.store.suits import SuitRow

if TYPE_CHECKING:  # rich loads to draw the tables, not for `status --json`
    from rich.console import Console


def gather(settings: Settings, store: Store, now: datetime) -> Iterator[dict[str, Any]]:
    """One row per source, case, outbox total, undelivered alert and recent alert."""
    configured = {s.id: s for s in settings.sources}
    for row in store.sources():
        if row.id not in configured:
            continue
        source = configured[row.id]
        health = source_health(settings, row, now)
        yield {"type": "source", "id": row.id, "kind": source.kind, "last_poll": row.last_poll,
               "last_success": row.last_success, "next_poll": row.next_poll,
               "errors": row.consecutive_errors, "last_error": row.last_error,
               "error_kind": row.last_error_kind, "health": health.state,
               "last_new_item": row.last_new_item}
        if isinstance(source, NewsSearchConfig):
            yield from _searches(settings, source, row.state.state)
    for case in settings.cases:
        developments = store.developments(case.id)
        told = store.told(case.id)
        yield {"type": "case", "id": case.id, "caption": case.title,
               "developments": len(developments),
               "court_and_press": sum(1 for articles, filings in told.values()
                                      if articles and filings),
               "last_development": max((d["created_at"] for d in developments), default=None)}
    for suit in store.suits(ended=True):
        yield {"type": "suit", "id": suit.id, "watch": suit.watch_id, "court": suit.court,
               "docket_number": suit.docket_number, "caption": suit.caption,
               "party": suit.party, "side": suit.side, "found": suit.created_at,
               "ended": suit.ended_at}
    counts = store.outbox_counts()
    yield {"type": "outbox", "pending": counts.get("pending", 0),
           "digest": counts.get("digest", 0), "sent": counts.get("sent", 0),
           "dead": counts.get("dead", 0)}
    for out in store.outbox_rows(statuses=("pending", "dead")):
        yield {"type": out.status, "alert": out.alert_id, "channel": out.channel_id,
               "case": out.case_id, "attempts": out.attempts,
               "next_attempt": out.next_attempt, "reason": out.last_error}
    for out in store.recent_sent():
        yield {"type": "sent", "alert": out.alert_id, "channel": out.channel_id,
               "case": out.case_id, "kind": out.kind,
               "title": (out.payload.get("item") or {}).get("title")}


def case_toml(settings: Settings, suit: SuitRow) -> str:
    """A suit as a [[cases]] table, to follow it as a configured case."""
    watch = next((w for w in settings.watches if w.id == suit.watch_id), None)
    fields: list[tuple[str, object]] = [
        ("id", suit.id), ("caption", suit.caption), ("parties", [suit.party]),
        ("court", suit.court), ("docket_number", suit.docket_number),
        ("notify", list(watch.notify) if watch else []),
    ]
    if watch is not None and watch.docket_alert != "filtered":
        fields.append(("docket_alert", watch.docket_alert))
    lines = [f"# found by watch {suit.watch_id} on {suit.created_at[:10]}; "
             f"then `casewatch unwatch {suit.id}`", "[[cases]]"]
    lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in fields]
    return "\n".join(lines) + "\n"


def _searches(settings: Settings, source: NewsSearchConfig,
              state: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per case a news search source searches for."""
    report = search_report(source, state, [c.id for c in settings.cases])
    for row in report.cases:
        yield {"type": "search", "source": source.id, "provider": source.provider,
               "case": row.case, "last_search": row.searched, "items": row.items,
               "error": row.error, "requests_last_poll": report.requests,
               "budget": report.budget, "budget_left": report.left}


_HEALTH_STYLE = {"ok": "green", "failing": "bold red", "silent": "yellow"}


def render(rows: list[dict[str, Any]], now: datetime, console: Console) -> None:
    """The rows as four tables: sources, cases, outbox, alerts."""
    from rich.table import Table
    from rich.text import Text

    sources = Table(title="Sources", title_justify="left")
    for column in ("source", "kind", "health", "last poll", "next poll", "errors", "last error"):
        sources.add_column(column, overflow="fold")
    cases = Table(title="Cases", title_justify="left")
    for column in ("case", "caption", "developments", "court and press", "last development"):
        cases.add_column(column, overflow="fold")
    searches = Table(title="News searches", title_justify="left")
    for column in ("source", "provider", "case", "last search", "items", "error"):
        searches.add_column(column, overflow="fold")
    suits = Table(title="Suits found by watches", title_justify="left")
    for column in ("suit", "watch", "caption", "party", "found", "followed"):
        suits.add_column(column, overflow="fold")
    alerts = Table(title="Alerts", title_justify="left")
    for column in ("status", "channel", "case", "what", "attempts", "next try / reason"):
        alerts.add_column(column, overflow="fold")
    outbox = Text()
    for row in rows:
        kind = row["type"]
        if kind == "source":
            sources.add_row(row["id"], row["kind"],
                            Text(row["health"], style=_HEALTH_STYLE.get(row["health"], "")),
                            ago(row["last_poll"], now), ago(row["next_poll"], now),
                            str(row["errors"]), Text(row["last_error"] or ""))
        elif kind == "search":
            searches.add_row(row["source"], row["provider"], row["case"],
                             ago(row["last_search"], now),
                             "—" if row["items"] is None else str(row["items"]),
                             Text(row["error"] or ""))
        elif kind == "case":
            cases.add_row(row["id"], Text(row["caption"]), str(row["developments"]),
                          str(row["court_and_press"]), ago(row["last_development"], now))
        elif kind == "suit":
            suits.add_row(row["id"], row["watch"], Text(row["caption"]),
                          Text(f"{row['party']} ({row['side']})"), ago(row["found"], now),
                          "no (unwatched)" if row["ended"] else "yes")
        elif kind == "outbox":
            outbox = Text(f"Outbox: {row['pending']} pending, {row['digest']} held for digests, "
                          f"{row['sent']} sent, {row['dead']} dead",
                          style="bold red" if row["dead"] else "")
        elif kind in ("pending", "dead"):
            detail = row["reason"] or ""
            if kind == "pending":
                detail = f"{ago(row['next_attempt'], now)}: {detail}".rstrip(": ")
            alerts.add_row(Text(kind, style="bold red" if kind == "dead" else "yellow"),
                           row["channel"], row["case"], row["alert"], str(row["attempts"]),
                           Text(detail))
        elif kind == "sent":
            alerts.add_row(Text("sent", style="green"), row["channel"], row["case"],
                           Text(row["title"] or row["alert"]), "", "")
    console.print(sources)
    if searches.row_count:
        console.print(searches)
    console.print(cases)
    if suits.row_count:
        console.print(suits)
    console.print(outbox)
    console.print(alerts)
