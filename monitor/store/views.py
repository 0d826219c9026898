"""What the case pages read: per-case summaries, a case's timeline page by page, its
activity by date, and the outbox rows still waiting. Reads only; `Store` has them as
its own, and the pages run them on a connection that cannot write (`reader`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.store.rows import iso
from monitor.store.sqlite import Database


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """One case's developments: the latest, how many, and how many recently."""

    case_id: str
    total: int
    last_7_days: int
    last_30_days: int
    last_id: str
    last_headline: str
    last_event: str | None
    last_at: str  # when it was first seen (ISO, UTC)
    last_filed: bool = False  # a docket entry began it


@dataclass(frozen=True, slots=True)
class Member:
    """One item of a development: an article (coverage) or a docket entry (filing)."""

    development_id: str
    role: str  # development, update, docket_entry or duplicate
    kind: str  # "news" or "docket"
    source_id: str
    outlet: str
    title: str
    url: str
    published: str | None
    seen: str
    docket: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class DevelopmentRow:
    id: str
    event: str | None
    headline: str
    articles: int
    possibly_related_to: str | None
    created_at: str
    last_seen_at: str
    dated: str  # its first item's publication date, else when it was seen


def reader(path: str | Path) -> Database:
    """A connection to the database file that takes no writes (the pages' own)."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True,
                           timeout=5, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")
    return Database(conn)


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class Views:
    """The pages' statements."""

    db: Database

    def case_order(self) -> dict[str, str]:
        """When each case with developments last had a new one (case → ISO time)."""
        return dict(self.db.execute("SELECT case_id, last_at FROM case_activity"))

    def case_summary(self, case_id: str, *, week: datetime,
                     month: datetime) -> CaseSummary | None:
        """A case's latest development (the last seen; of those seen together, the
        latest dated) and its counts since `week` and `month`, in all."""
        row = self.db.execute(
            """SELECT developments.id, headline, event, items.kind, developments.created_at
               FROM developments LEFT JOIN items ON items.id = developments.first_item_id
               WHERE developments.case_id = ?
               ORDER BY developments.created_at DESC, developments.dated DESC,
                        developments.rowid DESC LIMIT 1""",
            [case_id]).fetchone()
        if row is None:
            return None
        dev_id, headline, event, kind, last = row
        monthly, weekly = self.db.execute(
            """SELECT COUNT(*), COALESCE(SUM(created_at >= ?), 0) FROM developments
               WHERE case_id = ? AND created_at >= ?""",
            [iso(week), case_id, iso(month)]).fetchone()
        (total,) = self.db.execute(
            "SELECT developments FROM case_activity WHERE case_id = ?", [case_id]).fetchone()
        return CaseSummary(case_id, int(total), int(weekly), int(monthly), dev_id, headline,
                           event, last, kind == "docket")

    def timeline(self, case_id: str, *, events: Iterable[str] = (),
                 sources: Iterable[str] | None = None, limit: int = 50,
                 offset: int = 0) -> tuple[list[DevelopmentRow], int]:
        """A page of the case's developments, newest first by their first item's date,
        and how many there are in all. `events` keeps those of these steps; `sources`
        those an item of these sources told (None: any source)."""
        where, args = "case_id = ?", [case_id]
        wanted = list(events)
        if wanted:
            where += f" AND event IN ({_marks(wanted)})"
            args += wanted
        if sources is not None:
            told_by = list(sources) or [""]
            where += f""" AND id IN (SELECT development_id FROM matches
                                     WHERE case_id = ? AND source_id IN ({_marks(told_by)}))"""
            args += [case_id, *told_by]
        (total,) = self.db.execute(
            f"SELECT COUNT(*) FROM developments WHERE {where}", args).fetchone()
        rows = self.db.execute(
            f"""SELECT id, event, headline, articles, possibly_related_to, created_at,
                       last_seen_at, COALESCE(dated, created_at)
                FROM developments WHERE {where} ORDER BY dated DESC, rowid DESC
                LIMIT ? OFFSET ?""",
            [*args, limit, offset],
        )
        return [DevelopmentRow(*row) for row in rows], int(total)

    def members(self, development_ids: Sequence[str]) -> list[Member]:
        """The items of these developments, in the order they were stored."""
        if not development_ids:
            return []
        rows = self.db.execute(
            f"""SELECT matches.development_id, matches.role, items.kind, items.source_id,
                       items.site_name, items.title, items.url, items.published,
                       matches.created_at, items.docket
                FROM matches JOIN items ON items.id = matches.item_id
                WHERE matches.development_id IN ({_marks(development_ids)})
                ORDER BY items.id""",
            list(development_ids),
        )
        return [Member(dev, role, "docket" if kind == "docket" else "news", source,
                       site or source, title, url, published, seen,
                       json.loads(docket) if docket else None)
                for dev, role, kind, source, site, title, url, published, seen, docket
                in rows]

    def case_events(self, case_id: str) -> list[str]:
        """The steps the case's developments are, each once."""
        return [row[0] for row in self.db.execute(
            "SELECT DISTINCT event FROM developments WHERE case_id = ? AND event IS NOT NULL "
            "ORDER BY event", [case_id])]

    def case_sources(self, case_id: str) -> list[str]:
        """The sources that told the case anything."""
        return [row[0] for row in self.db.execute(
            "SELECT DISTINCT source_id FROM matches WHERE case_id = ?", [case_id])]

    def activity(self, case_id: str) -> list[tuple[str, str, bool, int]]:
        """How many of the case's items that are not copies fall on each day, by kind
        ("news" or "docket") and by whether they began a development; the day is the
        item's publication date, else when it was seen."""
        return [(day, "docket" if kind == "docket" else "news", bool(begins), int(count))
                for day, kind, begins, count in self.db.execute(
                    """SELECT substr(dated, 1, 10), kind,
                              role IN ('development', 'docket_entry'), COUNT(*)
                       FROM matches WHERE case_id = ? AND role != 'duplicate'
                       GROUP BY 1, 2, 3""",
                    [case_id])]

    def waiting(self, *, statuses: Sequence[str] = ("pending", "digest", "dead"),
                per_channel: int = 50) -> tuple[list[dict[str, Any]], dict[tuple[str, str], int]]:
        """The newest `per_channel` outbox rows of each channel and status, with the alert's
        title, and the count of each (channel, status)."""
        marks = _marks(statuses)
        counts = {(channel, status): int(count) for channel, status, count in self.db.execute(
            f"""SELECT channel_id, status, COUNT(*) FROM outbox WHERE status IN ({marks})
                GROUP BY channel_id, status""", list(statuses))}
        rows = list(self.db.query(
            f"""SELECT * FROM (
                    SELECT alert_id, channel_id, kind, case_id, status, attempts,
                           next_attempt, created_at, last_error,
                           json_extract(payload, '$.item.title') AS title,
                           ROW_NUMBER() OVER (PARTITION BY channel_id, status
                                              ORDER BY created_at DESC, alert_id) AS n
                    FROM outbox WHERE status IN ({marks}))
                WHERE n <= ? ORDER BY channel_id, status, created_at DESC, alert_id""",
            [*statuses, per_channel]))
        return rows, counts
