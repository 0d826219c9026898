"""Run every benchmark in bench/ (each prints its own figures).

Arguments are passed to each: `python bench/run_all.py --record` records every figure
block of bench/README.md (the full farm included, which takes a while).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        done = subprocess.run([sys.executable, str(script), *sys.argv[1:]], check=False)
        failed += done.returncode != 0
    sys.exit(1 if failed else 0)
