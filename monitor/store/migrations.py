"""The database schema, as an ordered list of migrations (never edit one that shipped)."""

from __future__ import annotations

from monitor.store.sqlite import Database, Migrations

migrations = Migrations("casewatch")


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE sources (
            id TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            state TEXT NOT NULL DEFAULT '{}',
            first_poll_done INTEGER NOT NULL DEFAULT 0,
            last_poll TEXT,
            last_success TEXT,
            last_new_item TEXT,
            next_poll TEXT,
            consecutive_errors INTEGER NOT NULL DEFAULT 0,
            failing_since TEXT,
            last_error TEXT,
            last_error_kind TEXT,
            polls INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL,
            guid TEXT NOT NULL,
            url TEXT NOT NULL DEFAULT '',
            canonical_url TEXT,
            title TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            text_hash TEXT,
            site_name TEXT NOT NULL DEFAULT '',
            published TEXT,
            fetched_at TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'news',
            docket TEXT,
            extracted INTEGER NOT NULL DEFAULT 0,
            extract_failed INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'new',
            duplicate_of INTEGER REFERENCES items(id),
            UNIQUE (source_id, guid)
        );
        CREATE INDEX items_canonical_url ON items(canonical_url);
        CREATE INDEX items_text_hash ON items(text_hash);
        CREATE INDEX items_fetched_at ON items(fetched_at);
        CREATE TABLE developments (
            id TEXT PRIMARY KEY,
            case_id TEXT NOT NULL,
            event TEXT,
            headline TEXT NOT NULL DEFAULT '',
            first_item_id INTEGER REFERENCES items(id),
            articles INTEGER NOT NULL DEFAULT 1,
            possibly_related_to TEXT,
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL
        );
        CREATE INDEX developments_case ON developments(case_id, last_seen_at);
        CREATE TABLE matches (
            item_id INTEGER NOT NULL REFERENCES items(id),
            case_id TEXT NOT NULL,
            score REAL NOT NULL,
            terms TEXT NOT NULL DEFAULT '[]',
            snippet TEXT NOT NULL DEFAULT '',
            development_id TEXT REFERENCES developments(id),
            role TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (item_id, case_id)
        );
        CREATE INDEX matches_case ON matches(case_id, created_at);
        CREATE TABLE outbox (
            alert_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            case_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            last_error TEXT,
            response TEXT,
            PRIMARY KEY (alert_id, channel_id)
        );
        CREATE INDEX outbox_due ON outbox(status, next_attempt);
        """
    )


@migrations()
def m002_grouping(db: Database) -> None:
    db.executescript(
        """
        ALTER TABLE items ADD COLUMN signature BLOB;
        ALTER TABLE developments ADD COLUMN parties TEXT NOT NULL DEFAULT '[]';
        CREATE TABLE term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        """
    )


@migrations()
def m003_digests(db: Database) -> None:
    db.executescript(
        """
        ALTER TABLE outbox ADD COLUMN digest_id TEXT;
        CREATE TABLE digests (channel_id TEXT PRIMARY KEY, last_fire TEXT NOT NULL);
        """
    )


@migrations()
def m004_docket_identity(db: Database) -> None:
    """Docket entries are found by identity across sources."""
    db.executescript("CREATE INDEX items_docket_guid ON items(guid) WHERE kind = 'docket';")


@migrations()
def m005_source_health(db: Database) -> None:
    """What was last said about each source's health, so it is said once."""
    db.executescript(
        """
        CREATE TABLE health (subject TEXT PRIMARY KEY, state TEXT NOT NULL, since TEXT,
                             changed_at TEXT NOT NULL);
        ALTER TABLE sources ADD COLUMN empty_extracts INTEGER NOT NULL DEFAULT 0;
        """
    )


@migrations()
def m006_arrival_dates(db: Database) -> None:
    """An undated item first seen soon after a successful poll of its source is dated by
    when it was seen, for grouping (`monitor.pipeline.ARRIVAL_BOUND`)."""
    db.executescript(
        "ALTER TABLE items ADD COLUMN dated_by_arrival INTEGER NOT NULL DEFAULT 0;")


@migrations()
def m007_member_vectors(db: Database) -> None:
    """Each matched article's TF-IDF vector as grouping weighed it, so the developments
    read back after a restart are those the running daemon held."""
    db.executescript("ALTER TABLE matches ADD COLUMN vector BLOB;")


@migrations()
def m008_filing_steps(db: Database) -> None:
    """The procedural step each docket entry of a case is, as the pipeline judged it
    (none for routine paperwork), so the filings news may report are known again after
    a restart (`monitor.grouping.filings`)."""
    db.executescript("ALTER TABLE matches ADD COLUMN step TEXT;")


@migrations()
def m009_page_reads(db: Database) -> None:
    """What the case pages read of one case among thousands, found by index
    (`monitor.store.views`): each case's count and last time of developments; each
    development's date (its first item's publication, else when it was seen); each
    match's source, kind and date beside it, so a case's activity is read from an index
    alone; a development's items."""
    db.executescript(
        """
        CREATE INDEX matches_development ON matches(development_id);
        ALTER TABLE developments ADD COLUMN dated TEXT;
        UPDATE developments SET dated = COALESCE(
            (SELECT published FROM items WHERE items.id = developments.first_item_id),
            created_at);
        CREATE INDEX developments_case_created ON developments(case_id, created_at);
        CREATE INDEX developments_case_dated ON developments(case_id, dated);
        ALTER TABLE matches ADD COLUMN source_id TEXT;
        ALTER TABLE matches ADD COLUMN kind TEXT;
        ALTER TABLE matches ADD COLUMN dated TEXT;
        UPDATE matches SET (source_id, kind, dated) = (
            SELECT items.source_id, items.kind, COALESCE(items.published, matches.created_at)
            FROM items WHERE items.id = matches.item_id);
        CREATE INDEX matches_case_told
            ON matches(case_id, source_id, role, kind, dated, development_id);
        CREATE TABLE case_activity (case_id TEXT PRIMARY KEY, developments INTEGER NOT NULL,
                                    last_at TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO case_activity SELECT case_id, COUNT(*), MAX(created_at)
            FROM developments GROUP BY case_id;
        """
    )


@migrations()
def m010_suits(db: Database) -> None:
    """The suits a party watch found, each followed as a case (`monitor.store.suits`)."""
    db.executescript(
        """
        CREATE TABLE suits (id TEXT PRIMARY KEY, watch_id TEXT NOT NULL, court TEXT NOT NULL,
                            docket_number TEXT NOT NULL, caption TEXT NOT NULL,
                            party TEXT NOT NULL, side TEXT NOT NULL,
                            created_at TEXT NOT NULL, ended_at TEXT);
        """
    )


def apply(db: Database) -> None:
    migrations.apply(db)
