"""Poll the 100 real feeds of the bench data through the real pipeline on 127.0.0.1.

Prints: the first poll (every feed fetched, parsed and its backlog stored), a second
poll where every feed answers 304, and a third after ETags are forgotten (every body
fetched and parsed again, nothing new).
"""

from __future__ import annotations

import asyncio
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback import bench_data, feed_files, serve
from bench.record import record_only, recording
from monitor.config import parse_settings
from monitor.runtime.app import build_app


def config(base: str, paths: list[str], db: Path) -> str:
    sources = "".join(
        f'[[sources]]\nid = "f{n}"\nkind = "feed"\nurl = "{base}{path}"\nextract = false\n\n'
        for n, path in enumerate(paths)
    )
    return f"""
[service]
database = "{db}"
http = ""
allow_private_addresses = true
per_host_concurrency = 8

{sources}
[[cases]]
id = "doe"
caption = "John Doe v. Twitter, Inc."
aliases = ["Doe v. Twitter"]
notify = ["out"]

[[channels]]
id = "out"
kind = "console"
"""


async def measure(settings_text: str) -> None:
    app = build_app(parse_settings(settings_text, {}), stream=io.StringIO(), extract_workers=0)
    try:
        for label in ("first poll (fetch, parse, store backlog)", "second poll (all 304)"):
            cpu, wall = time.process_time(), time.perf_counter()
            reports, _ = await app.run_once()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            items = sum(r.items for r in reports)
            failed = sum(not r.ok for r in reports)
            print(f"{label:45s} {len(reports)} feeds, {items:5d} items, {failed} failed: "
                  f"{wall:6.2f} s wall, {cpu:6.2f} s CPU, {cpu / len(reports) * 1000:7.2f} ms "
                  "CPU per feed")
        app.store.db.execute("UPDATE sources SET etag = NULL, last_modified = NULL")
        cpu, wall = time.process_time(), time.perf_counter()
        reports, _ = await app.run_once()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{'third poll (bodies again, nothing new)':45s} {len(reports)} feeds, "
              f"{sum(r.new for r in reports):5d} new:   {wall:6.2f} s wall, {cpu:6.2f} s CPU, "
              f"{cpu / len(reports) * 1000:7.2f} ms CPU per feed")
    finally:
        await app.aclose()


def main() -> None:
    files = feed_files(bench_data())
    with tempfile.TemporaryDirectory() as tmp, serve(files) as base:
        asyncio.run(measure(config(base, sorted(files), Path(tmp) / "bench.db")))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    with recording("bench_polling", record_only(__doc__.splitlines()[0]).record):
        main()
