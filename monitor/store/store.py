"""Every SQL statement casewatch runs. One SQLite file, WAL, short transactions.

Identity and "at most once" are database constraints: an item is unique per
(source, guid), a match per (item, case), an outbox row per (alert, channel).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from feeds.base import DocketEntry, Item
from monitor.store import migrations
from monitor.store.outbox import Outbox
from monitor.store.rows import (
    MatchRecord,
    NewDevelopment,
    SourceRow,
    docket_from_json,
    iso,
    parse_iso,
    source_row,
)
from monitor.store.sqlite import Database
from monitor.store.suits import Suits
from monitor.store.views import Views


class StoreError(Exception):
    """The database cannot be opened or written."""


class Store(Outbox, Views, Suits):
    """The database: sources, items, matches and developments here, the outbox in
    `Outbox`, what the case pages read in `Views`, the suits watches found in `Suits`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (creating if needed) the database file and bring its schema up to date."""
        target = Path(path)
        try:
            if str(path) != ":memory:":
                target.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(target), timeout=30, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 30000")
            db = Database(conn)
            if str(path) != ":memory:":
                db.enable_wal()
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrations.apply(db)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from None
        return cls(db)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self.db.atomic():
            yield

    def write_problem(self, *, wait: float = 1.0) -> str | None:
        """Why the database file takes no writes now (None: it does), found by writing.

        One row of `counters` is written and committed, so a lock held by another
        process, a read-only or full disk, an I/O error or a closed store all show (a
        temporary table lives outside the file and would not). Waits at most `wait`
        seconds for another writer.
        """
        try:
            conn = self.db.conn
            (previous,) = conn.execute("PRAGMA busy_timeout").fetchone()
            conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            try:
                with self.db.atomic():
                    self.db.execute(
                        "INSERT INTO counters (name, value) "
                        "VALUES ('health_probe', strftime('%s', 'now')) "
                        "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
                    )
            finally:
                conn.execute(f"PRAGMA busy_timeout = {int(previous)}")
        except sqlite3.Error as exc:
            return str(exc) or type(exc).__name__
        return None

    # sources --------------------------------------------------------------------------

    def ensure_sources(self, ids: Iterable[str]) -> None:
        with self.db.atomic():
            for source_id in ids:
                self.db.execute("INSERT OR IGNORE INTO sources (id) VALUES (?)", [source_id])

    def source(self, source_id: str) -> SourceRow:
        rows = list(self.db.query("SELECT * FROM sources WHERE id = ?", [source_id]))
        if not rows:
            self.ensure_sources([source_id])
            rows = list(self.db.query("SELECT * FROM sources WHERE id = ?", [source_id]))
        return source_row(rows[0])

    def sources(self) -> list[SourceRow]:
        return [source_row(r) for r in self.db.query("SELECT * FROM sources ORDER BY id")]

    def record_poll_success(
        self,
        source_id: str,
        *,
        now: datetime,
        next_poll: datetime,
        etag: str | None,
        last_modified: str | None,
        state: dict[str, Any],
        got_new: bool,
    ) -> None:
        self.db.execute(
            """UPDATE sources SET etag = ?, last_modified = ?, state = ?, first_poll_done = 1,
                   last_poll = ?, last_success = ?, next_poll = ?, consecutive_errors = 0,
                   failing_since = NULL, last_error = NULL, last_error_kind = NULL,
                   polls = polls + 1,
                   last_new_item = CASE WHEN ? THEN ? ELSE last_new_item END
               WHERE id = ?""",
            [etag, last_modified, json.dumps(state), iso(now), iso(now), iso(next_poll),
             got_new, iso(now), source_id],
        )

    def record_poll_failure(
        self, source_id: str, *, now: datetime, next_poll: datetime, error: str, kind: str
    ) -> int:
        """Count a failed poll; returns the number of consecutive errors."""
        self.db.execute(
            """UPDATE sources SET last_poll = ?, next_poll = ?,
                   consecutive_errors = consecutive_errors + 1,
                   failing_since = COALESCE(failing_since, ?),
                   last_error = ?, last_error_kind = ?, polls = polls + 1, errors = errors + 1
               WHERE id = ?""",
            [iso(now), iso(next_poll), iso(now), error, kind, source_id],
        )
        row = self.db.execute(
            "SELECT consecutive_errors FROM sources WHERE id = ?", [source_id]
        ).fetchone()
        return int(row[0]) if row else 0

    def record_extraction(self, source_id: str, *, all_failed: bool) -> None:
        """Count polls in a row whose new articles yielded no text at all."""
        self.db.execute(
            """UPDATE sources SET empty_extracts = CASE WHEN ? THEN empty_extracts + 1 ELSE 0 END
               WHERE id = ?""",
            [all_failed, source_id],
        )

    def health(self, subject: str) -> tuple[str, str | None] | None:
        """The source health last said of a subject: (state, since)."""
        row = self.db.execute("SELECT state, since FROM health WHERE subject = ?",
                              [subject]).fetchone()
        return (row[0], row[1]) if row else None

    def health_said(self) -> dict[str, tuple[str, str | None]]:
        """The source health last said of every subject: subject → (state, since)."""
        return {row[0]: (row[1], row[2])
                for row in self.db.execute("SELECT subject, state, since FROM health")}

    def set_health(self, subject: str, state: str, since: datetime | None, *,
                   now: datetime) -> None:
        self.db.execute(
            """INSERT INTO health (subject, state, since, changed_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (subject) DO UPDATE SET state = excluded.state,
                   since = excluded.since, changed_at = excluded.changed_at""",
            [subject, state, iso(since) if since else None, iso(now)],
        )

    def known_guids(self, source_id: str, guids: Iterable[str]) -> set[str]:
        wanted = list(guids)
        known: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            known.update(
                row[0]
                for row in self.db.execute(
                    f"SELECT guid FROM items WHERE source_id = ? AND guid IN ({marks})",
                    [source_id, *chunk],
                )
            )
        return known

    def item_by_canonical_url(self, canonical_url: str) -> int | None:
        """The original of the first item stored at this canonical URL (seen-state is
        never pruned: a repeat of a repeat is still a repeat)."""
        row = self.db.execute(
            "SELECT COALESCE(duplicate_of, id) FROM items WHERE canonical_url = ? "
            "ORDER BY id LIMIT 1",
            [canonical_url],
        ).fetchone()
        return int(row[0]) if row else None

    def item_by_text_hash(self, text_hash: str) -> int | None:
        """The original of the first item stored with this normalised text."""
        row = self.db.execute(
            "SELECT COALESCE(duplicate_of, id) FROM items WHERE text_hash = ? "
            "ORDER BY id LIMIT 1",
            [text_hash],
        ).fetchone()
        return int(row[0]) if row else None

    def insert_item(
        self,
        item: Item,
        *,
        now: datetime,
        canonical_url: str | None,
        text_hash: str | None = None,
        status: str = "new",
        duplicate_of: int | None = None,
        dated_by_arrival: bool = False,
    ) -> int | None:
        """Store an item; None when (source, guid) was already stored."""
        cursor = self.db.execute(
            """INSERT OR IGNORE INTO items (source_id, guid, url, canonical_url, title, summary,
                   text, text_hash, site_name, published, fetched_at, kind, docket, extracted,
                   extract_failed, status, duplicate_of, dated_by_arrival)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [item.source_id, item.guid, item.url, canonical_url, item.title, item.summary,
             item.text, text_hash, item.site_name, iso(item.published), iso(now), item.kind,
             json.dumps(item.docket.as_json()) if item.docket else None, int(item.extracted),
             int(item.extract_failed), status, duplicate_of, int(dated_by_arrival)],
        )
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def docket_original(self, guid: str) -> tuple[int, DocketEntry] | None:
        """The first stored docket entry with this identity (from any source) and its fields."""
        row = self.db.execute(
            """SELECT id, docket FROM items WHERE guid = ? AND kind = 'docket'
               AND duplicate_of IS NULL ORDER BY id LIMIT 1""",
            [guid],
        ).fetchone()
        if row is None or (entry := docket_from_json(row[1])) is None:
            return None
        return row[0], entry

    def item(self, item_id: int) -> dict[str, Any]:
        return dict(next(self.db.query("SELECT * FROM items WHERE id = ?", [item_id])))

    def insert_development(self, dev: NewDevelopment, *, item_id: int, now: datetime,
                           articles: int = 1) -> None:
        """A new development; `articles` is 0 for one a filing begins."""
        self.db.execute(
            """INSERT INTO developments (id, case_id, event, headline, first_item_id,
                   articles, possibly_related_to, created_at, last_seen_at, parties, dated)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                       COALESCE((SELECT published FROM items WHERE id = ?), ?))""",
            [dev.id, dev.case_id, dev.event, dev.headline, item_id, articles,
             dev.possibly_related_to, iso(now), iso(now), json.dumps(list(dev.parties)),
             item_id, iso(now)],
        )
        self.db.execute(
            """INSERT INTO case_activity (case_id, developments, last_at) VALUES (?, 1, ?)
               ON CONFLICT (case_id) DO UPDATE SET developments = developments + 1,
                   last_at = MAX(last_at, excluded.last_at)""",
            [dev.case_id, iso(now)],
        )

    def touch_development(self, development_id: str, *, now: datetime,
                          article: bool = True) -> int:
        """Count one more item for a development (an article, or a filing that is not
        counted as one); returns its count of articles."""
        self.db.execute(
            "UPDATE developments SET articles = articles + ?, last_seen_at = ? WHERE id = ?",
            [int(article), iso(now), development_id],
        )
        row = self.db.execute(
            "SELECT articles FROM developments WHERE id = ?", [development_id]
        ).fetchone()
        return int(row[0]) if row else 0

    def developments(self, case_id: str | None = None) -> list[dict[str, Any]]:
        if case_id:
            return list(self.db.query(
                "SELECT * FROM developments WHERE case_id = ? ORDER BY created_at, rowid", [case_id]
            ))
        return list(self.db.query("SELECT * FROM developments ORDER BY created_at, rowid"))

    def development_items(self, development_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                """SELECT items.*, matches.role, matches.score FROM matches
                   JOIN items ON items.id = matches.item_id
                   WHERE matches.development_id = ? ORDER BY items.id""",
                [development_id],
            )
        )

    def insert_match(self, item_id: int, match: MatchRecord, *, now: datetime) -> bool:
        cursor = self.db.execute(
            """INSERT OR IGNORE INTO matches (item_id, case_id, score, terms, snippet,
                   development_id, role, created_at, vector, step, source_id, kind, dated)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                       (SELECT source_id FROM items WHERE id = ?),
                       (SELECT kind FROM items WHERE id = ?),
                       COALESCE((SELECT published FROM items WHERE id = ?), ?))""",
            [item_id, match.case_id, match.score, json.dumps(list(match.terms)), match.snippet,
             match.development_id, match.role, iso(now), match.vector, match.step,
             item_id, item_id, item_id, iso(now)],
        )
        return cursor.rowcount == 1

    def matches(self, *, case_id: str | None = None,
                since: datetime | None = None) -> list[dict[str, Any]]:
        sql = """SELECT matches.*, items.title, items.url, items.source_id, items.published,
                        items.docket, items.kind
                 FROM matches JOIN items ON items.id = matches.item_id WHERE 1 = 1"""
        args: list[Any] = []
        if case_id:
            sql += " AND matches.case_id = ?"
            args.append(case_id)
        if since:
            sql += " AND matches.created_at >= ?"
            args.append(iso(since))
        return list(self.db.query(sql + " ORDER BY matches.created_at, items.id", args))

    def told(self, case_id: str | None = None) -> dict[str, tuple[int, list[str]]]:
        """For each development, who told it: its count of articles and its filings
        ("cand 3:21-cv-00485 #1 Complaint"), repeats and copies left out."""
        sql = """SELECT matches.development_id, items.kind, items.docket
                 FROM matches JOIN items ON items.id = matches.item_id
                 WHERE matches.role != 'duplicate' AND matches.development_id IS NOT NULL"""
        args: list[Any] = []
        if case_id:
            sql += " AND matches.case_id = ?"
            args.append(case_id)
        out: dict[str, tuple[int, list[str]]] = {}
        for dev_id, kind, docket in self.db.execute(sql + " ORDER BY items.id", args):
            articles, filings = out.get(dev_id, (0, []))
            if kind != "docket":
                articles += 1
            elif (entry := docket_from_json(docket)) is not None:
                number = f" #{entry.entry_number}" if entry.entry_number is not None else ""
                label = f"{entry.court} {entry.docket_number}{number} " \
                        f"{entry.short_description}".strip()
                if label not in filings:
                    filings.append(label)
            out[dev_id] = (articles, filings)
        return out

    # grouping: signatures, document frequencies, developments' members -----------------

    def set_signature(self, item_id: int, signature: bytes) -> None:
        self.db.execute("UPDATE items SET signature = ? WHERE id = ?", [signature, item_id])

    def signatures_since(self, since: datetime) -> list[tuple[int, bytes, datetime]]:
        """(id, signature, when fetched) of the items with a signature fetched since."""
        return [
            (int(row[0]), bytes(row[1]), parse_iso(row[2]) or since)
            for row in self.db.execute(
                "SELECT id, signature, fetched_at FROM items "
                "WHERE signature IS NOT NULL AND fetched_at >= ?",
                [iso(since)],
            )
        ]

    def item_title_text(self, item_id: int, *, since: datetime) -> tuple[str, str] | None:
        """An item's title and its text (the summary when it has no extracted text), if it
        was fetched since `since`."""
        row = self.db.execute(
            "SELECT title, CASE WHEN text != '' THEN text ELSE summary END FROM items "
            "WHERE id = ? AND fetched_at >= ?",
            [item_id, iso(since)],
        ).fetchone()
        return (row[0], row[1]) if row else None

    def document_frequencies(self) -> tuple[dict[str, int], int]:
        counts = {row[0]: int(row[1]) for row in self.db.execute("SELECT term, df FROM term_df")}
        row = self.db.execute("SELECT value FROM counters WHERE name = 'documents'").fetchone()
        return counts, int(row[0]) if row else 0

    def add_document_frequencies(self, terms: Iterable[str]) -> None:
        self.db.execute(
            "INSERT INTO term_df (term, df) SELECT value, 1 FROM json_each(?) WHERE true "
            "ON CONFLICT(term) DO UPDATE SET df = df + 1",
            [json.dumps(sorted(set(terms)))],
        )
        self.db.execute(
            "INSERT INTO counters (name, value) VALUES ('documents', 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1"
        )

    def case_members(self, case_id: str, *, since: datetime) -> list[dict[str, Any]]:
        """Every article of the case's developments told by the press seen since `since`,
        with the development's event and parties (not its docket entries: a development
        a filing began is held once an article joins it)."""
        return list(
            self.db.query(
                """SELECT matches.development_id, matches.role, developments.event,
                          developments.parties, items.id, items.title, items.text,
                          items.summary, items.published, items.fetched_at,
                          items.dated_by_arrival, matches.vector
                   FROM matches
                   JOIN developments ON developments.id = matches.development_id
                   JOIN items ON items.id = matches.item_id
                   WHERE matches.case_id = ? AND matches.role IN ('development', 'update')
                         AND items.kind != 'docket' AND developments.last_seen_at >= ?
                   ORDER BY items.id""",
                [case_id, iso(since)],
            )
        )

    def case_filings(self, case_id: str, *, since: datetime) -> list[dict[str, Any]]:
        """The case's docket entries with a procedural step, in developments seen since
        `since`: the development, the step, and the entry's fields and dates."""
        return list(
            self.db.query(
                """SELECT matches.development_id, matches.step, items.docket,
                          items.published, items.fetched_at
                   FROM matches
                   JOIN developments ON developments.id = matches.development_id
                   JOIN items ON items.id = matches.item_id
                   WHERE matches.case_id = ? AND matches.step IS NOT NULL
                         AND items.kind = 'docket' AND developments.last_seen_at >= ?
                   ORDER BY items.id""",
                [case_id, iso(since)],
            )
        )

    def set_development_parties(self, development_id: str, parties: Iterable[str]) -> None:
        self.db.execute("UPDATE developments SET parties = ? WHERE id = ?",
                        [json.dumps(sorted(parties)), development_id])

    def item_matches(self, item_id: int) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM matches WHERE item_id = ?", [item_id]))

    def case_counts(self) -> dict[str, tuple[int, int]]:
        """(matches, developments) stored per case."""
        out: dict[str, tuple[int, int]] = {}
        for case_id, count in self.db.execute(
                "SELECT case_id, COUNT(*) FROM matches GROUP BY case_id"):
            out[case_id] = (int(count), 0)
        for case_id, count in self.db.execute(
                "SELECT case_id, COUNT(*) FROM developments GROUP BY case_id"):
            out[case_id] = (out.get(case_id, (0, 0))[0], int(count))
        return out

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("items", "matches", "developments", "outbox"):
            out[table] = int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        return out


