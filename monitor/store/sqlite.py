"""sqlite-utils, imported without numpy or pandas.

sqlite-utils imports numpy and pandas when they are installed, only to map their scalar
types to column types when it creates a table from Python values. casewatch writes its
schema as SQL (`monitor.store.migrations`) and stores plain Python values, so it never
uses that mapping; numpy, though, would add a tenth of a second to every command that
opens the database (`status`, `matches`). They are hidden while sqlite-utils loads and
put back after it, for the grouping stage, which uses numpy.
"""

from __future__ import annotations

import sys

_HIDDEN = ("numpy", "pandas")


def _load_without_numpy() -> None:
    if "sqlite_utils.db" in sys.modules:
        return
    kept = {name: sys.modules.get(name) for name in _HIDDEN}
    for name in _HIDDEN:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name, module in kept.items():
            if module is None:
                del sys.modules[name]
            else:
                sys.modules[name] = module


_load_without_numpy()

from sqlite_utils import Database  # noqa: E402
from sqlite_utils.migrations import Migrations  # noqa: E402

__all__ = ["Database", "Migrations"]
