"""The import direction.

Between the packages: monitor may import feeds and alerts; those two import neither.

Inside monitor, the stages sit below the runtime and never the other way:

    identity, text            import no other part of monitor (text only itself)
    config                    identity, text and the grammars it validates against
                              (matching.query, grouping.events, delivery.cron)
    store                     identity
    matching, grouping,       identity, text, config, store and themselves;
    delivery                  not each other
    pipeline                  the stages
    pages                     config and store (pure: what a page shows and its drawing)
    runtime                   anything below it
    cli, demo, launch         anything: the commands are the top
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import imported_modules

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"feeds": {"monitor", "alerts"}, "alerts": {"monitor", "feeds"}}

FOUNDATION = {"monitor.identity", "monitor.text"}
GRAMMARS = {"monitor.matching.query", "monitor.matching.parties", "monitor.grouping.events",
            "monitor.delivery.cron"}
STAGES = {"monitor.matching", "monitor.grouping", "monitor.delivery"}
BELOW_STAGES = FOUNDATION | {"monitor.config", "monitor.store"}
# each part of monitor, and the parts it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "monitor.identity": set(),
    "monitor.text": set(),
    "monitor.config": FOUNDATION | GRAMMARS,
    "monitor.store": {"monitor.identity"},
    **{stage: BELOW_STAGES for stage in STAGES},
    "monitor.pipeline": BELOW_STAGES | STAGES,
    "monitor.pages": BELOW_STAGES,
    "monitor.runtime": BELOW_STAGES | STAGES | {"monitor.pipeline", "monitor.pages"},
}
COMMANDS = {"monitor.cli", "monitor.demo", "monitor.launch", "monitor.__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str | None:
    """The part of monitor (a key of ALLOWED, or a command) that `module` belongs to."""
    for part in sorted(ALLOWED.keys() | COMMANDS, key=len, reverse=True):
        if module == part or module.startswith(part + "."):
            return part
    return None


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_leaf_packages_do_not_import_upwards(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(upward)
        for path in (ROOT / package).rglob("*.py")
        if (upward := {name.split(".")[0] for name in imported_modules(path)} & FORBIDDEN[package])
    }
    assert offenders == {}


def test_every_module_of_monitor_belongs_to_a_part() -> None:
    orphans = [module_name(path) for path in (ROOT / "monitor").rglob("*.py")
               if module_name(path) != "monitor" and part_of(module_name(path)) is None]
    assert orphans == []


def wrong_imports(module: str, imports: set[str]) -> list[str]:
    """What `module` imports from parts of monitor that its part may not import."""
    own = part_of(module)
    if own is None or own in COMMANDS:
        return []
    return sorted(
        name for name in imports
        if (other := part_of(name)) is not None and other != own
        and not any(name == grant or name.startswith(grant + ".") for grant in ALLOWED[own])
    )


def test_inside_monitor_the_stages_sit_below_the_runtime() -> None:
    offenders = {module_name(path): wrong for path in (ROOT / "monitor").rglob("*.py")
                 if (wrong := wrong_imports(module_name(path), imported_modules(path)))}
    assert offenders == {}


def test_the_rules_catch_an_upward_import(tmp_path: Path) -> None:
    """A grouping module that reaches, even lazily, for the runtime or another stage is
    caught, and one that imports what its part may import is not."""
    probe = tmp_path / "probe.py"
    probe.write_text("from monitor.store.store import Store\n"
                     "def f():\n    from monitor.runtime.app import App\n"
                     "    import monitor.matching.matcher\n")
    assert wrong_imports("monitor.grouping.probe", imported_modules(probe)) == [
        "monitor.matching.matcher", "monitor.runtime.app", "monitor.runtime.app.App"]
    assert wrong_imports("monitor.runtime.probe", imported_modules(probe)) == []


def test_every_module_is_importable() -> None:
    import importlib

    for package in ("monitor", "feeds", "alerts"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.stem != "__main__":
                importlib.import_module(module_name(path))


def test_identity_is_cheap_to_import() -> None:
    """An id or a canonical URL costs no grouping machinery (MinHash, TF-IDF): digests and
    health ask for one. (numpy itself may come with sqlite-utils, which uses it if present.)"""
    import subprocess
    import sys

    code = ("import sys, monitor.identity, monitor.delivery.digests, monitor.runtime.health; "
            "print(sorted(m for m in sys.modules if m.startswith(('datasketch', 'scipy', "
            "'monitor.grouping.grouper', 'monitor.grouping.neardup', "
            "'monitor.grouping.similarity'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_the_daemons_process_does_not_load_what_only_workers_use() -> None:
    """Article extraction runs in the workers, and the stop-word list is data: the
    daemon's own process loads neither trafilatura nor scikit-learn (60 MB between them)."""
    import subprocess
    import sys

    code = ("import sys, monitor.runtime.app, monitor.cli; "
            "print(sorted(m for m in ('trafilatura', 'htmldate', 'justext', 'sklearn') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_no_module_is_over_500_lines() -> None:
    """A module that outgrows this is two things: split it along its seam."""
    long = {str(path.relative_to(ROOT)): lines
            for package in ("monitor", "feeds", "alerts")
            for path in (ROOT / package).rglob("*.py")
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}
