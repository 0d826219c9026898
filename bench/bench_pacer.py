"""Parse cost of CM/ECF RSS feeds: every fixture feed, and a full day's size.

For each feed in tests/fixtures/pacer: size, items, entries after merging, the median
parse time (of 20 rounds) with our lxml parser and with feedparser (the reference
parser, bytes only, for scale), and the cost of the lastBuildDate check that lets an
unchanged feed skip the parse. The case-name cache is emptied before every round. The
last row repeats the S.D.N.Y. items to the size the court published that day (170 KB).
"""

from __future__ import annotations

import io
import re
import statistics
import sys
import time
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.record import record_only, recording
from feeds.case_names import clean_case_name
from feeds.pacer import build_date, parse_pacer_feed

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pacer"
COURTS = {"sdny": "nysd"}
ROUNDS = 20


def median_ms(work, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        clean_case_name.cache_clear()  # every round starts cold, as a first poll does
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def full_day(body: bytes, target: int = 170_000) -> bytes:
    """The feed's items repeated until the body is about `target` bytes."""
    head, _, rest = body.partition(b"<item>")
    items, _, tail = (b"<item>" + rest).rpartition(b"</item>")
    items += b"</item>"
    copies = max(1, target // len(items))
    return head + b"\n".join([items] * copies) + tail


def row(label: str, body: bytes, court: str) -> None:
    feed = parse_pacer_feed(body, court)
    ours = median_ms(lambda: parse_pacer_feed(body, court))
    reference = median_ms(lambda: feedparser.parse(io.BytesIO(body)), rounds=5)
    check = median_ms(lambda: build_date(body), rounds=200) * 1000
    items = len(re.findall(rb"<item>", body))
    print(f"{label:16s} {len(body) / 1024:7.1f} KB {items:5d} items {len(feed.entries):5d} entries "
          f"{feed.dropped:2d} dropped {ours:8.2f} ms ({ours * 1000 / max(items, 1):6.1f} µs/item) "
          f"feedparser {reference:8.2f} ms  check {check:6.1f} µs")


def main() -> None:
    print(f"{'feed':16s} {'size':>10s} {'':11s} {'':13s} {'':10s} parse (median of {ROUNDS})")
    for path in sorted(FIXTURES.glob("*.xml")):
        prefix = path.stem.split("_")[0]
        row(path.stem, path.read_bytes(), COURTS.get(prefix, prefix))
    sdny = (FIXTURES / "sdny_1.xml").read_bytes()
    row("sdny full day", full_day(sdny), "nysd")


if __name__ == "__main__":
    with recording("bench_pacer", record_only(__doc__.splitlines()[0]).record):
        main()
