"""The outbox: one row per (alert, channel), sent, retried, held for a digest or dead."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from monitor.store.rows import OutboxEntry, OutboxRow, iso, outbox_row, parse_iso
from monitor.store.sqlite import Database


class Outbox:
    """The outbox's statements; `Store` has them as its own."""

    db: Database

    def enqueue(self, entry: OutboxEntry, *, now: datetime) -> bool:
        """Record an alert for a channel. False if (alert, channel) was already recorded."""
        cursor = self.db.execute(
            """INSERT OR IGNORE INTO outbox (alert_id, channel_id, kind, case_id, payload,
                   status, attempts, next_attempt, created_at)
               VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)""",
            [entry.alert_id, entry.channel_id, entry.kind, entry.case_id,
             json.dumps(entry.payload, sort_keys=True), entry.status, iso(now), iso(now)],
        )
        return cursor.rowcount == 1

    def due(self, now: datetime, *, channel_id: str | None = None,
            limit: int = 100) -> list[OutboxRow]:
        sql = "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt <= ?"
        args: list[Any] = [iso(now)]
        if channel_id:
            sql += " AND channel_id = ?"
            args.append(channel_id)
        sql += " ORDER BY next_attempt, rowid LIMIT ?"
        return [outbox_row(r) for r in self.db.query(sql, [*args, limit])]

    def due_channels(self, now: datetime) -> list[str]:
        """The channels that have rows due now."""
        return [row[0] for row in self.db.execute(
            "SELECT DISTINCT channel_id FROM outbox WHERE status = 'pending' "
            "AND next_attempt <= ? ORDER BY channel_id", [iso(now)])]

    def mark_attempt(self, alert_id: str, channel_id: str) -> None:
        """Count a send before it starts, so a crash mid-send is visible as an attempt."""
        self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1 WHERE alert_id = ? AND channel_id = ?",
            [alert_id, channel_id],
        )

    def mark_sent(self, alert_id: str, channel_id: str, *, now: datetime, response: str) -> None:
        self.db.execute(
            """UPDATE outbox SET status = 'sent', sent_at = ?, response = ?, last_error = NULL
               WHERE alert_id = ? AND channel_id = ?""",
            [iso(now), response[:500], alert_id, channel_id],
        )

    def mark_retry(self, alert_id: str, channel_id: str, *, next_attempt: datetime,
                   error: str) -> None:
        self.db.execute(
            """UPDATE outbox SET next_attempt = ?, last_error = ?
               WHERE alert_id = ? AND channel_id = ?""",
            [iso(next_attempt), error[:500], alert_id, channel_id],
        )

    def mark_dead(self, alert_id: str, channel_id: str, *, error: str) -> None:
        self.db.execute(
            "UPDATE outbox SET status = 'dead', last_error = ? "
            "WHERE alert_id = ? AND channel_id = ?",
            [error[:500], alert_id, channel_id],
        )

    # digests ----------------------------------------------------------------------------

    def digest_last_fire(self, channel_id: str) -> datetime | None:
        row = self.db.execute("SELECT last_fire FROM digests WHERE channel_id = ?",
                              [channel_id]).fetchone()
        return parse_iso(row[0]) if row else None

    def set_digest_fire(self, channel_id: str, fire: datetime) -> None:
        self.db.execute(
            "INSERT INTO digests (channel_id, last_fire) VALUES (?, ?) "
            "ON CONFLICT(channel_id) DO UPDATE SET last_fire = excluded.last_fire",
            [channel_id, iso(fire)],
        )

    def oldest_held(self, channel_id: str) -> datetime | None:
        """When the oldest alert waiting for this channel's digest was recorded."""
        row = self.db.execute(
            "SELECT MIN(created_at) FROM outbox WHERE channel_id = ? AND status = 'digest'",
            [channel_id],
        ).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    def held(self, channel_id: str, *, until: datetime) -> list[OutboxRow]:
        """Alerts waiting for this channel's digest, recorded up to `until`, oldest first."""
        return [
            outbox_row(r)
            for r in self.db.query(
                "SELECT * FROM outbox WHERE channel_id = ? AND status = 'digest' "
                "AND created_at <= ? ORDER BY created_at, rowid",
                [channel_id, iso(until)],
            )
        ]

    def mark_digested(self, channel_id: str, alert_ids: Iterable[str], *,
                      digest_id: str) -> None:
        self.db.execute(
            "UPDATE outbox SET status = 'digested', digest_id = ? WHERE channel_id = ? "
            "AND status = 'digest' AND alert_id IN (SELECT value FROM json_each(?))",
            [digest_id, channel_id, json.dumps(list(alert_ids))],
        )

    def outbox_counts(self) -> dict[str, int]:
        return {
            row[0]: int(row[1])
            for row in self.db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        }

    def outbox_rows(self, *, statuses: Iterable[str], limit: int = 50) -> list[OutboxRow]:
        wanted = list(statuses)
        marks = ",".join("?" * len(wanted))
        return [
            outbox_row(r)
            for r in self.db.query(
                f"SELECT * FROM outbox WHERE status IN ({marks}) "
                "ORDER BY created_at DESC, alert_id LIMIT ?",
                [*wanted, limit],
            )
        ]

    def recent_sent(self, limit: int = 10) -> list[OutboxRow]:
        return [
            outbox_row(r)
            for r in self.db.query(
                "SELECT * FROM outbox WHERE status = 'sent' ORDER BY sent_at DESC LIMIT ?",
                [limit],
            )
        ]
