"""Grouping cost per article with 100,000 articles stored.

Stored, all fetched within the 30-day look-back: 100,000 articles, of which 10,000
matched a case and so carry a MinHash signature in the near-duplicate index (a generous
share: most articles a feed brings match no case). 80 of those are real articles of the
bench data with their text and real signatures; the others carry random signatures:
unrelated news shares almost no 5-shingles (Jaccard about 0.001), so random signatures
fill the LSH buckets as real ones would, at a thousandth of the set-up time. The
document-frequency table holds the real articles' vocabulary scaled to 100,000
documents. One case has 40 developments of 8 articles each.

Measured per arriving article, in one SQLite transaction each, as the pipeline runs it:
identify (canonical URL, text hash, LSH query and exact confirmation), store the row,
remember (signature, document frequencies) and assign (TF-IDF against the case's
developments); for fresh real articles, syndicated copies of stored ones, and rewrites
(new mixes of the corpus's sentences). Also the start-up cost of loading the index, and
its memory.
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback import articles
from bench.record import record_only, recording
from feeds.base import Item
from monitor.config import CaseConfig
from monitor.grouping.grouper import Grouper
from monitor.grouping.neardup import NUM_PERM, shingles, signature
from monitor.grouping.similarity import terms
from monitor.store.rows import MatchRecord, NewDevelopment, iso
from monitor.store.store import Store
from monitor.text.normalise import Words

STORED = 100_000
INDEXED = 10_000
REAL_STORED = 80
DEVELOPMENTS, MEMBERS = 40, 8
NOW = datetime(2026, 11, 1, tzinfo=UTC)
CASE = CaseConfig(id="bench-case", caption="Jane Roe v. Example Corp.", aliases=["Roe v. Example"])


def sentences(texts: list[str]) -> list[str]:
    return [s.strip() + "." for t in texts for s in t.split(". ") if len(s.split()) > 6]


def populate(store: Store, real: list[tuple[str, str]], pool: list[str]) -> None:
    rng = np.random.default_rng(7)
    db = store.db
    with store.atomic():
        rows = []
        for n in range(STORED):
            when = iso(NOW - timedelta(seconds=int(rng.integers(0, 29 * 86400))))
            sig: bytes | None = None
            if n < len(real):
                title, text = real[n]
                sig = signature(shingles(Words.of(title, text).body)).tobytes()
            else:
                title, text = f"Unrelated story {n}", ""
                if n < INDEXED:
                    sig = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64).astype(
                        np.uint32).tobytes()
            rows.append(("bench", f"g{n}", f"https://site{n % 500}.example/{n}",
                         f"https://site{n % 500}.example/{n}", title, "", text, when, when,
                         "news", "new", sig))
        db.conn.executemany(
            """INSERT INTO items (source_id, guid, url, canonical_url, title, summary, text,
                   published, fetched_at, kind, status, signature)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)
        vocabulary: dict[str, int] = {}
        for title, text in real:
            for word in terms(Words.of(title, text)):
                vocabulary[word] = vocabulary.get(word, 0) + 1
        scale = STORED // len(real)
        db.conn.executemany("INSERT INTO term_df (term, df) VALUES (?, ?)",
                            [(w, n * scale) for w, n in vocabulary.items()])
        db.execute("INSERT INTO counters (name, value) VALUES ('documents', ?)", [STORED])
        # one case: developments of members made of the real articles' sentences
        prng = random.Random(7)
        for d in range(DEVELOPMENTS):
            dev_id = f"dev-{d}"
            for m in range(MEMBERS):
                text = " ".join(prng.sample(pool, 10))
                item = Item("bench", f"member-{d}-{m}", f"https://members.example/{d}/{m}",
                            f"Roe v. Example: development {d}", text=text,
                            published=NOW - timedelta(days=d % 20, hours=m))
                item_id = store.insert_item(item, now=NOW, canonical_url=item.url)
                if m == 0:
                    store.insert_development(
                        NewDevelopment(dev_id, CASE.id, None, item.title), item_id=item_id,
                        now=NOW)
                store.insert_match(item_id, MatchRecord(CASE.id, 1.0, ("roe",), "", dev_id,
                                                        "development" if m == 0 else "update"),
                                   now=NOW)


def arrivals(kind: str, real: list[tuple[str, str]], fresh: list[tuple[str, str]],
             pool: list[str], round_: int) -> list[Item]:
    prng = random.Random(round_)
    out = []
    for n in range(40):
        if kind == "fresh":
            title, text = fresh[n % len(fresh)]
        elif kind == "copy":
            title, text = real[n % len(real)]
            text = f"NEW YORK (Wire) — {text} (Reporting by A. Writer; editing by B. Editor)"
        else:  # a rewrite: another mix of sentences of the same pool
            title, text = "Roe v. Example: more coverage", " ".join(prng.sample(pool, 10))
        out.append(Item("arrivals", f"{kind}-{round_}-{n}",
                        f"https://arrivals.example/{kind}/{round_}/{n}?utm_source=rss",
                        title, text=text, published=NOW, extracted=True))
    return out


def measure(store: Store, grouper: Grouper, items: list[Item]) -> tuple[list[float], int]:
    """ms per article for identify, store, remember and assign; and copies found."""
    spent = [0.0, 0.0, 0.0, 0.0]
    copies = 0
    for item in items:
        with store.atomic():
            t0 = time.perf_counter()
            identity = grouper.identify(item, NOW)
            t1 = time.perf_counter()
            item_id = store.insert_item(item, now=NOW, canonical_url=identity.canonical_url,
                                        text_hash=identity.text_hash,
                                        duplicate_of=identity.original)
            t2 = time.perf_counter()
            spent[0] += t1 - t0
            spent[1] += t2 - t1
            if identity.original is not None:
                copies += 1
                continue
            grouper.remember(item_id, identity, NOW, matched=True)
            t3 = time.perf_counter()
            grouper.assign(CASE, item, identity, NOW)
            t4 = time.perf_counter()
            spent[2] += t3 - t2
            spent[3] += t4 - t3
    return [x / len(items) * 1e3 for x in spent], copies


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    docs = articles(120)
    real, fresh = docs[:REAL_STORED], docs[REAL_STORED:]
    pool = sentences([t for _, t in docs])
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        start = time.perf_counter()
        populate(store, real, pool)
        print(f"{STORED:,} articles stored ({INDEXED:,} indexed) in "
              f"{time.perf_counter() - start:.1f} s; {len(fresh)} fresh real arrivals, "
              f"{len(pool)} sentences for rewrites")
        grouper = Grouper(store)
        before = rss_mb()
        start = time.perf_counter()
        grouper._index(NOW)
        grouper._frequencies()
        grouper._case(CASE, NOW)
        print(f"start-up: index, frequencies and developments loaded in "
              f"{time.perf_counter() - start:.2f} s, peak memory +{rss_mb() - before:.0f} MB")
        print(f"{'arrival':>8} {'articles':>9} {'copies':>7} {'identify':>9} {'store':>7} "
              f"{'remember':>9} {'assign':>7} {'total ms':>9}")
        for kind, rounds in (("fresh", 1), ("copy", 3), ("rewrite", 3)):
            totals = [0.0, 0.0, 0.0, 0.0]
            found = 0
            for round_ in range(rounds):
                spent, copies = measure(store, grouper, arrivals(kind, real, fresh, pool, round_))
                totals = [a + b / rounds for a, b in zip(totals, spent, strict=True)]
                found += copies
            print(f"{kind:>8} {40 * rounds:>9} {found:>7} {totals[0]:>9.2f} {totals[1]:>7.2f} "
                  f"{totals[2]:>9.2f} {totals[3]:>7.2f} {sum(totals):>9.2f}")
        store.close()


if __name__ == "__main__":
    with recording("bench_grouping", record_only(__doc__.splitlines()[0]).record):
        main()
