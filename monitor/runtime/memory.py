"""Giving freed memory back to the system (glibc's allocator keeps it otherwise), and
keeping the cycle collector off what lives as long as the daemon.

A feed body or an article page is a large block that lives for a moment. glibc serves
blocks above its mmap threshold from their own mappings and unmaps them when freed, but
it raises that threshold to the size of each such block freed (up to 32 MB), after which
a 2 MB feed comes from the heap and leaves a hole there: the heap then grows by memory
that is free but never returned. Fixing the thresholds keeps large blocks in mappings of
their own and lets the heap's free top go back, so a daemon's memory after a large poll
stays near what it was before (bench/bench_farm.py reports it per phase).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
LARGE_BLOCK = 128 * 1024  # glibc's own starting value, kept from growing


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "mallopt") else None
    except OSError:  # not glibc (musl, macOS): nothing to tune
        return None


_LIBC = _libc()


def keep_large_blocks_apart() -> bool:
    """Fix glibc's mmap and trim thresholds for this process; False where there is no
    glibc to tune."""
    if _LIBC is None:
        return False
    return bool(_LIBC.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)
                and _LIBC.mallopt(M_TRIM_THRESHOLD, LARGE_BLOCK))


trim: Callable[[int], int] | None = getattr(_LIBC, "malloc_trim", None)


def settle() -> None:
    """Hand what exists now (the configuration, the matcher, imported modules) to the
    permanent generation, where the cycle collector no longer walks it: otherwise each
    full collection walks every object of every configured case again, a pause that
    grows with the number of cases. What was settled before (an App a reload replaced)
    is handed back first and collected if it is garbage."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
