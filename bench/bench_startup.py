"""Start-up time of the commands that only read the config or the database.

Each command runs as `python -m monitor ...` in a fresh process, with the demo's config
(seeds/demo.toml, its database in a temporary directory): the median and the fastest
wall time of `--runs` runs (11 by default), the median CPU time, then, from one run
under `python -X importtime`, the packages whose import cost it most (time spent in
their own modules; work done at run time, such as loading courts-db's data, is not an
import and is not listed). One run before the timed ones writes the bytecode caches, as an
installed casewatch has them. `run` and `demo` are not here: they start the daemon.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.record import add_record_flag, recording

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "seeds" / "demo.toml"
COMMANDS = (
    ("--help",),
    ("check", "--help"),
    ("check", "-c", str(CONFIG)),
    ("status", "-c", str(CONFIG)),
    ("status", "-c", str(CONFIG), "--json"),
    ("matches", "-c", str(CONFIG)),
)
GOAL = 0.3  # seconds


def environment(database: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "CASEWATCH_DEMO_DB": str(database), "CASEWATCH_DEMO_FEED": "http://127.0.0.1:9/f.xml"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed casewatch has its .pyc files
    env.pop("CASEWATCH_CONFIG", None)
    return env


def run_once(args: tuple[str, ...], env: dict[str, str], *flags: str) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, standard error) of one `python -m monitor ARGS`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *flags, "-m", "monitor", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"casewatch {' '.join(args)} failed:\n{done.stderr}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, done.stderr


def top_imports(stderr: str, count: int) -> list[tuple[str, float]]:
    """The packages whose modules took longest to import (their own time, summed over the
    package's modules; casewatch's own by subpackage), costliest first, in ms."""
    found: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|", 2)
        parts = name.strip().split(".")
        package = ".".join(parts[:2] if parts[0] in ("monitor", "feeds", "alerts") else parts[:1])
        found[package] = found.get(package, 0.0) + int(own) / 1000
    return sorted(found.items(), key=lambda pair: -pair[1])[:count]


def label(args: tuple[str, ...]) -> str:
    return " ".join("<demo.toml>" if a == str(CONFIG) else a for a in args)


def main(runs: int, top: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(Path(tmp) / "demo.db")
        print(f"{'command':34s} {'median':>8s} {'fastest':>8s} {'cpu':>8s}  "
              f"(wall and CPU seconds, {runs} runs; goal {GOAL} s)")
        profiles = []
        for args in COMMANDS:
            run_once(args, env)  # bytecode caches, the database
            walls, cpus = [], []
            for _ in range(runs):
                wall, cpu, _ = run_once(args, env)
                walls.append(wall)
                cpus.append(cpu)
            median = statistics.median(walls)
            print(f"{label(args):34s} {median:8.3f} {min(walls):8.3f} "
                  f"{statistics.median(cpus):8.3f}  {'ok' if median <= GOAL else 'over'}")
            profiles.append((args, top_imports(run_once(args, env, "-X", "importtime")[2], top)))
        print("\nimport time by package (ms, one run under -X importtime):")
        for args, imports in profiles:
            print(f"  {label(args)}: " + ", ".join(f"{name} {ms:.0f}" for name, ms in imports))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="timed runs per command")
    parser.add_argument("--top", type=int, default=8, help="packages shown per command")
    add_record_flag(parser)
    options = parser.parse_args()
    with recording("bench_startup", options.record):
        main(options.runs, options.top)
