"""Benchmark figures into bench/README.md, written by the benchmark that measured them.

`record(name, text)` replaces the block between `<!-- figures:NAME -->` and
`<!-- /figures:NAME -->` in bench/README.md with `text`, stamped with the date, the
commit (`git rev-parse --short HEAD`, marked when tracked files differ from it) and the
machine (cores as `nproc` counts them, CPU model, load). A block not there yet is added
at the end of the file.

`add_record_flag(parser)` gives a script its `--record` flag (`record_only` is the whole
parser of a script that has no other); `recording(name, enabled)` is what the flag uses:
everything printed inside it still goes to standard output and, when enabled, is
recorded under `name` with the command that printed it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"


def _git(*args: str) -> str:
    """What git printed (lines kept as printed: status lines begin with a space), or ""."""
    try:
        done = subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True,
                              check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.rstrip("\n")


def commit() -> str:
    """The short commit, with "+ uncommitted changes" when tracked files other than this
    README differ from it (the figures then belong to no commit exactly)."""
    head = _git("rev-parse", "--short", "HEAD") or "unknown"
    changed = [line[3:] for line in _git("status", "--porcelain", "--untracked-files=no")
               .splitlines() if line[3:] != "bench/README.md"]
    return f"{head} + uncommitted changes" if changed else head


def machine() -> str:
    cores = os.cpu_count() or 0
    try:
        cores = int(subprocess.run(["nproc"], capture_output=True, text=True,
                                   check=True).stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    model = ""
    with contextlib.suppress(OSError):
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(),
                          re.MULTILINE)
        model = f", {found.group(1).strip()}" if found else ""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cores} cores (nproc){model}; load {load} when recorded"


def block(name: str, text: str, *, now: datetime | None = None) -> str:
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return (f"<!-- figures:{name} -->\n"
            f"Recorded {when}, commit {commit()}, {machine()}.\n\n"
            f"```text\n{text.rstrip()}\n```\n"
            f"<!-- /figures:{name} -->")


def record(name: str, text: str, readme: Path = README) -> None:
    """Put `text` in the figures block `name` of `readme`, stamped."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"not a block name: {name!r}")
    current = readme.read_text(encoding="utf-8") if readme.exists() else ""
    new = block(name, text)
    tag = re.escape(name)
    pattern = re.compile(rf"<!-- figures:{tag} -->.*?<!-- /figures:{tag} -->", re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: new, current, count=1)
    else:
        updated = current.rstrip("\n") + ("\n\n" if current else "") + new + "\n"
    readme.write_text(updated, encoding="utf-8")
    print(f"recorded figures:{name} in {readme}", file=sys.stderr)


class _Tee(io.TextIOBase):
    def __init__(self, out: io.TextIOBase) -> None:
        self.out = out
        self.kept = io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


@contextlib.contextmanager
def recording(name: str, enabled: bool) -> Iterator[None]:
    """Print as usual; when `enabled`, record what was printed under `name` once the block
    ends without an error."""
    if not enabled:
        yield
        return
    tee = _Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        yield
    words = [_relative(sys.argv[0]), *(a for a in sys.argv[1:] if a != "--record")]
    command = "python " + " ".join(shlex.quote(word) for word in words)
    record(name, f"$ {command}\n{tee.kept.getvalue()}")


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(HERE.parent))
    except ValueError:
        return path


def add_record_flag(parser: argparse.ArgumentParser) -> None:
    """The `--record` flag every benchmark has."""
    parser.add_argument("--record", action="store_true",
                        help="also write the figures to bench/README.md (bench/record.py)")


def record_only(description: str) -> argparse.Namespace:
    """The arguments of a benchmark whose only option is `--record`."""
    parser = argparse.ArgumentParser(description=description)
    add_record_flag(parser)
    return parser.parse_args()
