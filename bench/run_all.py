"""Run every benchmark and evaluation in bench/ (each prints its own figures).

`--record` is passed to each, so `python bench/run_all.py --record` writes every figure
block of bench/README.md; other arguments (`--quick`) are the farm's, the only benchmark
with more options than that.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    record = ["--record"] if "--record" in sys.argv[1:] else []
    farm = [a for a in sys.argv[1:] if a != "--record"]
    failed = 0
    for script in sorted([*HERE.glob("bench_*.py"), *HERE.glob("eval_*.py")]):
        print(f"== {script.name}", flush=True)
        extra = farm if script.name == "bench_farm.py" else []
        done = subprocess.run([sys.executable, str(script), *record, *extra], check=False)
        failed += done.returncode != 0
    sys.exit(1 if failed else 0)
