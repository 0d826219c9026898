"""Level 2 of grouping: copies of a stored article at another address, found with
MinHash LSH and confirmed exactly (monitor/grouping/neardup.py), through real SQLite
files."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feeds.base import Item
from monitor.text.normalise import Words
from tests.conftest import FakeClock
from tests.test_grouping import SEEDS, SYNDICATED, WIRE, acme_app, story


def test_a_copy_is_looked_for_over_30_days_running_or_restarted(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    app = acme_app(tmp_path, clock)
    app.pipeline.ingest(story("wire", "Acme sued over hidden data breach", WIRE, 5), clock())
    late = Item("news", "partner", "https://partner.example/x", "Acme hit with lawsuit",
                text=SYNDICATED, extracted=True,
                published=datetime(2026, 1, 5, 12, tzinfo=UTC))
    clock.advance(days=29)
    early = replace(late, guid="partner-early", url="https://partner.example/y",
                    text=SYNDICATED.replace("Dana Reyes", "Sam Lee"))
    app.pipeline.ingest(early, clock())
    clock.advance(days=2)  # 31 days after the original
    again = replace(early, guid="partner-again", url="https://partner.example/z")
    app.pipeline.ingest(again, clock())  # the same text as a stored copy: a repeat, ever
    app.pipeline.ingest(late, clock())  # a copy of an original now 31 days old: new
    rows = list(app.store.db.query("SELECT status, duplicate_of FROM items ORDER BY id"))
    aio.run(app.aclose())
    assert [(r["status"], r["duplicate_of"]) for r in rows] == [
        ("new", None), ("near_duplicate", 1), ("duplicate", 1), ("new", None)]


def test_short_summaries_are_never_called_copies(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    app = acme_app(tmp_path, clock)
    teaser = "Acme sued over a data breach, lawsuit says."
    for n, guid in enumerate(("a", "b")):
        app.pipeline.ingest(Item("news", guid, f"https://{guid}.example/x", "Acme breach suit",
                                 summary=teaser, published=datetime(2026, 1, 5 + n, tzinfo=UTC)),
                            clock.advance(minutes=1))
    statuses = [r["status"] for r in app.store.db.query("SELECT status FROM items ORDER BY id")]
    assert statuses == ["new", "new"]
    aio.run(app.aclose())


def test_seed_items_are_long_enough_to_fingerprint() -> None:
    from monitor.grouping.neardup import shingles

    assert all(shingles(Words.of(s.title, s.text).body) for s in SEEDS)
    assert timedelta(days=60) < max(s.published for s in SEEDS) - min(s.published for s in SEEDS)


def test_signatures_are_datasketchs_for_the_seed_as_stored_ones_were() -> None:
    """Signatures are stored and compared across restarts and versions: the permutations
    drawn once must be those a MinHash draws from the seed itself."""
    import numpy as np
    from datasketch import MinHash

    from monitor.grouping.neardup import NUM_PERM, SCHEME, SEED, shingles, signature

    for seed_item in SEEDS:
        shingle_set = shingles(Words.of(seed_item.title, seed_item.text).body)
        own = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=lambda v: v, scheme=SCHEME)
        own.update_batch(np.fromiter(shingle_set, dtype=np.uint64, count=len(shingle_set)))
        assert (signature(shingle_set) == own.hashvalues.astype(np.uint32)).all()


def test_an_updated_copy_that_names_a_new_party_is_not_a_copy(
        tmp_path: Path, clock: FakeClock, aio: asyncio.Runner) -> None:
    """An updated wire story carries its news in what it adds: a new numbered party."""
    app = acme_app(tmp_path, clock)
    app.pipeline.ingest(story("wire", "Acme sued over hidden data breach", WIRE, 5), clock())
    added = " A second patient, John Doe {n}, joined the lawsuit on Tuesday."
    for guid, n in (("same-party", "#1"), ("new-party", "#2")):
        app.pipeline.ingest(story(guid, "UPDATE 1-Acme sued over hidden data breach",
                                  WIRE + added.format(n=n), 5), clock.advance(minutes=1))
    rows = list(app.store.db.query("SELECT guid, status FROM items ORDER BY id"))
    aio.run(app.aclose())
    assert [(r["guid"], r["status"]) for r in rows] == [
        ("wire", "new"), ("same-party", "near_duplicate"), ("new-party", "new")]
