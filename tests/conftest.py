from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.servers import LoopbackServer

ROOT = Path(__file__).resolve().parent.parent
# real feed bodies for the parser tests, when the bench data is there
BENCH_FEEDS = Path(os.environ.get("CASEWATCH_BENCH_DATA",
                                  ROOT.parent / "shared" / "bench-data")) / "feeds"
REAL_FEEDS = sorted(BENCH_FEEDS.glob("*.xml"))
# every feed body in the repository's fixtures, then the real ones
FEED_BODIES = sorted((ROOT / "tests" / "fixtures").rglob("*.xml")) + REAL_FEEDS


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
def write_config(tmp_path: Path):
    """Write a casewatch.toml whose database lives in tmp_path; returns its path."""

    def write(text: str, name: str = "casewatch.toml") -> Path:
        path = tmp_path / name
        path.write_text(text.replace("@DB@", str(tmp_path / "casewatch.db")), encoding="utf-8")
        return path

    return write


@pytest.fixture
def aio() -> Iterator[asyncio.Runner]:
    """One event loop for the whole test, so an App's HTTP client outlives each call."""
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture(autouse=True)
def _no_http_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """Daemons started by tests serve HTTP only where their config or the test says."""
    monkeypatch.delenv("CASEWATCH_HTTP", raising=False)
