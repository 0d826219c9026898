"""The commands that only read the config or the database load none of the daemon's
machinery: `--help`, `check`, `status`, `matches` and each command's `--help` start
without the HTTP client, the page and feed parsers, grouping, the scheduler, the email
template or the metrics (bench/bench_startup.py times them).

Each command runs in a fresh interpreter, which then lists the modules it loaded: a
test fails naming the command and the module, not on a time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli_env

# imported by the daemon, `run --once`, `preview`, `send-test` and `demo`, never by these
HEAVY = ("trafilatura", "numpy", "pandas", "datasketch", "sklearn", "scipy", "apscheduler",
         "httpx", "jinja2", "prometheus_client", "structlog", "smtplib", "monitor.pipeline",
         "monitor.grouping.grouper", "monitor.runtime.app", "monitor.runtime.workers",
         "lxml", "feedparser")

# One source and one channel of every kind: each config model is imported and used.
CONFIG = """
[service]
database = "{database}"
http = ""

[[sources]]
id = "news"
kind = "feed"
url = "https://example.com/feed.xml"

[[sources]]
id = "court"
kind = "pacer_rss"
court = "cand"

[[sources]]
id = "listener"
kind = "courtlistener"
docket_id = 123

[[sources]]
id = "page"
kind = "docket_page"
url = "https://example.com/docket"
entry_selector = "table.docket tr"
date_selector = "td.date"

[[sources]]
id = "search"
kind = "news_search"
provider = "google_news"

[[cases]]
id = "doe-v-acme"
caption = "Doe v. Acme Corp."
court = "N.D. Cal."
docket_number = "3:21-cv-00485"
query = '"Doe v. Acme" OR (Acme AND lawsuit)'
notify = ["out", "mail", "chat", "hook"]

[[channels]]
id = "out"
kind = "console"

[[channels]]
id = "mail"
kind = "email"
host = "smtp.example.com"
from = "casewatch@example.com"
to = ["desk@example.com"]

[[channels]]
id = "chat"
kind = "slack"
webhook_url = "https://hooks.slack.com/services/T0/B0/XXXXXXXXXXXX"

[[channels]]
id = "hook"
kind = "webhook"
url = "https://example.com/hook"
"""

# runs the command as `casewatch` does, then writes the names of the loaded modules
PROBE = """
import json, sys
from monitor.cli import main
sys.argv = ["casewatch", *sys.argv[2:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(OUT, "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def loaded(tmp_path: Path, *args: str, ok: bool = True) -> set[str]:
    """The modules `casewatch ARGS` loaded; the command must succeed, if `ok`."""
    out = tmp_path / "modules.json"
    code = PROBE.replace("OUT", repr(str(out)))
    done = subprocess.run([sys.executable, "-c", code, "casewatch", *args], cwd=tmp_path,
                          env=cli_env(), capture_output=True, text=True, timeout=60)
    assert out.exists(), done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["code"] in (0, None) or not ok, done.stdout + done.stderr
    return set(report["modules"])


def found(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Which of `names` (packages with any of their submodules) are among `modules`."""
    return [name for name in names
            if any(m == name or m.startswith(name + ".") for m in modules)]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "casewatch.toml"
    path.write_text(CONFIG.format(database=tmp_path / "casewatch.db"), encoding="utf-8")
    return path


COMMANDS = [
    ("check",), ("status",), ("status", "--json"), ("matches",), ("matches", "--json"),
]
HELP = [("--help",), *[(name, "--help") for name in
                       ("run", "check", "status", "matches", "preview", "send-test", "demo")]]


@pytest.mark.parametrize("args", HELP, ids=" ".join)
def test_help_loads_nothing_but_the_command_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    modules = loaded(tmp_path, *args)
    assert found(modules, HEAVY) == []
    assert found(modules, ("pydantic", "monitor.config", "rich", "sqlite_utils", "lark")) == []


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_reading_commands_load_none_of_the_daemon(tmp_path: Path, config: Path,
                                                  args: tuple[str, ...]) -> None:
    modules = loaded(tmp_path, *args, "-c", str(config))
    assert "monitor.config" in modules  # the probe ran the command
    assert found(modules, HEAVY) == []


@pytest.mark.parametrize("args", [("check",), ("status", "--json"), ("matches", "--json")],
                         ids=" ".join)
def test_what_prints_no_table_loads_no_rich(tmp_path: Path, config: Path,
                                            args: tuple[str, ...]) -> None:
    assert found(loaded(tmp_path, *args, "-c", str(config)), ("rich",)) == []


def test_the_probe_sees_what_a_command_loads(tmp_path: Path, config: Path) -> None:
    """`send-test` sends: the same probe finds the HTTP client it loads (here before it
    refuses an unknown channel, so nothing is sent)."""
    modules = loaded(tmp_path, "send-test", "nope", "-c", str(config), ok=False)
    assert found(modules, HEAVY) == ["httpx"]
