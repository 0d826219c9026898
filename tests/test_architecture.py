"""The import direction: monitor may import feeds and alerts; those two import neither."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"feeds": {"monitor", "alerts"}, "alerts": {"monitor", "feeds"}}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_leaf_packages_do_not_import_upwards(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if imported_packages(path) & FORBIDDEN[package]
    }
    assert offenders == {}


def test_every_module_is_importable() -> None:
    import importlib

    for package in ("monitor", "feeds", "alerts"):
        for path in sorted((ROOT / package).glob("*.py")):
            if path.stem != "__main__":
                importlib.import_module(f"{package}.{path.stem}")


def test_the_daemons_process_does_not_load_what_only_workers_use() -> None:
    """Article extraction runs in the workers, and the stop-word list is data: the
    daemon's own process loads neither trafilatura nor scikit-learn (60 MB between them)."""
    import subprocess
    import sys

    code = ("import sys, monitor.app, monitor.cli; "
            "print(sorted(m for m in ('trafilatura', 'htmldate', 'justext', 'sklearn') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"
