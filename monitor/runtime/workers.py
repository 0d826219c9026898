"""The worker pool for CPU-bound pure functions (feed parsing, article extraction).

Workers are forked from a small server process that has imported only the feed and
extraction modules, not from the daemon: they do not carry (and slowly copy) the
daemon's heap of cases, matcher and caches. After a task on a large input a worker
gives freed heap back to the system (glibc keeps it otherwise: a 2 MB feed leaves tens
of MB behind).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

from feeds.extract import HEAVY_MODULES
from monitor.runtime.memory import keep_large_blocks_apart, trim

# "__main__" asks the server to import the program's main module once for all workers;
# Python 3.11's server never receives its path (it looks for a key named "main_path",
# the preparation data names it "init_main_from_path"), so each worker imports it: the
# `casewatch` command's main module is a small launcher (monitor/launch.py). The last
# module builds the extraction tables the workers then share (feeds/warmup.py).
PRELOAD = ["__main__", "feeds.extract", "feeds.rss", "feeds.fastfeed", "feeds.feedchunks",
           *HEAVY_MODULES, "feeds.warmup"]
TRIM_AFTER_BYTES = 500_000
PARENT_CHECK_SECONDS = 1.0


def _size(arg: Any) -> int:
    data = getattr(arg, "body", arg)  # a Page, or bytes
    return len(data) if isinstance(data, bytes) else 0


def call(func: Callable[..., Any], *args: Any) -> Any:
    """Run one task in a worker; after a large input, return the heap it freed to the
    system (trimming after every task costs about 3 ms, 15% of an extraction)."""
    try:
        return func(*args)
    finally:
        if trim is not None and sum(map(_size, args)) > TRIM_AFTER_BYTES:
            trim(0)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _watch(daemon: int) -> None:
    while _alive(daemon):
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def start_worker(daemon: int) -> None:
    """In a new worker: large blocks in mappings of their own (monitor.runtime.memory), and an
    exit when the daemon is gone. A daemon killed outright (SIGKILL, OOM) cannot stop
    its workers, and idle workers would wait for work for ever."""
    keep_large_blocks_apart()
    if Path("/proc/self").exists():  # (without /proc, nothing to watch with)
        threading.Thread(target=_watch, args=(daemon,), daemon=True).start()


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes forked from a preloaded server process."""
    try:
        context = multiprocessing.get_context("forkserver")
    except ValueError:  # no forkserver on this platform
        return ProcessPoolExecutor(max_workers=workers)
    context.set_forkserver_preload(PRELOAD)
    # the server starts now, not at the first task: its imports and tables take a second
    # or two, done meanwhile the daemon builds its matcher and fetches its first pages.
    # Started at the first task, it held up the event loop (the pool forks a worker as a
    # task is handed over, and waits for the server to fork it) with nothing parsed.
    forkserver.ensure_running()
    # no max_tasks_per_child: on Python 3.11 a pool that replaces its workers can stop
    # for good (CPython gh-115634), as a 1,000-feed first poll here did
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=start_worker, initargs=(os.getpid(),))
