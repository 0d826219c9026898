"""The `casewatch` command's entry point, apart from `monitor.cli`.

The worker pool's fork server imports the program's main module (the generated
`casewatch` script, which imports this one) so that its workers need not. The workers
parse feeds and extract pages; importing the CLI there would load the whole daemon
(pydantic, sqlite-utils, the scheduler, channels: about 40 MB) into the server for
nothing.
"""

from __future__ import annotations


def main() -> None:
    from monitor.cli import main as cli

    cli()
