"""The memory of the daemon's processes: large blocks given back, and scipy's integrators
left unloaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.memory import keep_large_blocks_apart

ROOT = Path(__file__).resolve().parent.parent

# 60 bodies of 1 MB, each followed by a small block that outlives it, after a 4 MB
# block of 16 MB (glibc then serves blocks up to that size from its heap)
FRAGMENT = """
import sys
from monitor.memory import keep_large_blocks_apart
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


def test_near_duplicates_load_datasketch_without_scipy_integrators() -> None:
    code = ("import sys, monitor.app, monitor.neardup as n; n.NearDuplicates(); "
            "print('scipy.integrate' in sys.modules); "
            "import scipy.integrate; print(hasattr(scipy.integrate, 'solve_ivp'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split()
    assert out == ["False", "True"]  # and a later import gets the real module


def test_the_lsh_bands_are_datasketchs_own_for_the_threshold() -> None:
    from datasketch import MinHashLSH

    from monitor.neardup import BANDS, LSH_THRESHOLD, NUM_PERM

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == BANDS
