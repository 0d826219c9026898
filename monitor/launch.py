"""The `casewatch` command's entry point, apart from `monitor.cli`.

Every worker of the pool imports the program's main module (multiprocessing does, to
find what it is sent; see `monitor.runtime.workers.PRELOAD`). For the `casewatch` command that
module is the generated script, which imports this one: importing the CLI there would
load the whole daemon (pydantic models, sqlite-utils, the scheduler, the channels) into
each worker, which only parses feeds and extracts pages.
"""

from __future__ import annotations


def main() -> None:
    from monitor.cli import main as cli

    cli()
