from __future__ import annotations

import ast
import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pytest

from tests.servers import LoopbackServer

ROOT = Path(__file__).resolve().parent.parent
# real feed bodies for the parser tests, when the bench data is there
BENCH_FEEDS = Path(os.environ.get("CASEWATCH_BENCH_DATA",
                                  ROOT.parent / "shared" / "bench-data")) / "feeds"
REAL_FEEDS = sorted(BENCH_FEEDS.glob("*.xml"))
# every feed body in the repository's fixtures, then the real ones
FEED_BODIES = sorted((ROOT / "tests" / "fixtures").rglob("*.xml")) + REAL_FEEDS

Table = dict[str, Any]


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer()
    yield srv
    srv.close()


@pytest.fixture
def aio() -> Iterator[asyncio.Runner]:
    """One event loop for the whole test, so an App's HTTP client outlives each call."""
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture(autouse=True)
def _no_http_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """Daemons started by tests serve HTTP only where their config or the test says."""
    monkeypatch.delenv("CASEWATCH_HTTP", raising=False)


# -- configs ------------------------------------------------------------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    return '"' + "".join(
        _ESCAPES.get(ch) or (f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch)
        for ch in text) + '"'


def toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def toml_value(value: object) -> str:
    """A str (or Path), bool, int, float, list or table, written inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)  # inf and nan are spelled as TOML spells them
    if isinstance(value, str | Path):
        return toml_string(str(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(toml_pairs(value)) + "}"
    raise TypeError(f"no TOML for {value!r}")


def toml_pairs(table: Mapping[str, object]) -> list[str]:
    """`key = value` for each entry; a None value is left out (TOML has no null)."""
    return [f"{toml_key(key)} = {toml_value(value)}" for key, value in table.items()
            if value is not None]


def _is_tables(value: object) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, Mapping) for v in value)


def toml_document(data: Mapping[str, object]) -> str:
    """A TOML document: top-level tables as [name], lists of tables as [[name]] (an empty
    list of them is left out)."""
    lines = toml_pairs({k: v for k, v in data.items()
                        if not isinstance(v, Mapping) and not _is_tables(v)})
    for key, value in data.items():
        if isinstance(value, Mapping):
            lines += ["", f"[{toml_key(key)}]", *toml_pairs(value)]
        elif _is_tables(value):
            for table in value:  # type: ignore[union-attr]
                lines += ["", f"[[{toml_key(key)}]]", *toml_pairs(table)]
    return "\n".join(lines).lstrip("\n") + "\n"


def config_toml(*, database: str | Path | None = None,
                service: Mapping[str, object] | None = None, sources: Iterable[Table] = (),
                cases: Iterable[Table] = (), channels: Iterable[Table] = ()) -> str:
    """casewatch.toml text: [service] (its database first, when given), then the sources,
    cases and channels, each a [[table]]. Sections with nothing in them are left out."""
    head = {"database": database} if database is not None else {}
    return toml_document({"service": {**head, **(service or {})} or None,
                          "sources": list(sources), "cases": list(cases),
                          "channels": list(channels)})


def write_config(directory: Path, *, name: str = "casewatch.toml", **parts: Any) -> Path:
    """config_toml(**parts) written to directory/name; returns its path."""
    path = directory / name
    path.write_text(config_toml(**parts), encoding="utf-8")
    return path


def loopback_service(**fields: object) -> Table:
    """[service] for a daemon that polls servers on 127.0.0.1: no HTTP endpoint of its own,
    private addresses allowed, alerts from the first poll on; `fields` add or override."""
    return {"http": "", "allow_private_addresses": True, "alert_on_first_poll": True,
            **fields}


def feed_source(source_id: str, url: str, **fields: object) -> Table:
    """A feed source; it reads headlines and summaries only unless `extract=True` is
    given (a test that serves no article pages fetches none)."""
    return {"id": source_id, "kind": "feed", "url": url, "extract": False, **fields}


def doe_case(**fields: object) -> Table:
    """The case most tests follow: John Doe v. Acme Corp., "Doe v. Acme" for short."""
    return {"id": "doe", "caption": "John Doe v. Acme Corp.", "aliases": ["Doe v. Acme"],
            **fields}


def console_channel(channel_id: str = "out", **fields: object) -> Table:
    return {"id": channel_id, "kind": "console", **fields}


def webhook_channel(channel_id: str, url: str, **fields: object) -> Table:
    return {"id": channel_id, "kind": "webhook", "url": url, **fields}


# -- the command line and the daemon in a subprocess --------------------------------------


def cli_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment, the project importable, no CASEWATCH_CONFIG, `env` on top."""
    out = {**os.environ, "PYTHONPATH": str(ROOT)}
    out.pop("CASEWATCH_CONFIG", None)
    return {**out, **(env or {})}


def run_cli(*args: str, cwd: Path, env: Mapping[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m monitor ARGS` to the end; its output captured as text."""
    return subprocess.run([sys.executable, "-m", "monitor", *args], cwd=cwd, env=cli_env(env),
                          capture_output=True, text=True, timeout=timeout)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports by absolute name, at any depth (lazy imports and those
    for the type checker too), `from m import n` as both `m` and `m.n`, and
    `import_module("...")` with a literal name."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(
                node.func, "attr", None)) == "import_module" and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def wait_for(condition: Callable[[], object], timeout: float) -> bool:
    """Whether `condition()` came true within `timeout` seconds (polled every 50 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


class Daemon:
    """`python -m monitor run -c CONFIG` (or `command` run -c CONFIG) in a subprocess. Its
    stdout and stderr are read as they come (`out`, `err`: lists of lines); leaving the
    `with` block stops it with SIGTERM if it still runs, and kills it if it does not stop."""

    def __init__(self, config: Path, *, cwd: Path, env: Mapping[str, str] | None = None,
                 command: Iterable[str] = (sys.executable, "-m", "monitor")) -> None:
        self.proc = subprocess.Popen([*command, "run", "-c", str(config)], cwd=cwd,
                                     env=cli_env(env), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.out: list[str] = []
        self.err: list[str] = []
        self._changed = threading.Condition()
        self._open = 2
        self._readers = [threading.Thread(target=self._read, args=(stream, lines), daemon=True)
                         for stream, lines in ((self.proc.stdout, self.out),
                                               (self.proc.stderr, self.err))]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[str], lines: list[str]) -> None:
        for line in stream:
            with self._changed:
                lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._open -= 1
            self._changed.notify_all()

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def wait_line(self, pattern: str, timeout: float = 30) -> re.Match[str] | None:
        """The first stderr line that `pattern` is found in, waiting up to `timeout` s."""
        regex, seen = re.compile(pattern), 0
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.err[seen:]:
                    if found := regex.search(line):
                        return found
                seen = len(self.err)
                left = deadline - time.monotonic()
                if left <= 0 or not self._open:
                    return None
                self._changed.wait(left)

    def running(self, timeout: float = 30) -> bool:
        """Whether the daemon said it is running within `timeout` seconds."""
        return self.wait_line("casewatch running", timeout) is not None

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def stop(self, timeout: float = 20) -> float:
        """SIGTERM, then wait for the exit; the seconds it took."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout)
        took = time.monotonic() - started
        self._drain()
        return took

    def kill(self) -> None:
        """SIGKILL, then wait for the exit (not for the end of what it wrote: workers it
        left behind may hold its pipes a moment longer)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def _drain(self, timeout: float = 10) -> None:
        """Wait until all the process wrote is read (its workers may hold the pipes a
        moment longer than it lives)."""
        for reader in self._readers:
            reader.join(timeout)

    def __str__(self) -> str:
        return f"exit {self.proc.poll()}: " + "".join(self.err[-20:])

    def __enter__(self) -> Daemon:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.proc.poll() is not None:
            return
        try:
            self.stop()
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
