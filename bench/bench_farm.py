"""casewatch against a loopback farm of real feeds and pages, next to a peer, in one table.

The farm (bench/farm.py) serves N feeds made of the 100 real bodies of the bench data and
12 long-tail variants of them (bench/longtail.py: shapes the fast feed reader declines,
two bodies for each of six), article pages made of its 308 real pages, a slow host, a
failing host and a webhook. casewatch runs in this process with its pool of 2 workers
(`--workers`) and 10,000 cases; the peer (rss2email, `r2e run --no-send`) runs over the
same farm. Phases:

1. cold: the first poll of every feed (fetch, parse, store the backlog silently);
2. all 304: nothing changed, every validator honoured;
3. same bodies: the farm stops sending validators; bodies hash as before, nothing parsed;
4. steady: a tenth of the feeds get two new items each, linking new article pages
   (fetched, extracted, matched against 10,000 cases, grouped, delivered to the webhook);
5. burst: many new articles at once.

Then the parse rate of casewatch's feed parser (and of feedparser) over the real bodies,
with and without the long-tail ones, and the share the fast reader takes; matching cost
at 10 / 1,000 / 10,000 cases, and the peer. `--quick` is a smaller farm.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# casewatch's own modules are imported where they are used: the worker pool's fork
# server imports this script as its main module, as it imports the light `casewatch`
# script of the daemon (monitor/launch.py), and should hold no more than it does there
from bench.farm import FAILING_SHARE, SLOW_SHARE, Farm, NewItem, changeable
from bench.longtail import spread, variants
from bench.loopback import articles, bench_data
from bench.record import add_record_flag, recording
from feeds.base import Page

ROOT = Path(__file__).resolve().parent.parent


# ---- measuring -----------------------------------------------------------------------


def core_times() -> list[tuple[int, int]]:
    """(busy, total) jiffies of each core."""
    out = []
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("cpu") and line[3:4].isdigit():
            fields = [int(x) for x in line.split()[1:]]
            idle = fields[3] + fields[4]
            out.append((sum(fields) - idle, sum(fields)))
    return out


def utilisation(before: list[tuple[int, int]], after: list[tuple[int, int]]) -> str:
    return " / ".join(f"{100 * (b1 - b0) / max(1, t1 - t0):.0f}%"
                      for (b0, t0), (b1, t1) in zip(before, after, strict=True))


def tree_cpu(exclude: int | None = None) -> float:
    """CPU seconds of this process and its finished and running descendants (a running
    one's own and that of the children it has reaped), but for `exclude`'s."""
    total = sum(os.times()[:4])
    for pid in descendants(os.getpid(), exclude):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(map(int, fields[11:15])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def children(pid: int | None = None) -> list[int]:
    pid = pid or os.getpid()
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def descendants(pid: int, exclude: int | None = None) -> list[int]:
    """Children, their children and so on (pool workers are children of a fork server),
    leaving out `exclude` and its own descendants."""
    out = []
    for child in children(pid):
        if child != exclude:
            out += [child, *descendants(child, exclude)]
    return out


def _proc_mb(pid: int, file: str, field: str) -> float:
    """A size in kB from a /proc/PID file, in MB; 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rss_mb(pid: int) -> float:
    return _proc_mb(pid, "status", "VmRSS:")


def pss_mb(pid: int) -> float:
    """Proportional set size: private pages plus a share of each page shared with other
    processes (the pool's workers share the pages they were forked with)."""
    return _proc_mb(pid, "smaps_rollup", "Pss:")


class PeakRSS:
    """Samples the memory of this process plus its children (the worker pool): summed
    PSS (honest for forked workers) and summed RSS (counts shared pages once per
    process). The sampling thread's own CPU time is kept in `cpu`, to be taken out of
    casewatch's."""

    RSS_EVERY = 0.1  # s
    PSS_EVERY = 0.25  # s at least between two reads of every process's smaps_rollup
    PSS_AT_LEAST = 1.0  # s at most between them

    def __init__(self) -> None:
        self.peak = 0.0  # PSS
        self.peak_rss = 0.0
        self.split = (0.0, 0.0)  # at the peak: main process, workers
        self.cpu = 0.0  # CPU seconds the sampling took, in this process
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        # reading smaps_rollup walks every page of a process: 550 MB over four processes
        # read 20 times a second took a tenth of a core, so PSS is read when the summed
        # RSS reaches a new high, but not more often than PSS_EVERY
        me = os.getpid()
        last = 0.0
        while not self._stop.wait(self.RSS_EVERY):
            farm = getattr(self, "exclude", None)
            pids = [me, *descendants(me, farm)]
            rss = sum(rss_mb(p) for p in pids)
            now = time.monotonic()
            if (rss > self.peak_rss and now - last >= self.PSS_EVERY) or (
                    now - last >= self.PSS_AT_LEAST):
                last = now
                each = [pss_mb(p) for p in pids]
                if sum(each) > self.peak:
                    self.peak, self.split = sum(each), (each[0], sum(each[1:]))
            self.peak_rss = max(self.peak_rss, rss)
        self.cpu = time.thread_time()  # this thread's, from its start

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class Timer:
    """Wraps a method and sums the wall time spent in it."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1
        return timed


# ---- configuration -------------------------------------------------------------------


def settings_text(farm: Farm, db: Path, case_count: int) -> str:
    from bench.bench_matching import cases as generated_cases

    sources = "".join(
        f'[[sources]]\nid = "f{n}"\nkind = "feed"\nurl = "{farm.feed_url(n)}"\nextract = true\n'
        for n in range(farm.feeds)
    )
    cases = "".join(
        f'[[cases]]\nid = "{c.id}"\ncaption = {json.dumps(c.caption)}\n'
        f"parties = {json.dumps(list(c.parties))}\n"
        + (f'docket_number = "{c.docket_number}"\n' if c.docket_number else "")
        + (f"query = {json.dumps(c.query)}\n" if c.query else "")
        + 'notify = ["hook"]\n'
        for c in generated_cases(case_count)
    )
    return f"""
[service]
database = "{db}"
http = ""
allow_private_addresses = true
per_host_concurrency = 8

{sources}
{cases}
[[channels]]
id = "hook"
kind = "webhook"
url = "{farm.hook_url}"
"""


def healthy(n: int) -> bool:
    return n % FAILING_SHARE != FAILING_SHARE // 2 and n % SLOW_SHARE != SLOW_SHARE - 1


def new_items(farm: Farm, feeds: list[int], per_feed: int, first: int, case_count: int,
              ) -> dict[int, list[NewItem]]:
    """`per_feed` new items on each feed; every other one names one of the cases."""
    from bench.bench_matching import cases as generated_cases
    from monitor.matching.derive import caption_short_forms

    names = [caption_short_forms(c.caption)[0] for c in generated_cases(case_count)]
    added: dict[int, list[NewItem]] = {}
    k = first
    for n in feeds:
        for _ in range(per_feed):
            topic = f"ruling in the lawsuit, day {k}" if k % 2 == 0 else f"market notes {k}"
            title = f"{names[k % len(names)]}: {topic}" if k % 2 == 0 else topic
            added.setdefault(n, []).append(NewItem(
                guid=f"bench-{k}", title=title, link=farm.page_url(k),
                published=time.time() - 60, summary=f"Summary of article {k}."))
            k += 1
    return added


# ---- phases --------------------------------------------------------------------------


async def cycle(app: Any, farm: Farm, label: str, row: dict[str, Any]) -> None:
    hooks_before = len(farm.hooks())
    cores, cpu, farm_cpu = core_times(), tree_cpu(farm.pid), farm.cpu()
    own_cpu = sum(os.times()[:2])  # the daemon's own process: the rest is its workers
    started_at, started = time.time(), time.perf_counter()
    deliver = Timer()
    original = app.deliverer.deliver_due

    async def timed_delivery() -> Any:
        start = time.perf_counter()
        try:
            return await original()
        finally:
            deliver.seconds += time.perf_counter() - start

    app.deliverer.deliver_due = timed_delivery
    with PeakRSS() as peak:
        peak.exclude = farm.pid  # type: ignore[attr-defined]
        reports, _ = await app.run_once()
    wall = time.perf_counter() - started
    app.deliverer.deliver_due = original
    hooks = farm.hooks()[hooks_before:]
    latencies = sorted(t - started_at for t, _ in hooks)
    row.update(
        label=label, wall=wall, feeds=len(reports),
        failed=sum(not r.ok for r in reports), not_modified=sum(r.not_modified for r in reports),
        items=sum(r.items for r in reports), new=sum(r.new for r in reports),
        alerts=len(hooks), cpu=tree_cpu(farm.pid) - cpu - peak.cpu, delivery=deliver.seconds,
        own_cpu=sum(os.times()[:2]) - own_cpu - peak.cpu, sampler_cpu=peak.cpu,
        farm_cpu=farm.cpu() - farm_cpu,
        cores=utilisation(cores, core_times()), rss=peak.peak, rss_sum=peak.peak_rss,
        split=peak.split,
        latency=(statistics.median(latencies), latencies[-1]) if latencies else None,
    )


async def run_farm(farm: Farm, db: Path, size: dict[str, int], shapes: list[tuple[int, bool]],
                   workers: int = 2) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """The phases; `shapes` holds each body's size and whether items can be added to it
    (the bodies themselves are in the farm's process, not in casewatch's)."""
    from monitor.config import parse_settings
    from monitor.runtime.app import build_app

    logging.getLogger("casewatch").setLevel(logging.ERROR)
    case_count = size["cases"]
    started = time.perf_counter()
    settings = parse_settings(settings_text(farm, db, case_count), {})
    app = build_app(settings, stream=io.StringIO(), extract_workers=workers)
    setup = time.perf_counter() - started
    timers = {"match": Timer(), "identify": Timer(), "remember": Timer(), "assign": Timer(),
              "extract": Timer()}
    pipeline = app.pipeline
    pipeline.matcher.match = timers["match"].wrap(pipeline.matcher.match)  # type: ignore
    for name in ("identify", "remember", "assign"):
        setattr(pipeline.grouper, name, timers[name].wrap(getattr(pipeline.grouper, name)))
    rows: list[dict[str, Any]] = []
    try:
        row: dict[str, Any] = {}
        await cycle(app, farm, "cold: first poll", row)
        row["mb"] = sum(shapes[n % len(shapes)][0] for n in range(farm.feeds)
                        if healthy(n)) / 1e6
        rows.append(row)
        for label in ("all 304",):
            row = {}
            await cycle(app, farm, label, row)
            rows.append(row)
        farm.validators(False)
        row = {}
        await cycle(app, farm, "same bodies, no validators", row)
        rows.append(row)
        farm.validators(True)
        await app.run_once()  # validators learnt again

        candidates = [n for n in range(farm.feeds)
                      if healthy(n) and shapes[n % len(shapes)][1]]
        first = 0
        for label, feeds, per_feed in (
            ("steady: 10% changed", candidates[:size["steady_feeds"]], 2),
            ("burst", candidates[:size["burst_feeds"]], size["burst_per_feed"]),
        ):
            farm.change(new_items(farm, feeds, per_feed, first, case_count))
            first += len(feeds) * per_feed
            for timer in timers.values():
                timer.seconds, timer.calls = 0.0, 0
            row = {"expected": len(feeds) * per_feed}
            await cycle(app, farm, label, row)
            row["match_ms"] = timers["match"].seconds * 1000 / max(1, timers["match"].calls)
            grouping = sum(timers[n].seconds for n in ("identify", "remember", "assign"))
            row["group_ms"] = grouping * 1000 / max(1, timers["identify"].calls)
            rows.append(row)
    finally:
        await app.aclose()
    return rows, {"setup": setup}


# ---- parse rate ----------------------------------------------------------------------


def _parse_all(bodies: list[bytes]) -> int:
    from feeds.rss import parse_feed

    count = 0
    for n, body in enumerate(bodies):
        try:
            count += len(parse_feed(Page(f"http://bench/{n}", 200, body, {}), "bench"))
        except Exception:
            pass
    return count


def _parse_again(bodies: list[bytes]) -> int:
    """Each body as polled again with two new items: the others are known from the last
    poll (their fingerprints), as the daemon keeps them in the source's state."""
    from feeds.rss import parse_new

    count = 0
    for n, body in enumerate(bodies):
        page = Page(f"http://bench/{n}", 200, body, {})
        try:
            known = frozenset(parse_new(page, "bench").fingerprints[2:])
            start = time.perf_counter()
            count += len(parse_new(page, "bench", known).items)
            _AGAIN_SECONDS.append(time.perf_counter() - start)
        except Exception:
            pass
    return count


_AGAIN_SECONDS: list[float] = []


def fast_share(bodies: list[bytes]) -> tuple[int, int]:
    """(bodies, bytes) the fast reader takes (feeds/fastfeed.py), as `parse_feed` hands
    them to it; JSON Feed bodies, which neither reader reads, count as taken."""
    from feeds.fastfeed import read_entries
    from feeds.xmltext import mend_char_refs_bytes, mend_utf8

    count = size = 0
    for body in bodies:
        if body.lstrip()[:1] == b"{" or \
                read_entries(mend_char_refs_bytes(mend_utf8(body)), {}) is not None:
            count, size = count + 1, size + len(body)
    return count, size


def _feedparser_all(bodies: list[bytes]) -> int:
    import feedparser

    return sum(len(feedparser.parse(io.BytesIO(body)).entries) for body in bodies)


def parse_rates(bodies: list[bytes], reference: list[bytes], tail: list[bytes],
                ) -> dict[str, float]:
    """Rates over the real bodies (`bodies`), and over them with the long-tail ones."""
    mb = sum(map(len, bodies)) / 1e6
    out: dict[str, float] = {"mb": mb, "ref_mb": sum(map(len, reference)) / 1e6}
    _parse_all(bodies[:3])
    start = time.perf_counter()
    out["items"] = _parse_all(bodies)
    out["one_core"] = mb / (time.perf_counter() - start)
    start = time.perf_counter()
    _parse_all(tail)
    tail_seconds = time.perf_counter() - start
    tail_mb = sum(map(len, tail)) / 1e6
    out["tail_mb"], out["tail_rate"] = tail_mb, tail_mb / tail_seconds
    out["with_tail"] = (mb + tail_mb) / (mb / out["one_core"] + tail_seconds)
    out["fast"], out["fast_bytes"] = fast_share(bodies)
    tail_fast, tail_fast_bytes = fast_share(tail)
    out["fast_all"], out["fast_all_bytes"] = out["fast"] + tail_fast, \
        out["fast_bytes"] + tail_fast_bytes
    out["bodies"], out["tail"] = len(bodies), len(tail)
    # fresh workers (spawned): nothing parsed before in them
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_parse_all, [[b] for b in bodies[:4]]))
        start = time.perf_counter()
        list(pool.map(_parse_all, [[b] for b in sorted(bodies, key=len, reverse=True)]))
        out["two_cores"] = mb / (time.perf_counter() - start)
    _AGAIN_SECONDS.clear()
    _parse_again(bodies)
    out["again"] = mb / sum(_AGAIN_SECONDS)
    start = time.perf_counter()
    _feedparser_all(reference)
    out["feedparser"] = out["ref_mb"] / (time.perf_counter() - start)
    return out


def matching_costs(docs: list[tuple[str, str]]) -> dict[int, float]:
    from bench.bench_matching import cases as generated_cases
    from monitor.matching.matcher import Document, Matcher

    out = {}
    for count in (10, 1_000, 10_000):
        matcher = Matcher(generated_cases(count))
        times = []
        for _ in range(3):
            start = time.perf_counter()
            for title, text in docs:
                matcher.match_document(Document(title, text))
            times.append((time.perf_counter() - start) / len(docs))
        out[count] = statistics.median(times) * 1e6
    return out


# ---- the peer ------------------------------------------------------------------------


def run_peer(farm: Farm, feeds: int, tmp: Path) -> dict[str, float] | None:
    r2e = shutil.which("r2e", path=str(Path(sys.executable).parent))
    if r2e is None:
        return None
    config, data = tmp / "r2e.cfg", tmp / "r2e.json"
    lines = ["[DEFAULT]", "to = bench@example.org", "email-protocol = smtp",
             "smtp-server = 127.0.0.1:9", "use-8bit = True", ""]
    for n in range(feeds):
        lines += [f"[feed.f{n}]", f"url = {farm.feed_url(n)}", ""]
    config.write_text("\n".join(lines))
    out: dict[str, float] = {"feeds": feeds}
    for label in ("cold", "unchanged"):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([r2e, "-c", str(config), "-d", str(data), "run", "--no-send"],
                       check=False, capture_output=True)
        out[label] = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out[label + "_cpu"] = (after.ru_utime + after.ru_stime
                               - before.ru_utime - before.ru_stime)
    return out


# ---- report --------------------------------------------------------------------------


def report(size: dict[str, int], rows: list[dict[str, Any]], rates: dict[str, float],
           match: dict[int, float], peer: dict[str, float] | None, load: str,
           extra: dict[str, float]) -> None:
    print()
    print(f"cores: {os.cpu_count()}   load before: {load}   feeds: {size['feeds']}   "
          f"cases: {size['cases']:,}   workers: {extra['workers']:.0f}   setup (config, "
          f"matcher, pool): {extra['setup']:.1f} s")
    print(f"long-tail bodies: {extra['tail']:.0f} of {extra['bodies']:.0f}, "
          f"{extra['tail_share']:.0f}% of bytes; served by {extra['tail_feeds']:.0f} of "
          f"{size['feeds']} feeds, {extra['tail_feed_share']:.0f}% of the feeds' bytes")
    print(f"{'phase':28s} {'wall s':>7} {'feeds/s':>8} {'new':>5} {'alerts':>6} "
          f"{'art/s':>6} {'CPU s':>6} {'farm s':>6} {'cores busy':>11} {'peak PSS':>8} "
          f"{'to webhook p50/max s':>20}")
    for row in rows:
        per_s = row["feeds"] / row["wall"]
        art = f"{row['new'] / row['wall']:6.1f}" if "expected" in row else f"{'':6}"
        latency = (f"{row['latency'][0]:.2f} / {row['latency'][1]:.2f}" if row["latency"]
                   else "-")
        print(f"{row['label']:28s} {row['wall']:7.2f} {per_s:8.0f} {row['new']:5d} "
              f"{row['alerts']:6d} {art} {row['cpu']:6.1f} {row['farm_cpu']:6.1f} "
              f"{row['cores']:>11} {row['rss']:6.0f} MB {latency:>20}")
    cold = rows[0]
    print()
    print(f"cold poll: {cold['mb']:.0f} MB of feed XML in {cold['wall']:.2f} s = "
          f"{cold['mb'] / cold['wall']:.1f} MB/s end to end "
          f"({cold['failed']} feeds failed: the failing host)")
    print(f"feed parser, {rates['mb']:.1f} MB of real bodies ({rates['items']:.0f} items), "
          f"every item new: {rates['one_core']:.1f} MB/s on one core, "
          f"{rates['two_cores']:.1f} MB/s on two; polled again with 2 new items each: "
          f"{rates['again']:.0f} MB/s on one core; feedparser (defaults) over "
          f"{rates['ref_mb']:.1f} MB: {rates['feedparser']:.2f} MB/s")
    all_mb = rates["mb"] + rates["tail_mb"]
    print(f"fast reader (or, for JSON Feed, the JSON reader) takes {rates['fast']:.0f} of "
          f"{rates['bodies']:.0f} real bodies "
          f"({rates['fast_bytes'] / 1e4 / rates['mb']:.0f}% of bytes); with the long-tail "
          f"ones {rates['fast_all']:.0f} of {rates['bodies'] + rates['tail']:.0f} "
          f"({rates['fast_all_bytes'] / 1e4 / all_mb:.0f}% of bytes); one core over "
          f"{all_mb:.1f} MB with the long tail: {rates['with_tail']:.1f} MB/s "
          f"(the long-tail bodies alone, {rates['tail_mb']:.1f} MB: "
          f"{rates['tail_rate']:.1f} MB/s)")
    print("memory: peak PSS summed over casewatch's process and its pool workers "
          "(/proc/PID/smaps_rollup); summed RSS, which counts shared pages in every "
          "process: " + ", ".join(f"{r['label']} {r['rss_sum']:.0f} MB" for r in rows))
    print("PSS at the peak, main process + workers: " + ", ".join(
        f"{r['label']} {r['split'][0]:.0f} + {r['split'][1]:.0f} MB" for r in rows))
    print("CPU s, main process + workers: " + ", ".join(
        f"{r['label']} {r['own_cpu']:.1f} + {r['cpu'] - r['own_cpu']:.1f}" for r in rows)
        + "; not counted, the memory sampler's thread: " + ", ".join(
        f"{r['sampler_cpu']:.2f}" for r in rows))
    print("matching µs per article: " + ", ".join(
        f"{count:,} cases {cost:.0f}" for count, cost in match.items()))
    for row in rows[3:]:
        print(f"{row['label']}: {row['new']} of {row['expected']} new articles; in the "
              f"pipeline matching {row['match_ms'] * 1000:.0f} µs and grouping "
              f"{row['group_ms']:.2f} ms per article; delivery left to the end of "
              f"`run --once` {row['delivery']:.2f} s of the {row['wall']:.2f} s")
    if peer is None:
        print("peer: not run (--no-peer, or rss2email not installed: pip install -e '.[bench]')")
        return
    ours = rows[0]["feeds"] / rows[0]["wall"]
    theirs = peer["feeds"] / peer["cold"]
    unchanged_ours = rows[1]["feeds"] / rows[1]["wall"]
    unchanged_theirs = peer["feeds"] / peer["unchanged"]
    print(f"peer rss2email 3 (`r2e run --no-send`) over {peer['feeds']:.0f} feeds of the same "
          f"farm: cold {peer['cold']:.2f} s ({peer['cold_cpu']:.1f} s CPU) = {theirs:.1f} "
          f"feeds/s; unchanged {peer['unchanged']:.2f} s = {unchanged_theirs:.0f} feeds/s")
    per_cpu = [(rows[n]["feeds"] / rows[n]["cpu"]) / (peer["feeds"] / peer[key])
               for n, key in ((0, "cold_cpu"), (1, "unchanged_cpu"))]
    print(f"casewatch / peer, feeds per second: cold {ours / theirs:.1f}x, "
          f"unchanged {unchanged_ours / unchanged_theirs:.1f}x; feeds per CPU second: cold "
          f"{per_cpu[0]:.1f}x, unchanged {per_cpu[1]:.1f}x")


SIZES = {
    "quick": {"feeds": 300, "cases": 10_000, "steady_feeds": 30, "burst_feeds": 200,
              "burst_per_feed": 2, "peer_feeds": 100, "docs": 30, "parse_every": 4},
    "full": {"feeds": 1000, "cases": 10_000, "steady_feeds": 100, "burst_feeds": 1000,
             "burst_per_feed": 2, "peer_feeds": 1000, "docs": 100, "parse_every": 1},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller farm, under 2 minutes")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes for parsing and extraction (0: threads)")
    parser.add_argument("--calls-per-worker", type=int, default=None,
                        help="calls in the pool at once per worker "
                             "(monitor.runtime.app.CALLS_PER_WORKER)")
    parser.add_argument("--polls", type=int, default=None,
                        help="polls at once (monitor.runtime.app.POLL_CONCURRENCY)")
    add_record_flag(parser)
    args = parser.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    _tune(args.calls_per_worker, args.polls)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    data = bench_data()
    paths = sorted((data / "feeds").glob("*.xml"))
    real = [p.read_bytes() for p in paths]
    tail = [body for _, _, body in variants(real)]
    bodies, at = spread(real, tail)
    shapes = [(len(b), changeable(b)) for b in bodies]
    served = [shapes[n % len(shapes)][0] for n in range(size["feeds"])]
    tail_feeds = [n for n in range(size["feeds"]) if n % len(shapes) in at]
    mix = {"bodies": len(bodies), "tail": len(tail), "workers": args.workers,
           "tail_share": 100 * sum(map(len, tail)) / sum(map(len, bodies)),
           "tail_feeds": len(tail_feeds),
           "tail_feed_share": 100 * sum(served[n] for n in tail_feeds) / sum(served)}
    del real, tail
    pages = Path(tempfile.gettempdir()) / "casewatch-bench-pages"
    count = size["steady_feeds"] * 2 + size["burst_feeds"] * size["burst_per_feed"]
    sources = sorted((data / "pages").glob("*.html"))
    print(f"preparing {count} article pages in {pages} (kept between runs)", flush=True)
    with ProcessPoolExecutor(2) as pool:
        step = 100
        list(pool.map(_write_range, [(sources, pages, s, min(count, s + step))
                                     for s in range(0, count, step)]))
    farm = Farm(bodies, size["feeds"], pages)
    del bodies  # made again for the parse rates: casewatch's process does not hold them
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print("farm up; casewatch phases", flush=True)
            rows, extra = asyncio.run(run_farm(farm, Path(tmp) / "bench.db", size, shapes,
                                               args.workers))
            extra |= mix
            bodies = [p.read_bytes() for p in paths]
            print("parse rates", flush=True)
            sample = bodies[::size["parse_every"]]
            rates = parse_rates(bodies, sample, [body for _, _, body in variants(bodies)])
            print("matching", flush=True)
            match = matching_costs(articles(size["docs"]))
            peer = None
            if not args.no_peer:
                print("peer", flush=True)
                peer = run_peer(farm, min(size["peer_feeds"], size["feeds"]), Path(tmp))
    finally:
        farm.close()
    tuned = args.workers != 2 or args.calls_per_worker or args.polls
    name = "bench_farm-quick" if args.quick else "bench_farm"
    with recording(name + ("-tuned" if tuned else ""), args.record):
        report(size, rows, rates, match, peer, load, extra)


def _tune(calls_per_worker: int | None, polls: int | None) -> None:
    """Other limits than the daemon's (module constants of monitor.runtime.app, read
    when the app is built and when a round starts)."""
    if calls_per_worker is None and polls is None:
        return
    from monitor.runtime import app

    if calls_per_worker is not None:
        app.CALLS_PER_WORKER = calls_per_worker
    if polls is not None:
        app.POLL_CONCURRENCY = polls


def _write_range(job: tuple[list[Path], Path, int, int]) -> None:
    from bench.farm import article_page

    sources, out, start, stop = job
    out.mkdir(parents=True, exist_ok=True)
    for n in range(start, stop):
        target = out / f"{n}.html"
        if not target.exists():
            target.write_bytes(article_page(sources[n % len(sources)].read_bytes(), n))


if __name__ == "__main__":
    main()
