"""The memory of the daemon's processes: large blocks given back, tables built once in
the workers' fork server, and scipy's integrators left unloaded."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.runtime.memory import keep_large_blocks_apart
from monitor.runtime.workers import pool
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parent.parent

# 60 bodies of 1 MB, each followed by a small block that outlives it, after a block of
# 16 MB (glibc then serves blocks up to that size from its heap)
FRAGMENT = """
import sys
from monitor.runtime.memory import keep_large_blocks_apart
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
if sys.argv[1] == "kept apart":
    assert keep_large_blocks_apart()
first = b"x" * 16_000_000
del first
before = rss()
kept, bodies = [], []
for n in range(60):
    bodies.append(b"x" * (1_000_000 + n))
    kept.append(b"y" * 3000)
del bodies
print(rss() - before)
"""


@pytest.mark.skipif(not keep_large_blocks_apart(), reason="no glibc allocator to tune")
def test_freed_bodies_go_back_to_the_system() -> None:
    def held(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", FRAGMENT, mode], capture_output=True,
                             text=True, cwd=ROOT, check=True).stdout
        return int(out)

    assert held("glibc's defaults") >= 20  # the holes the tuning is there to prevent
    assert held("kept apart") <= 5


def _tables() -> tuple[int, int, int, bool]:
    from htmldate.extractors import get_external_parser, month_words
    from justext.core import define_stoplist

    return (define_stoplist.cache_info().currsize, get_external_parser.cache_info().currsize,
            month_words.cache_info().currsize, gc.get_freeze_count() > 0)


def test_workers_are_forked_with_the_extraction_tables_built() -> None:
    """A new worker has not extracted anything, yet jusText's stop words, dateparser's
    parser and htmldate's month names exist: built in the server, shared by all."""
    with pool(1) as workers:
        stoplists, parsers, months, frozen = workers.submit(_tables).result(timeout=120)
    assert stoplists >= 1 and parsers == 1 and months == 1
    assert frozen


def test_near_duplicates_load_datasketch_without_scipy_integrators() -> None:
    code = ("import sys, monitor.runtime.app, monitor.grouping.neardup as n; n.NearDuplicates(); "
            "print('scipy.integrate' in sys.modules); "
            "import scipy.integrate; print(hasattr(scipy.integrate, 'solve_ivp'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    assert out == ["False", "True"]  # and a later import gets the real module


def test_the_lsh_bands_are_datasketchs_own_for_the_threshold() -> None:
    from datasketch import MinHashLSH

    from monitor.grouping.neardup import BANDS, LSH_THRESHOLD, NUM_PERM

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == BANDS


SETTLED = """
import gc, io, sys, weakref
from pathlib import Path
from monitor.runtime.app import build_app
from monitor.config import load_settings

settings = load_settings(Path(sys.argv[1]), {})
class Node:
    pass
cycle = Node()
cycle.me = cycle  # garbage only the cycle collector can free
dead = weakref.ref(cycle)
app = build_app(settings, stream=io.StringIO(), extract_workers=0)
walked = {id(o) for o in gc.get_objects()}
print(sum(id(c) in walked for c in app.settings.cases),
      sum(id(c) in walked for c in settings.cases))
del cycle, app
again = build_app(settings, stream=io.StringIO(), extract_workers=0)  # as a reload does
print(dead() is None)
"""


def test_what_the_daemon_builds_at_start_is_left_out_of_full_collections(
        tmp_path: Path) -> None:
    """The cases (and all else the App holds from its start) are not walked by the cycle
    collector; what a later build no longer holds is collected then."""
    cases = [{"id": f"c{n}", "caption": f"Doe {n} v. Acme {n}", "parties": [f"Acme {n}"]}
             for n in range(200)]
    config = write_config(tmp_path, database=tmp_path / "casewatch.db", service={"http": ""},
                          cases=cases)
    out = subprocess.run([sys.executable, "-c", SETTLED, str(config)], capture_output=True,
                         text=True, cwd=ROOT, check=True).stdout.split()
    assert out == ["0", "0", "True"]


def _sleep(seconds: float) -> int:
    import os
    import time

    time.sleep(seconds)
    return os.getpid()


def test_a_slow_task_holds_back_no_task_handed_over_after_it() -> None:
    """Through admission, as the daemon hands pages over: while one worker is on a slow
    body (a feed only feedparser reads), the other takes the polls that come after it."""
    import asyncio
    import time

    from monitor.runtime.admission import OldestFirst

    async def run() -> tuple[float, float, set[int]]:
        loop = asyncio.get_running_loop()
        admission = OldestFirst(4 * 2)
        with pool(2) as workers:
            # both workers up: two tasks at once fork two
            started = await asyncio.gather(*(loop.run_in_executor(workers, _sleep, 0.5)
                                             for _ in range(2)))

            async def timed(rank: int, seconds: float) -> float:
                await admission.run(rank, lambda: loop.run_in_executor(
                    workers, _sleep, seconds))
                return time.perf_counter()

            begun = time.perf_counter()
            slow = asyncio.ensure_future(timed(1, 3.0))
            await asyncio.sleep(0.05)
            fast = await asyncio.gather(*(timed(2 + n, 0.01) for n in range(6)))
            return max(fast) - begun, await slow - begun, set(started)

    fast, slow, pids = asyncio.run(run())
    assert len(pids) == 2
    assert fast < 1.5 < slow  # the six quick ones ended long before the slow one


STARTED = """
import os, time
from pathlib import Path
from monitor.runtime.workers import pool

def servers():
    me = os.getpid()
    kids = Path(f"/proc/{me}/task/{me}/children").read_text().split()
    return sum(b"forkserver" in Path(f"/proc/{k}/cmdline").read_bytes() for k in kids)

before = servers()
workers = pool(1)
time.sleep(0.5)
print(before, servers())
workers.shutdown()
"""


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="no /proc to look in")
def test_the_fork_server_starts_with_the_pool_not_at_its_first_task() -> None:
    """Its imports take a second or two: done while the daemon sets itself up, rather
    than in the first poll's event loop, where the first task waited for them."""
    out = subprocess.run([sys.executable, "-c", STARTED], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    assert out == ["0", "1"]
